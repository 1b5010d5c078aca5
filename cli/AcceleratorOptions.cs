using System.CommandLine;
using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Cli;

/// <summary>The <c>--preset</c> and <c>--config</c> options that choose an accelerator configuration.</summary>
internal sealed class AcceleratorOptions
{
    public Option<string> Preset { get; } = new("--preset") { Description = $"Named configuration: {string.Join(", ", Presets.All.Keys)}", DefaultValueFactory = _ => Presets.Default.Name };

    public Option<FileInfo?> Config { get; } = new("--config") { Description = "JSON configuration file (a \"preset\" plus fields to override); wins over --preset" };

    public void AddTo(Command command)
    {
        command.Options.Add(Preset);
        command.Options.Add(Config);
    }

    /// <summary>The chosen, validated configuration; <see cref="ConfigException"/> names the file or preset and every bad field.</summary>
    public AcceleratorConfig Resolve(ParseResult result)
        => result.GetValue(Config) is { } file ? ConfigFile.Load(file.FullName) : Presets.Get(result.GetValue(Preset)!).Validated(result.GetValue(Preset)!);
}
