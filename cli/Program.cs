using System.CommandLine;
using DiffAcc.Cli;

var root = new RootCommand("DiffAcc: a C# hardware construction library and the Diff-Acc diffusion accelerator generator.");
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(SimCommand.Create());
root.Subcommands.Add(EstimateCommand.Create());
root.Subcommands.Add(SampleCommand.Create());
return await root.Parse(args).InvokeAsync();
