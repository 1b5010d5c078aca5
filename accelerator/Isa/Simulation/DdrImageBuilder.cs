using System.Collections.Immutable;

namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>
/// Lays out the DDR a hand-written program runs on: named regions (tensors, weight rows, table words,
/// outputs) from <see cref="Address"/>, which becomes BASE0, each on a 64-byte boundary; then the
/// encoded program on the next 256-byte boundary. Immutable: each <c>With</c> returns a new builder,
/// so a program can be written against <see cref="Offset"/> before it is placed.
/// </summary>
public sealed record DdrImageBuilder
{
    /// <summary>Regions start on this boundary (a DMA burst's alignment).</summary>
    public const int RegionAlignment = 64;

    /// <summary>The program starts on this boundary (the fetch reads 32-byte instructions in bursts).</summary>
    public const int ProgramAlignment = 256;

    /// <summary>What an output region holds before the program writes it, so a byte nothing wrote shows.</summary>
    public const byte Unwritten = 0xA5;

    private ImmutableList<(string Name, long Offset, byte[] Bytes)> regions = [];

    /// <param name="address">Where the image starts in physical DDR (16-byte aligned); BASE0 points here.</param>
    public DdrImageBuilder(long address = 0x1000_0000)
    {
        if (address % 16 != 0)
            throw new ArgumentException($"a DDR image starts on a 16-byte boundary, not at 0x{address:x}", nameof(address));
        Address = address;
    }

    public long Address { get; }

    /// <summary>The bytes placed so far, padding included.</summary>
    public long Length => regions.Count == 0 ? 0 : regions[^1].Offset + regions[^1].Bytes.Length;

    /// <summary>Places <paramref name="bytes"/> as region <paramref name="name"/> (a tensor in HWC order, weight rows, ...).</summary>
    public DdrImageBuilder With(string name, ReadOnlySpan<byte> bytes)
    {
        if (regions.Any(r => r.Name == name))
            throw new ArgumentException($"the DDR image already has a region named '{name}'", nameof(name));
        var offset = (Length + RegionAlignment - 1) / RegionAlignment * RegionAlignment;
        return this with { regions = regions.Add((name, offset, bytes.ToArray())) };
    }

    /// <summary>Places table words (requantizer entries, GroupNorm entries, parameters) as region <paramref name="name"/>.</summary>
    public DdrImageBuilder With(string name, IEnumerable<DataWord> words) => With(name, words.SelectMany(w => w.Encode()).ToArray());

    /// <summary>Reserves <paramref name="length"/> bytes for the program to write, filled with <see cref="Unwritten"/>.</summary>
    public DdrImageBuilder WithOutput(string name, int length) => With(name, Enumerable.Repeat(Unwritten, length).ToArray());

    /// <summary>Region <paramref name="name"/>'s offset from BASE0: what a LOAD, STORE, LOAD_WEIGHTS or LOAD_TABLE with Base 0 takes.</summary>
    public long Offset(string name) => Region(name).Offset;

    /// <summary>The regions alone, padded to a whole <see cref="RegionAlignment"/>.</summary>
    public DdrImage Data()
    {
        var data = new byte[(Length + RegionAlignment - 1) / RegionAlignment * RegionAlignment];
        foreach (var (_, offset, bytes) in regions)
            bytes.CopyTo(data, offset);
        return new DdrImage(Address, data);
    }

    /// <summary>The image with <paramref name="program"/> placed after the regions, and the registers to start it with.</summary>
    public PlacedProgram Build(AcceleratorProgram program, int step = 0, int stepGroup = 0)
    {
        var (image, programAddress) = PlaceProgram(Data(), program.Encode());
        return new PlacedProgram(image, new MachineRegisters { Bases = [Address, 0, 0, 0], Step = step, StepGroup = stepGroup }, programAddress, program,
            regions.ToImmutableDictionary(r => r.Name, r => (Address + r.Offset, r.Bytes.Length), StringComparer.Ordinal));
    }

    /// <summary><paramref name="data"/> with <paramref name="code"/> appended on the next <see cref="ProgramAlignment"/> boundary, and the code's address.</summary>
    public static (DdrImage Image, long ProgramAddress) PlaceProgram(DdrImage data, ReadOnlySpan<byte> code)
    {
        var offset = (data.Bytes.Length + ProgramAlignment - 1) / ProgramAlignment * ProgramAlignment;
        var bytes = new byte[offset + code.Length];
        data.Bytes.CopyTo(bytes, 0);
        code.CopyTo(bytes.AsSpan(offset));
        return (new DdrImage(data.Address, bytes), data.Address + offset);
    }

    private (string Name, long Offset, byte[] Bytes) Region(string name)
        => regions.FirstOrDefault(r => r.Name == name) is { Name: not null } region
            ? region
            : throw new ArgumentException($"the DDR image has no region named '{name}'; it has {(regions.Count == 0 ? "none" : string.Join(", ", regions.Select(r => r.Name)))}", nameof(name));
}

/// <summary>
/// A program placed in its DDR image: what to load into DDR (<see cref="Image"/>), what to write into the
/// registers before START (<see cref="Registers"/>, <see cref="ProgramAddress"/>, the instruction count),
/// and where each named region lies, to read the outputs back after the run.
/// </summary>
public sealed record PlacedProgram(DdrImage Image, MachineRegisters Registers, long ProgramAddress, AcceleratorProgram Program, IReadOnlyDictionary<string, (long Address, int Length)> Regions)
{
    /// <summary>Region <paramref name="name"/>'s bytes in <paramref name="after"/>, the DDR a run returned.</summary>
    public byte[] Read(DdrImage after, string name)
    {
        if (!Regions.TryGetValue(name, out var region))
            throw new ArgumentException($"the DDR image has no region named '{name}'; it has {string.Join(", ", Regions.Keys.Order(StringComparer.Ordinal))}", nameof(name));
        return after.Bytes.AsSpan(after.Index(region.Address, region.Length, $"region '{name}'"), region.Length).ToArray();
    }
}
