using System.Runtime.InteropServices;

namespace DiffAcc.Cli;

/// <summary>
/// Ctrl-C and SIGTERM for the whole command line: the signal cancels <see cref="Token"/>, which every
/// command's long loops and external processes watch, and the command ends with exit code 130 (143 for
/// SIGTERM) without a message. A command still running after <see cref="Grace"/> is ended there; its
/// outputs go through <c>StagedWrite</c>, so the files it had not moved into place are removed and the
/// ones it had are whole.
/// </summary>
internal sealed class Interrupt : IDisposable
{
    /// <summary>How long a command has to stop by itself after the signal.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private static Interrupt? current;
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration interrupt, terminate;
    private int exitCode;

    private Interrupt()
    {
        interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled when the user interrupts the running command; never cancelled outside one.</summary>
    public static CancellationToken Token => current?.source.Token ?? CancellationToken.None;

    /// <summary>The exit code for the signal received: 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode => exitCode;

    /// <summary>Whether a signal arrived.</summary>
    public bool Requested => source.IsCancellationRequested;

    /// <summary>Ends the current command's long work with an <see cref="OperationCanceledException"/> once interrupted.</summary>
    public static void ThrowIfRequested() => Token.ThrowIfCancellationRequested();

    /// <summary>Watches the signals until disposed.</summary>
    public static Interrupt Listen() => current = new Interrupt();

    public void Dispose()
    {
        interrupt.Dispose();
        terminate.Dispose();
        if (current == this)
            current = null;
        source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (source.IsCancellationRequested)
            return;
        exitCode = context.Signal == PosixSignal.SIGINT ? 130 : 143;
        source.Cancel();
        _ = Task.Delay(Grace).ContinueWith(_ =>
        {
            // A progress display hides the cursor; give it back to the terminal before ending.
            if (!Console.IsOutputRedirected)
                Console.Write("\u001b[?25h");
            Environment.Exit(exitCode);
        }, TaskScheduler.Default);
    }
}
