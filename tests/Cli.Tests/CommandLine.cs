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
        try
        {
            var code = DiffAccCommand.Create().Parse(args).Invoke();
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOutput);
            Console.SetError(savedError);
        }
    }
}
