using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;

namespace DiffAcc.Accelerator.Tests;

/// <summary>The instruction set's one definition: layouts, encoding, decoding and the builder's checks.</summary>
public sealed class IsaTests
{
    private static readonly AcceleratorConfig Config = Presets.Small;

    [Fact]
    public void Every_format_fits_256_bits_without_overlapping_fields()
    {
        Assert.Equal(15, InstructionSet.Formats.Count);
        Assert.Equal(InstructionSet.Formats.Count, InstructionSet.Formats.Select(f => f.Opcode).Distinct().Count());
        foreach (var format in InstructionSet.Formats)
        {
            var used = new bool[InstructionSet.Bits];
            foreach (var field in format.Fields)
            {
                for (var b = field.Offset; b <= field.High; b++)
                {
                    Assert.False(used[b], $"{format.Mnemonic}.{field.Name} overlaps at bit {b}");
                    used[b] = true;
                }
            }
            Assert.True(format.Layout.UsedBits <= InstructionSet.Bits);
        }
    }

    [Fact]
    public void Encoding_round_trips_random_values_of_every_field()
    {
        var random = new Random(7);
        foreach (var format in InstructionSet.Formats)
        {
            for (var trial = 0; trial < 50; trial++)
            {
                var instruction = (Instruction)Activator.CreateInstance(format.Type)!;
                foreach (var field in format.Fields.Where(f => f.Property is not null))
                {
                    // Extremes as often as random values: both ends of every field must survive.
                    var value = (trial % 3) switch { 0 => field.Min, 1 => field.Max, _ => field.Min + (long)(random.NextDouble() * (field.Max - (double)field.Min)) };
                    var type = field.Property!.PropertyType;
                    field.Property.SetValue(instruction, type == typeof(bool) ? value != 0 : type.IsEnum ? Enum.ToObject(type, value) : Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture));
                }
                var decoded = InstructionSet.Decode(InstructionSet.Encode(instruction));
                Assert.Equal(instruction, decoded);
            }
        }
    }

    [Fact]
    public void A_field_out_of_range_names_the_field_and_its_bits()
    {
        var e = Assert.Throws<FieldRangeException>(() => InstructionSet.Encode(new Conv { RowOffset = -5 }));
        Assert.Contains("RowOffset = -5 does not fit its 3 bits (-4 .. 3)", e.Message);
    }

    [Fact]
    public void An_unknown_opcode_is_rejected_by_the_decoder()
    {
        var word = new byte[InstructionSet.Bytes];
        word[0] = 31;
        var e = Assert.Throws<ArgumentException>(() => AcceleratorProgram.Decode(word));
        Assert.Contains("instruction 0: opcode 31 is not defined", e.Message);
    }

    [Fact]
    public void The_builder_rejects_addresses_outside_a_buffer_and_layers_too_large()
    {
        var e = Assert.Throws<ProgramException>(() => new ProgramBuilder(Config)
            .Add(new Load { Group = 0, ActRow = Config.ActivationRows - 10, Rows = 20, Chunks = 1, Signal = Engines.Compute })
            .Add(new LoadWeights { Rows = 8, Complete = true })
            .Add(new Conv { GroupMask = 1, InRow = 0, InPixelStride = 1, CinBlocks = 1, InRows = 4, InCols = 4, OutRows = 4, OutCols = 4, CoutBlocks = 40, Kernel3x3 = true, Wait = Engines.Load, Release = true })
            .Add(new Conv { GroupMask = 4, InRow = 0, InPixelStride = 1, CinBlocks = 1, InRows = 4, InCols = 4, OutRows = 4, OutCols = 4, CoutBlocks = 1 })
            .Add(new Finish())
            .Build());
        Assert.Contains(e.Problems, p => p.StartsWith("instruction 0 (LOAD): the chunks reach activation buffer row 4105 but the buffer has 4096 rows", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("instruction 2 (CONV): 40 output blocks x 9 taps x 1 input blocks = 360 weight rows exceed the 256 rows of a weight bank", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("instruction 2 (CONV): output blocks 0 .. 39 exceed the requantizer tables", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("instruction 3 (CONV): GroupMask 0b100 must name some of the 2 PE group(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void The_builder_rejects_neighbour_runs_that_do_not_divide_the_groups_or_leave_a_neighbour_out()
    {
        var wide = Presets.SmallWide;
        var conv = new Conv { GroupMask = 15, InRow = 0, InPixelStride = 1, CinBlocks = 1, InRows = 2, InCols = 4, OutRows = 2, OutCols = 4, CoutBlocks = 1, Kernel3x3 = true, RowOffset = -1, ColOffset = -1 };
        var e = Assert.Throws<ProgramException>(() => new ProgramBuilder(wide)
            .Add(new LoadWeights { Rows = 9, Complete = true })
            .Add(conv with { HaloGroups = 3 })
            .Add(conv with { GroupMask = 0b0110, HaloGroups = 2 })
            .Add(conv with { GroupMask = 0b1100, HaloGroups = 2, Release = true })
            .Add(new Finish())
            .Build());
        Assert.Contains(e.Problems, p => p.StartsWith("instruction 1 (CONV): HaloGroups 3 must divide the 4 PE group(s)", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("instruction 2 (CONV): GroupMask 0b110 splits a run of HaloGroups 2 groups", StringComparison.Ordinal));
        Assert.DoesNotContain(e.Problems, p => p.StartsWith("instruction 3 ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_builder_rejects_a_wait_that_no_instruction_can_satisfy()
    {
        var e = Assert.Throws<ProgramException>(() => new ProgramBuilder(Config)
            .Add(new Load { Group = 0, Rows = 4, Chunks = 1, Wait = Engines.Compute })
            .Add(new Finish())
            .Build());
        Assert.Contains("deadlock: nothing can move", e.Message);
        Assert.Contains("LOAD: instruction 0 (LOAD) waits for a token from COMPUTE", e.Message);
    }

    [Fact]
    public void The_builder_rejects_tokens_nobody_takes_and_a_missing_finish()
    {
        var e = Assert.Throws<ProgramException>(() => new ProgramBuilder(Config).Add(new Load { Group = 0, Rows = 4, Chunks = 1, Signal = Engines.Store }).Build());
        Assert.Contains("the program does not end with FINISH", e.Message);
        e = Assert.Throws<ProgramException>(() => new ProgramBuilder(Config).Add(new Load { Group = 0, Rows = 4, Chunks = 1, Signal = Engines.Store }, new Finish()).Build());
        Assert.Contains("1 token(s) from LOAD to STORE are given but never taken: the surplus is given by instruction 0 (LOAD)", e.Message);
        // Two givers and one taker: the later giver's token is the one left.
        e = Assert.Throws<ProgramException>(() => new ProgramBuilder(Config).Add(
            new Load { Group = 0, Rows = 4, Chunks = 1, Signal = Engines.Store },
            new Load { Group = 0, Rows = 4, Chunks = 1, Signal = Engines.Store },
            new Store { Group = 0, Rows = 4, Chunks = 1, Wait = Engines.Load },
            new Finish()).Build());
        Assert.Contains("1 token(s) from LOAD to STORE are given but never taken: the surplus is given by instruction 1 (LOAD)", e.Message);
    }

    [Fact]
    public void A_conv_without_weights_deadlocks_in_the_builder()
    {
        var e = Assert.Throws<ProgramException>(() => new ProgramBuilder(Config)
            .Add(new Conv { GroupMask = 1, InPixelStride = 1, CinBlocks = 1, InRows = 1, InCols = 1, OutRows = 1, OutCols = 1, CoutBlocks = 1, Output = ConvOutput.AccumulatorStore })
            .Add(new Finish())
            .Build());
        Assert.Contains("waits for a complete weight bank", e.Message);
    }
}
