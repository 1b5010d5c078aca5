using System.Globalization;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl.Emit;

namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// The instruction set's reference, from its one definition: docs/isa.md (formats with their field
/// tables, data words, registers, counters, errors) and the C header diffacc_isa.h for host code
/// (opcodes, field positions, register offsets and the configuration the bitstream was built for).
/// </summary>
public static class IsaDocument
{
    public static string Markdown() => TemplateText.Render("isa.md.sbn", Model(null), typeof(IsaDocument).Assembly);

    public static string CHeader(AcceleratorConfig config) => TemplateText.Render("diffacc_isa.h.sbn", Model(config), typeof(IsaDocument).Assembly);

    private static object Model(AcceleratorConfig? config) => new
    {
        InstructionBytes = InstructionSet.Bytes,
        HeaderBits = InstructionSet.HeaderBits,
        QueueDepth = Simulation.DispatchRules.QueueDepth,
        Header = new[] { InstructionSet.OpcodeField, InstructionSet.WaitField, InstructionSet.SignalField }.Select(Field).ToList(),
        Engines = EngineSets.Queued.Select(e => new { Name = e.ToString().ToUpperInvariant(), Bit = (int)e }).ToList(),
        Formats = InstructionSet.Formats.Select(f => new
        {
            f.Opcode,
            f.Mnemonic,
            Engine = f.Engine.ToString().ToUpperInvariant(),
            f.Summary,
            UsedBits = f.Layout.UsedBits,
            Fields = f.Operands.Select(Field).ToList(),
        }).ToList(),
        Words = DataWord.Types.Select(t => new
        {
            Name = t.Name,
            Macro = Macro(t.Name),
            Fields = DataWord.LayoutOf(t).Fields.Select(Field).ToList(),
        }).ToList(),
        Registers = RegisterMap.All.Select(r => new { r.Name, Offset = Hex(r.Offset), r.Access, r.Meaning }).ToList(),
        Counters = RegisterMap.Counters.Select(c => new { c.Name, Offset = Hex(c.Offset), c.Meaning }).ToList(),
        Errors = Enum.GetValues<MachineError>().Select(e => new { Code = (int)e, Name = Macro(e.ToString()) }).ToList(),
        Values = EnumeratedFieldTypes().Select(t => new
        {
            Macro = Macro(t.Name),
            Members = Enum.GetValues(t).Cast<Enum>().Select(v => new { Name = Macro(v.ToString()), Value = Convert.ToInt32(v, CultureInfo.InvariantCulture) }).ToList(),
        }).ToList(),
        RegisterWindow = Hex(RegisterMap.WindowBytes),
        // Codes run 0, 1, 2, ... so the names are an array a driver indexes with ERROR_CODE.
        ErrorNames = string.Join(", ", Enum.GetValues<MachineError>().OrderBy(e => (int)e).Select(e => $"\"{Macro(e.ToString())}\"")),
        Magic = Hex(RegisterMap.Magic | (uint)RegisterMap.Version),
        RegisterMap.Version,
        SettleCycles = Simulation.DispatchRules.SettleCycles,
        Config = config is null ? null : new
        {
            config.Name,
            config.Groups,
            config.Tm,
            config.Tn,
            config.VectorLanes,
            config.ActivationRows,
            config.AccumulatorRows,
            config.WeightRows,
            config.MaxChannels,
            config.StepGroups,
            config.ActivationTableSlots,
        },
    };

    /// <summary>The enumerations that instruction fields hold (not flag sets such as the engine masks), in the order they first appear.</summary>
    private static IEnumerable<Type> EnumeratedFieldTypes()
        => InstructionSet.Formats.SelectMany(f => f.Fields).Select(f => f.Property?.PropertyType)
            .OfType<Type>().Where(t => t.IsEnum && !t.IsDefined(typeof(FlagsAttribute), false)).Distinct();

    private static object Field(BitField f) => new
    {
        f.Name,
        Macro = Macro(f.Name),
        f.Offset,
        f.Bits,
        f.High,
        f.Signed,
        Range = f.Range,
        f.Meaning,
    };

    private static string Hex(long value) => "0x" + value.ToString("X2", CultureInfo.InvariantCulture);

    /// <summary>CamelCase as C macro words: StepStride → STEP_STRIDE.</summary>
    internal static string Macro(string name)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                text.Append('_');
            text.Append(char.ToUpperInvariant(name[i]));
        }
        return text.ToString();
    }
}
