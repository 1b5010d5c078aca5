using System.Runtime.CompilerServices;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Vector;

/// <summary>
/// A module whose datapath is one pipeline on a valid/ready stream: every stage advances together
/// while the consumer is ready (<c>InReady = OutReady</c>, so a stall holds every stage), and a
/// synchronous reset clears the valid bits. Subclasses register payload with <see cref="Stage{T}"/>.
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
    protected T Stage<T>(T value, string name, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : Signal
        => RegNext(value, enable: Advance, name: name, file: file, line: line);

    /// <summary>A value carried through <paramref name="stages"/> pipeline registers <c>{name}_0</c> ...: element s is stage s.</summary>
    protected List<T> StageChain<T>(T value, int stages, string name, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where T : Signal
    {
        var chain = new List<T>(stages);
        for (var s = 0; s < stages; s++)
            chain.Add(Stage(s == 0 ? value : chain[s - 1], $"{name}_{s}", file, line));
        return chain;
    }

    /// <summary>The valid bits of <paramref name="latency"/> stages: element s is stage s's, the last is the output's.</summary>
    protected Bool[] ValidChain(Bool inValid, int latency, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var valid = new Bool[latency];
        for (var stage = 0; stage < latency; stage++)
            valid[stage] = RegNext(stage == 0 ? inValid : valid[stage - 1], reset: 0, enable: Advance, name: $"valid_{stage}", file: file, line: line);
        return valid;
    }
}
