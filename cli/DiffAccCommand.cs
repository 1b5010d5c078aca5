using System.CommandLine;

namespace DiffAcc.Cli;

/// <summary>The <c>diffacc</c> command line with every subcommand.</summary>
internal static class DiffAccCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("DiffAcc: a C# hardware construction library and the Diff-Acc diffusion accelerator generator.");
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(IsaCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(SimCommand.Create());
        root.Subcommands.Add(EstimateCommand.Create());
        root.Subcommands.Add(CompileCommand.Create());
        root.Subcommands.Add(PerfCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        return root;
    }
}
