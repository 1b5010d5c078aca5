namespace DiffAcc.Cli.Tests;

/// <summary>Runs the whole <c>diffacc</c> command line in process and captures what it prints.</summary>
internal static class CommandLine
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var (savedOutput, savedError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        // Spectre.Console keeps the writer it found first; give it this run's, wide enough for its tables.
        var savedAnsi = Spectre.Console.AnsiConsole.Console;
        Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(output) });
        Spectre.Console.AnsiConsole.Console.Profile.Width = 240;
        try
        {
            var code = DiffAccCommand.InvokeAsync(args).GetAwaiter().GetResult();
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOutput);
            Console.SetError(savedError);
            Spectre.Console.AnsiConsole.Console = savedAnsi;
        }
    }
}
