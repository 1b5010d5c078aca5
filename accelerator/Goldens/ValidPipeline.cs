namespace DiffAcc.Accelerator.Goldens;

/// <summary>
/// A fixed-length delay line of (valid, payload) as a hardware pipeline holds it: each clock edge
/// one entry enters and the oldest leaves; a reset clears the valid bit of every entry in flight
/// (the payload registers have no reset).
/// </summary>
internal sealed class ValidPipeline<T>
{
    private readonly Queue<(bool Valid, T Payload)> stages = new();

    public ValidPipeline(int depth, T empty)
    {
        for (var i = 0; i < depth; i++)
            stages.Enqueue((false, empty));
    }

    /// <summary>One clock edge: returns the entry that leaves, with its valid bit cleared by a reset.</summary>
    public (bool Valid, T Payload) Tick(bool valid, T payload, bool reset)
    {
        var (leavingValid, leavingPayload) = stages.Dequeue();
        if (reset)
        {
            var inFlight = stages.Select(s => (false, s.Payload)).ToList();
            stages.Clear();
            foreach (var s in inFlight)
                stages.Enqueue(s);
        }
        stages.Enqueue((valid && !reset, payload));
        return (leavingValid, leavingPayload);
    }
}
