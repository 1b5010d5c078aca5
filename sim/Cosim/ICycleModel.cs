namespace DiffAcc.Sim;

/// <summary>
/// A cycle-accurate model of a design: given one cycle's input record (laid out by
/// <see cref="PortLayout"/>), it writes the outputs seen before that cycle's clock edge, then
/// advances one cycle. The IR simulator is one; a hand-written C# golden is another.
/// </summary>
public interface ICycleModel
{
    void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs);
}

/// <summary>Fills the input record of each cycle.</summary>
public interface IStimulus
{
    void Fill(long cycle, Span<ulong> inputs);
}

/// <summary>Sees every cycle's inputs and the outputs Verilator produced, for checks at the transaction level.</summary>
public interface ICycleObserver
{
    void Observe(long cycle, ReadOnlySpan<ulong> inputs, ReadOnlySpan<ulong> outputs);
}
