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
        root.Subcommands.Add(TimingCommand.Create());
        root.Subcommands.Add(VivadoCommand.Create());
        root.Subcommands.Add(CompileCommand.Create());
        root.Subcommands.Add(PerfCommand.Create());
        root.Subcommands.Add(ExploreCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        return root;
    }

    /// <summary>
    /// Runs the command line. An exception no command turned into its own message ends as one line on
    /// standard error and exit code 1, never a stack trace (DIFFACC_STACK_TRACE=1 prints it too).
    /// Ctrl-C (SIGTERM) ends it with exit code 130 (143) and no message (<see cref="Interrupt"/>).
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        Clock.Value = System.Diagnostics.Stopwatch.StartNew();
        using var interrupt = Interrupt.Listen();
        try
        {
            // One signal handler, ours: System.CommandLine's own would end the process behind the commands' backs.
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            var code = await Create().Parse(args).InvokeAsync(configuration, Interrupt.Token);
            return interrupt.Requested ? interrupt.ExitCode : code;
        }
        catch (Exception e) when (interrupt.Requested && Cancelled(e))
        {
            return interrupt.ExitCode;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var inner = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
            Console.Error.WriteLine(inner is IOException or UnauthorizedAccessException
                ? $"error: {inner.Message}"
                : $"error: {inner.Message} (an unexpected {inner.GetType().Name}; DIFFACC_STACK_TRACE=1 shows where)");
            if (Environment.GetEnvironmentVariable("DIFFACC_STACK_TRACE") == "1")
                Console.Error.WriteLine(inner.StackTrace);
            return 1;
        }
    }

    /// <summary>The running command's time so far, for the line that says what it wrote.</summary>
    internal static string Elapsed => $"{(Clock.Value?.Elapsed ?? TimeSpan.Zero).TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s";

    private static readonly AsyncLocal<System.Diagnostics.Stopwatch?> Clock = new();

    private static bool Cancelled(Exception e) => e is OperationCanceledException
        || (e is AggregateException aggregate && aggregate.InnerExceptions.All(Cancelled))
        || (e.InnerException is { } inner && Cancelled(inner));
}
