using DiffAcc.Cli;

// Piped into a file or another program, tables keep their rows on one line instead of wrapping at 80 columns.
if (Console.IsOutputRedirected)
    Spectre.Console.AnsiConsole.Profile.Width = 240;
return await DiffAccCommand.InvokeAsync(args);
