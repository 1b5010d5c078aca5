using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Scenarios;

/// <summary>
/// A hand-written program with its DDR image: what the system testbenches run on the RTL and the
/// functional simulator, and what the model check compares with the int8 operators of model/.
/// </summary>
public sealed record Scenario(
    string Name,
    string Description,
    DdrImage Image,
    MachineRegisters Registers,
    AcceleratorProgram Program,
    Func<DdrImage, IReadOnlyList<string>> CheckAgainstModel)
{
    /// <summary>The DDR image with the program placed after the data, and the program's address.</summary>
    public (DdrImage Image, long ProgramAddress) WithProgram() => DdrImageBuilder.PlaceProgram(Image, Program.Encode());
}

/// <summary>Lays out a scenario's DDR image (<see cref="DdrImageBuilder"/>'s regions, unnamed) and its goldens.</summary>
public sealed class ScenarioImage(AcceleratorConfig config, long address = 0x1000_0000)
{
    private DdrImageBuilder builder = new(address);
    private int count;

    public AcceleratorConfig Config { get; } = config;

    public long Address { get; } = address;

    /// <summary>Places <paramref name="data"/> and returns its offset from BASE0.</summary>
    public long Put(ReadOnlySpan<byte> data)
    {
        var name = $"region {count++}";
        builder = builder.With(name, data);
        return builder.Offset(name);
    }

    /// <summary>Places weight rows (row order) as one LOAD_WEIGHTS reads them on the weights ports (<see cref="WeightPortShares"/>); returns their offset from BASE0.</summary>
    public long PutWeights(ReadOnlySpan<byte> rows) => Put(WeightPortShares.Arrange(Config, rows));

    /// <summary>Reserves <paramref name="length"/> bytes filled with a marker, so unwritten output shows.</summary>
    public long Reserve(int length) => Put(Enumerable.Repeat(DdrImageBuilder.Unwritten, length).ToArray());

    public long Put(IEnumerable<DataWord> words) => Put(words.SelectMany(w => w.Encode()).ToArray());

    public DdrImage Build() => builder.Data();


    public MachineRegisters Registers(int step = 0, int stepGroup = 0) => new() { Bases = [Address, 0, 0, 0], Step = step, StepGroup = stepGroup };

    /// <summary>Bytes of <paramref name="image"/> at BASE0 + <paramref name="offset"/>.</summary>
    public static ReadOnlySpan<byte> At(DdrImage image, long offset, int length) => image.Bytes.AsSpan((int)offset, length);
}

/// <summary>Deterministic random data for scenarios.</summary>
public sealed class ScenarioRandom(int seed)
{
    private readonly Random random = new(seed);

    public sbyte[] Int8(int count, int min = -128, int max = 127) => [.. Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(min, max + 1))];

    public int Next(int min, int max) => random.Next(min, max + 1);

    public double Double(double min, double max) => min + ((max - min) * random.NextDouble());
}
