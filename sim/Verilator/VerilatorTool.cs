using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace DiffAcc.Sim.Verilator;

/// <summary>Finds the installed Verilator and its version; refuses versions before 5.0.</summary>
public static partial class VerilatorTool
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>> Versions = new(StringComparer.Ordinal);

    public const string InstallHint = "install it with: apt-get install -y verilator (Debian 12 ships 5.006)";

    /// <summary>The version line of <paramref name="executable"/>, e.g. "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)".</summary>
    public static Task<string> VersionAsync(string executable = "verilator") => Versions.GetOrAdd(executable, e => new Lazy<Task<string>>(() => ReadVersion(e))).Value;

    private static async Task<string> ReadVersion(string executable)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap(executable).WithArguments("--version").WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new SimulationException($"Verilator is not installed (no '{executable}' found); {InstallHint}");
        }
        var line = result.StandardOutput.Trim();
        var match = VersionNumber().Match(line);
        if (result.ExitCode != 0 || !match.Success)
            throw new SimulationException($"'verilator --version' did not report a version ({line}{result.StandardError.Trim()}); {InstallHint}");
        if (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 5)
            throw new SimulationException($"{line} is too old: DiffAcc needs Verilator 5.0 or newer; {InstallHint}");
        return line;
    }

    [GeneratedRegex(@"Verilator (\d+)\.(\d+)")]
    private static partial Regex VersionNumber();
}
