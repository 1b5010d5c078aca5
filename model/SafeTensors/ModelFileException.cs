namespace DiffAcc.Model.SafeTensors;

/// <summary>A weight or quantization file that cannot be used; the message names the file, the tensor or field, and the problem.</summary>
public sealed class ModelFileException(string file, string? item, string problem)
    : Exception(item is null ? $"{file}: {problem}" : $"{file}: '{item}': {problem}")
{
    public string File { get; } = file;

    public string? Item { get; } = item;

    public string Problem { get; } = problem;
}
