using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>
/// A C# enum as a hardware type: as many bits as its largest member needs, each member a named
/// constant (a <c>localparam</c> in the Verilog). The members must be 0 or positive.
/// </summary>
public sealed class EnumType<TEnum> : GroundType<EnumValue<TEnum>> where TEnum : struct, System.Enum
{
    private EnumType(int width) : base(Shape.Unsigned(width)) { }

    public static EnumType<TEnum> Instance { get; } = Make();

    internal static EnumMembers Members { get; } = new(typeof(TEnum).Name, [.. System.Enum.GetValues<TEnum>().Select(v => (v.ToString(), Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)))]);

    internal override EnumValue<TEnum> Create(NetFactory factory)
    {
        var net = factory.Net(Shape);
        net.Enum = Members;
        return new(net);
    }

    private static EnumType<TEnum> Make()
    {
        var values = System.Enum.GetValues<TEnum>().Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (values.Count == 0 || values.Any(v => v < 0))
            throw new HdlException($"enum {typeof(TEnum).Name} cannot be a hardware type: it needs members, all 0 or positive", SourceLocation.Unknown);
        return new EnumType<TEnum>(Hw.BitsFor(values.Max() + 1));
    }
}

/// <summary>
/// A value of a C# enum in hardware (a state register, an opcode): compare it with members
/// (<c>state == Phase.Idle</c>, <c>state.Is(Phase.Run)</c>), assign members, and dispatch on it with
/// <c>Switch(state).Is(Phase.Idle, ...)</c>. In the Verilog each member is a <c>localparam</c> named
/// <c>Phase_Idle</c>, so the state machine reads the same in C# and Verilog.
/// </summary>
public sealed class EnumValue<TEnum> : UInt where TEnum : struct, System.Enum
{
    internal EnumValue(Net net) : base(net) { }

    internal EnumValue(Expr value) : base(value) { }

    internal override Signal Wrap(Expr expr) => new EnumValue<TEnum>(expr);

    internal override EnumMembers EnumMembers => EnumType<TEnum>.Members;

    /// <summary>
    /// Bits taken as a value of the enum on purpose (an opcode field of an instruction word): at most as
    /// wide as the enum; a pattern that is no member is the designer's to rule out.
    /// </summary>
    public static EnumValue<TEnum> FromBits(UInt bits, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var width = EnumType<TEnum>.Instance.Shape.Width;
        if (bits.Width > width)
            throw new HdlException($"FromBits: {bits.Width} bits do not fit enum {typeof(TEnum).Name} ({width} bits); slice the field first", new(file, line));
        return new(Signal.Fit(new CastExpr(bits.Expr, false), width));
    }

    internal override Signal OnNet(Net net)
    {
        net.Enum = EnumType<TEnum>.Members;
        return new EnumValue<TEnum>(net);
    }

    /// <summary>A member as a constant of this type.</summary>
    public static EnumValue<TEnum> Of(TEnum member)
        => new(new NamedConst(Convert.ToInt64(member, System.Globalization.CultureInfo.InvariantCulture), EnumType<TEnum>.Instance.Shape, $"{typeof(TEnum).Name}_{member}", typeof(TEnum).Name));

    public void Assign(TEnum member, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => ConnectFrom(Of(member), new(file, line));

    /// <summary>The value is one of <paramref name="members"/>.</summary>
    public Bool Is(params TEnum[] members)
    {
        if (members.Length == 0)
            throw new HdlException($"Is needs at least one member of {typeof(TEnum).Name}", SourceLocation.Unknown);
        return members.Distinct().Select(m => (Bool)(this == (UInt)Of(m))).Aggregate((a, b) => a | b);
    }

    public static Bool operator ==(EnumValue<TEnum> value, TEnum member) => value.Is(member);

    public static Bool operator !=(EnumValue<TEnum> value, TEnum member) => !value.Is(member);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => RuntimeHelpers.GetHashCode(this);
}

/// <summary>
/// A dispatch on an enum value: <c>.Is(member, ...)</c> or <c>.Is([a, b], ...)</c> for each case (the
/// first that matches applies, like a When chain) and <c>.Default(...)</c> for the rest. A member
/// listed twice is an error. When the cases have listed every member, the last case is the rest (a
/// register of the enum type holds only members), so a full switch needs no Default and assigns on
/// every path; a Default after it is an error, and a switch that misses a member without a Default
/// is reported by <see cref="Checks.SwitchCoverageCheck"/>.
/// </summary>
public sealed class SwitchChain<TEnum> where TEnum : struct, System.Enum
{
    private static readonly TEnum[] AllMembers = [.. System.Enum.GetValues<TEnum>().DistinctBy(m => Convert.ToInt64(m, System.Globalization.CultureInfo.InvariantCulture))];

    private readonly Module module;
    private readonly EnumValue<TEnum> subject;
    private readonly HashSet<TEnum> seen = [];
    private WhenChain? chain;
    private bool complete;

    internal SwitchChain(Module module, EnumValue<TEnum> subject, SourceLocation location)
    {
        this.module = module;
        this.subject = subject;
        Coverage = new SwitchCoverage(typeof(TEnum).Name, [.. AllMembers.Select(m => m.ToString())], location);
    }

    internal SwitchCoverage Coverage { get; }

    public SwitchChain<TEnum> Is(TEnum member, Action then, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => Is([member], then, file, line);

    /// <summary>A case for several members at once.</summary>
    public SwitchChain<TEnum> Is(IReadOnlyList<TEnum> members, Action then, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (members.Count == 0)
            throw new HdlException($"a case of a Switch over {typeof(TEnum).Name} needs at least one member", location);
        if (complete)
            throw new HdlException($"every member of {typeof(TEnum).Name} is already a case of this Switch; {string.Join(", ", members)} can never apply", location);
        foreach (var member in members)
        {
            if (!seen.Add(member))
                throw new HdlException($"{typeof(TEnum).Name}.{member} is already a case of this Switch", location);
            Coverage.Cover(member.ToString());
        }
        complete = AllMembers.All(seen.Contains);
        if (complete && chain is not null)
            chain.Otherwise(then);
        else if (complete)
            then();
        else
            chain = chain is null ? module.BeginWhen(subject.Is([.. members]), then, location) : chain.ElseWhen(subject.Is([.. members]), then, file, line);
        return this;
    }

    /// <summary>What applies when no case matched.</summary>
    public void Default(Action then, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (chain is null && !complete)
            throw new HdlException("a Switch needs at least one Is(...) before Default", new(file, line));
        if (complete)
            throw new HdlException($"every member of {typeof(TEnum).Name} is already a case of this Switch: the Default would never apply", new(file, line));
        Coverage.HasDefault = true;
        chain!.Otherwise(then);
    }
}
