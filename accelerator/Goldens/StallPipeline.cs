namespace DiffAcc.Accelerator.Goldens;

/// <summary>
/// The cycle model of a <see cref="Hdl.Library.StreamPipeline"/>: payload registers move only while the
/// pipeline advances; valid registers move with them and are cleared by a synchronous reset.
/// </summary>
internal sealed class StallPipeline<T>
{
    private readonly bool[] valid;
    private readonly T[] payload;

    public StallPipeline(int depth, T empty)
    {
        valid = new bool[depth];
        payload = [.. Enumerable.Repeat(empty, depth)];
    }

    public bool OutValid => valid[^1];

    /// <summary>The valid bit of stage <paramref name="stage"/>.</summary>
    public bool ValidAt(int stage) => valid[stage];

    /// <summary>The payload of stage <paramref name="stage"/>, for goldens whose registers sample a stage.</summary>
    public T At(int stage) => payload[stage];

    public T Out => payload[^1];

    /// <summary>One clock edge.</summary>
    public void Tick(bool inValid, T inPayload, bool advance, bool reset)
    {
        if (advance)
        {
            Array.Copy(payload, 0, payload, 1, payload.Length - 1);
            payload[0] = inPayload;
        }
        if (reset)
        {
            Array.Clear(valid);
        }
        else if (advance)
        {
            Array.Copy(valid, 0, valid, 1, valid.Length - 1);
            valid[0] = inValid;
        }
    }
}
