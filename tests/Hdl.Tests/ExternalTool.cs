using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace DiffAcc.Hdl.Tests;

/// <summary>Runs verilator, iverilog and yosys for the tests; a missing tool fails the test with the install command.</summary>
internal static class ExternalTool
{
    public static async Task<BufferedCommandResult> Run(string tool, IEnumerable<string> arguments, string workingDirectory)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"{tool} is not installed. The test command (scripts/test.sh) installs it: apt-get install -y verilator yosys iverilog");
        return await Cli.Wrap(path!)
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8);
    }

    /// <summary>Writes the emitted files of a successful flow into a fresh temporary folder.</summary>
    public static string WriteDesign(HdlResult result)
    {
        var directory = Directory.CreateTempSubdirectory("diffacc-hdl-").FullName;
        result.WriteTo(directory, directory);
        return directory;
    }

    public static IReadOnlyList<string> VerilogFiles(string directory)
        => [.. File.ReadAllLines(Path.Combine(directory, "filelist.f")).Where(l => l.Length > 0)];
}
