using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Compiler;

/// <summary>
/// A pass before the tokens are placed: the layers' requantizer tables take the table's two banks in turn.
/// With one bank a layer's LOAD_TABLE waited for the layer before's last CONV to stop requantizing, and that
/// layer's first CONV for the load, at every convolution after a convolution. The tables a layer loads before
/// its first requantizing CONV share a bank, the next layer's go to the other; each CONV reads the bank of
/// the tables loaded last before it, as the program's order says it should.
/// </summary>
internal static class RequantizerBanks
{
    public static IReadOnlyList<Instruction> Apply(IReadOnlyList<Instruction> program)
    {
        var banked = new List<Instruction>(program.Count);
        var bank = true;
        // Whether a CONV has read the current bank since its tables loaded: the next table load turns the bank.
        var read = true;
        foreach (var instruction in program)
        {
            switch (instruction)
            {
                case LoadTable { Kind: TableKind.Requantization } table:
                    if (read)
                        (bank, read) = (!bank, false);
                    banked.Add(table with { TableBank = bank });
                    break;
                case Conv { Output: ConvOutput.Requantize or ConvOutput.AccumulatorAddRequantize } conv:
                    read = true;
                    banked.Add(conv with { TableBank = bank });
                    break;
                default:
                    banked.Add(instruction);
                    break;
            }
        }
        return banked;
    }
}
