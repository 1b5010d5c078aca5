using Spectre.Console;

namespace DiffAcc.Cli;

/// <summary>A status line that names the external tool's current pass and the time so far, so a run of minutes visibly moves.</summary>
internal sealed class PassStatus(StatusContext context, string label) : IProgress<string>
{
    private readonly System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();

    public void Report(string value) => context.Status($"{Markup.Escape(label)}: {Markup.Escape(value)} ({watch.Elapsed.TotalSeconds:0} s)");
}
