using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>
/// A status line that names the external tool's current pass and the time so far, so a run of minutes
/// visibly moves. In a terminal it follows every pass; in a log (output redirected, where each update is
/// a line of its own) it writes one every <see cref="LogInterval"/>.
/// </summary>
internal sealed class PassStatus(StatusContext context, string label) : IProgress<string>
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);

    private readonly System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly bool interactive = AnsiConsole.Profile.Capabilities.Interactive;
    private TimeSpan last = TimeSpan.Zero;

    public void Report(string value)
    {
        lock (watch)
        {
            if (!interactive && watch.Elapsed - last < LogInterval)
                return;
            last = watch.Elapsed;
        }
        context.Status($"{Markup.Escape(label)}: {Markup.Escape(value)} ({watch.Elapsed.TotalSeconds:0} s)");
    }
}
