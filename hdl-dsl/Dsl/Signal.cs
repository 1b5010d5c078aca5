using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>
/// A ground hardware value: either a named net (port, wire, register) that can be assigned, or the
/// result of an operator. Operators never lose bits: see the width rules in docs/hdl-dsl.md.
/// </summary>
public abstract class Signal
{
    private readonly Expr? value;

    internal Signal(Net net) => Net = net;

    internal Signal(Expr value) => this.value = value;

    /// <summary>The net behind this signal, or <c>null</c> for an operator result.</summary>
    internal Net? Net { get; }

    /// <summary>
    /// The expression that reads this signal where it is used. A port of an instantiated module reads
    /// as the parent's instance wire, because only the parent can use it from then on.
    /// </summary>
    public Expr Expr => Net is null ? value! : new NetRef(Net.ParentView ?? Net);

    public Shape Shape => Net?.Shape ?? value!.Shape;

    public int Width => Shape.Width;

    /// <summary>The emitted name of a net-backed signal, or "" for an operator result.</summary>
    public string Name => Net?.Name ?? "";

    internal abstract Signal Wrap(Expr expr);

    /// <summary>For a value of a C# enum type (an operator result too): the enum's members; <c>null</c> otherwise.</summary>
    internal virtual EnumMembers? EnumMembers => null;

    /// <summary>A signal of this signal's own type on <paramref name="net"/> (a Bool stays a Bool, an enum value an enum value).</summary>
    internal virtual Signal OnNet(Net net) => net.Shape.Signed ? new SInt(net) : this is Bool ? new Bool(net) : new UInt(net);

    /// <summary>Sets a Verilog attribute on the net behind this signal, e.g. <c>keep</c> or <c>use_dsp</c>.</summary>
    public Signal SetAttribute(string name, string attributeValue, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var net = Net ?? throw new HdlException($"attribute '{name}' needs a named signal (a port, wire or register), not an expression", new(file, line));
        net.Attributes[name] = attributeValue;
        return this;
    }

    /// <summary>
    /// Connects <paramref name="source"/> to this net with last-connect semantics, inside the current
    /// When scope of the module that may drive it. Width problems are collected by <c>WidthCheck</c>.
    /// </summary>
    internal void ConnectFrom(Signal source, SourceLocation location)
    {
        var net = Net ?? throw new HdlException("only a port, wire or register can be assigned; this is the result of an operator", location);
        // An enum signal holds only its members: a raw UInt or another enum's value is a mistake the
        // widths cannot catch; decoding bits on purpose says so with FromBits.
        if (net.Enum is { } members && (source.Net?.Enum ?? source.EnumMembers) is var from && !ReferenceEquals(from, members))
        {
            var what = from is null ? $"a {source.Shape} value" : $"a value of enum {from.Name}";
            throw new HdlException($"'{net.Name}' is of enum {members.Name} but is assigned {what}; assign a member ({members.Name}.{members.Members[0].Member}), a {members.Name} value, or decode bits on purpose with EnumValue<{members.Name}>.FromBits(...)", location);
        }
        var (target, module) = DrivingSide(net, location);
        module.Record(new Connect(target, source.Expr, location));
    }

    private static (Net Target, Module Module) DrivingSide(Net net, SourceLocation location)
    {
        var owner = (Module)net.Owner!;
        if (net.ParentView is { } view)
            return (view, owner.Parent!);
        if (owner.IsSealed)
            throw new HdlException($"'{net.Name}' belongs to module {owner.ModuleName}, which is finished; assign it before instantiating its parent or inside its own constructor", location);
        return (net, owner);
    }

    internal static Expr Fit(Expr e, int width) => e.Width == width ? e : e.Width < width ? new ExtendExpr(e, width) : new SliceExpr(e, width - 1, 0);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => RuntimeHelpers.GetHashCode(this);

    public override string ToString() => Net is null ? $"<{Shape} expression>" : $"{Net.Name}: {Shape}";
}
