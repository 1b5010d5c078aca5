using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Accelerator.Isa.Simulation;

namespace DiffAcc.Accelerator.Scenarios;

/// <summary>A generated program with its DDR image (data then the program, padded to whole 4 KB pages) and the registers it runs with.</summary>
public sealed record RandomProgram(int Seed, string Description, DdrImage Image, long ProgramAddress, MachineRegisters Registers, IReadOnlyList<Instruction> Program)
{
    /// <summary>Bytes of the data before the program (what the functional simulator's DDR holds).</summary>
    public int DataBytes => (int)(ProgramAddress - Image.Address);
}

/// <summary>
/// Random valid programs for ISA fuzzing: one to three kernels of <see cref="SystemScenarios"/> (each with
/// its own random data, relocated to its own DDR pages), run back to back on the same buffers and tables,
/// each after a SET_STEP to the run's step group, with SYNCs dropped in at random, half of them with the
/// requantizer tables in the two banks in turn (<see cref="Compiler.RequantizerBanks"/>), and every token
/// stripped and placed again by <see cref="TokenPlacement"/> on the new program: so the token patterns,
/// the dispatch order across kernels and the queues' contents are the generator's, not the scenarios'.
/// The checked builder accepts every one (it rejects races and deadlocks).
/// </summary>
public static class RandomPrograms
{
    private const long Address = 0x1000_0000;

    public static RandomProgram Make(AcceleratorConfig config, int seed)
    {
        var random = new Random(seed);
        var kernels = random.Next(1, 4);
        // STEP is one register for the whole run: the kernel that uses it runs alone.
        var names = SystemScenarios.Names.Where(n => kernels == 1 || n != "step-groups").ToList();
        var chosen = Enumerable.Range(0, kernels).Select(k => SystemScenarios.Get(names[random.Next(names.Count)], config, (seed * 31) + k)).ToList();
        var registers = chosen[0].Registers with { Bases = [Address, 0, 0, 0] };
        var instructions = new List<Instruction>();
        var data = new List<(long Offset, byte[] Bytes)>();
        long offset = 0;
        foreach (var scenario in chosen)
        {
            if (scenario.Image.Address != Address || scenario.Program.Instructions.OfType<DmaInstruction>().Any(d => d.Base != 0))
                throw new InvalidOperationException($"scenario {scenario.Name} cannot be relocated: its DMA is not all relative to BASE0 at 0x{Address:x}");
            instructions.Add(new SetStep { StepGroup = registers.StepGroup });
            foreach (var instruction in scenario.Program.Instructions.Where(i => i is not Finish))
            {
                instructions.Add(instruction is DmaInstruction dma ? dma with { Offset = dma.Offset + offset } : instruction);
                if (random.NextDouble() < 0.08)
                    instructions.Add(new Sync());
            }
            data.Add((offset, scenario.Image.Bytes));
            offset = Pages(offset + scenario.Image.Bytes.Length);
        }
        instructions.Add(new Finish());
        // Half the programs give the kernels' requantizer tables the two banks in turn, as the compiler does.
        var banked = random.Next(2) == 0 ? Compiler.RequantizerBanks.Apply(instructions) : instructions;
        var program = new ProgramBuilder(config).Add(TokenPlacement.Place(config, banked, registers.StepGroup)).Build();
        var bytes = new byte[offset];
        foreach (var (at, kernel) in data)
            kernel.CopyTo(bytes, at);
        var (placed, programAddress) = DdrImageBuilder.PlaceProgram(new DdrImage(Address, bytes), program.Encode());
        var image = new DdrImage(Address, [.. placed.Bytes, .. new byte[Pages(placed.Bytes.Length) - placed.Bytes.Length]]);
        return new RandomProgram(seed, string.Join(" + ", chosen.Select(s => s.Name)), image, programAddress, registers, program.Instructions);
    }

    private static long Pages(long bytes) => (bytes + RegisterMap.WindowPageBytes - 1) / RegisterMap.WindowPageBytes * RegisterMap.WindowPageBytes;
}
