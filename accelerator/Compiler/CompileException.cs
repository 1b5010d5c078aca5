namespace DiffAcc.Accelerator.Compiler;

/// <summary>A model the compiler cannot map onto a configuration: the message names the layer and the limit it exceeds.</summary>
public sealed class CompileException(string layer, string problem) : Exception($"{layer}: {problem}")
{
    public string Layer { get; } = layer;

    public string Problem { get; } = problem;
}
