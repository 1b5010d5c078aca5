using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Accelerator.Isa;

/// <summary>The DDR bytes a program moves, by kind, counted from its instructions (payload, before rounding to AXI beats).</summary>
public sealed record ProgramTraffic(long Instructions, long Weights, long Tables, long ActivationsRead, long ActivationsWritten)
{
    public long Read => Instructions + Weights + Tables + ActivationsRead;

    public long Total => Read + ActivationsWritten;

    public static ProgramTraffic Of(AcceleratorConfig config, IEnumerable<Instruction> program)
    {
        long instructions = 0, weights = 0, tables = 0, read = 0, written = 0;
        foreach (var instruction in program)
        {
            instructions += InstructionSet.Bytes;
            switch (instruction)
            {
                case Load l: read += (long)l.Rows * l.Chunks * config.Tn; break;
                case Store s: written += (long)s.Rows * s.Chunks * config.Tn; break;
                case LoadWeights w: weights += (long)w.Rows * config.Tm * config.Tn; break;
                case LoadTable t: tables += (long)t.Count * (t.Kind == TableKind.Activation ? 256 : DataWord.Bytes); break;
            }
        }
        return new ProgramTraffic(instructions, weights, tables, read, written);
    }
}
