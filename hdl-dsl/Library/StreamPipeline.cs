using System.Runtime.CompilerServices;

namespace DiffAcc.Hdl.Library;

/// <summary>
/// A module whose datapath is one pipeline on a valid/ready stream: every stage advances together
/// while the consumer is ready (<c>InReady = OutReady</c>, so a stall holds every stage), and a
/// synchronous reset clears the valid bits. Subclasses register payload, a signal or a bundle of
/// data fields, with <see cref="Stage{T}"/> and <see cref="StageChain{T}"/>.
/// </summary>
public abstract class StreamPipeline : Module
{
    private Bool? advance;

    /// <summary>High while the pipeline moves: the consumer is ready.</summary>
    protected Bool Advance => advance ?? throw new InvalidOperationException("call StartPipeline first");

    /// <summary>Sets the pipeline's advance condition and returns it as the producer's ready.</summary>
    protected Bool StartPipeline(Bool outReady)
    {
        advance = outReady;
        return outReady;
    }

    /// <summary>One pipeline register for a payload value.</summary>
    protected T Stage<T>(T value, string name, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : class
        => RegNext(value, enable: Advance, name: name, file: file, line: line);

    /// <summary>A value carried through <paramref name="stages"/> pipeline registers <c>{name}_0</c> ...: element s is stage s.</summary>
    protected IReadOnlyList<T> StageChain<T>(T value, int stages, string name, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : class
        => ShiftChain(value, stages, enable: Advance, name: name, file: file, line: line);

    /// <summary>The valid bits of <paramref name="latency"/> stages <c>valid_0</c> ...: element s is stage s's, the last is the output's.</summary>
    protected IReadOnlyList<Bool> ValidChain(Bool inValid, int latency, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => ShiftChain(inValid, latency, reset: 0, enable: Advance, name: "valid", file: file, line: line);
}
