using DiffAcc.Hdl.Emit;

namespace DiffAcc.Cli;

/// <summary>
/// The C host driver of host/ (embedded in this program): the library and command every backend
/// shares, the Linux backend for the board, and the backend that runs inside the Verilator harness.
/// </summary>
internal static class HostDriver
{
    /// <summary>The library and the command, without a backend.</summary>
    public static IReadOnlyList<EmittedFile> Common { get; } = [Load("diffacc.h"), Load("diffacc.c"), Load("diffacc_run.c")];

    /// <summary>Everything a board build needs from host/: the common files, the Linux backend and the Makefile.</summary>
    public static IReadOnlyList<EmittedFile> Board { get; } = [.. Common, Load("diffacc_linux.c"), Load("Makefile")];

    /// <summary>The files built into the AXI system harness for a compiled model: the common ones, the simulation backend, and both headers.</summary>
    public static IReadOnlyList<EmittedFile> Simulation(string isaHeader, string modelHeader)
        => [.. Common, Load("diffacc_sim.c"), new EmittedFile("diffacc_isa.h", isaHeader), new EmittedFile("diffacc_model.h", modelHeader)];

    private static EmittedFile Load(string name)
    {
        using var stream = typeof(HostDriver).Assembly.GetManifestResourceStream($"host/{name}")
            ?? throw new InvalidOperationException($"host/{name} is not embedded in {typeof(HostDriver).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return new EmittedFile(name, reader.ReadToEnd());
    }
}
