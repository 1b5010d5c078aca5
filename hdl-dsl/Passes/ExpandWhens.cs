using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Passes;

/// <summary>The single value a net takes after last-connect resolution of its module's When tree.</summary>
public sealed class NetDriver(Net net, Expr value, IReadOnlyList<Connect> connects)
{
    public Net Net { get; } = net;

    /// <summary>
    /// The resolved value at the net's width. A register holds itself where nothing assigns it; a
    /// combinational net has <see cref="UndefinedExpr"/> leaves on such paths (a latch).
    /// </summary>
    public Expr Value { get; } = value;

    /// <summary>Every connection to the net, in program order.</summary>
    public IReadOnlyList<Connect> Connects { get; } = connects;

    public bool IsComplete => !ContainsUndefined(Value);

    private static bool ContainsUndefined(Expr e) => e is UndefinedExpr || e.Operands.Any(ContainsUndefined);
}

/// <summary>
/// Lowers a module's When tree into one driver expression per net (FIRRTL's ExpandWhens):
/// <c>When(c) { x := a } Otherwise { x := b }</c> becomes <c>x = c ? a : b</c>.
/// </summary>
public static class ExpandWhens
{
    public static IReadOnlyDictionary<Net, NetDriver> Run(ModuleDef module)
    {
        var connects = new Dictionary<Net, List<Connect>>(ReferenceEqualityComparer.Instance);
        var values = Walk(module.Body, new Dictionary<Net, Expr>(ReferenceEqualityComparer.Instance), connects);
        var drivers = new Dictionary<Net, NetDriver>(ReferenceEqualityComparer.Instance);
        foreach (var (net, list) in connects)
            drivers[net] = new NetDriver(net, values[net], list);
        return drivers;
    }

    private static Dictionary<Net, Expr> Walk(List<Statement> statements, Dictionary<Net, Expr> values, Dictionary<Net, List<Connect>> connects)
    {
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case Connect c:
                    if (!connects.TryGetValue(c.Target, out var list))
                        connects[c.Target] = list = [];
                    list.Add(c);
                    values[c.Target] = Normalize(c.Value, c.Target.Shape);
                    break;
                case When w:
                    var then = Walk(w.Then, new(values, ReferenceEqualityComparer.Instance), connects);
                    var otherwise = Walk(w.Else, new(values, ReferenceEqualityComparer.Instance), connects);
                    foreach (var net in then.Keys.Union(otherwise.Keys, ReferenceEqualityComparer.Instance).Cast<Net>().ToList())
                    {
                        var a = then.GetValueOrDefault(net) ?? Default(net);
                        var b = otherwise.GetValueOrDefault(net) ?? Default(net);
                        values[net] = ReferenceEquals(a, b) ? a : new MuxExpr(w.Condition, a, b);
                    }
                    break;
            }
        }
        return values;
    }

    private static Expr Default(Net net) => net.Kind == NetKind.Register ? new NetRef(net) : new UndefinedExpr(net.Shape);

    /// <summary>Brings a value to the target's width: narrower values extend by their own signedness.</summary>
    private static Expr Normalize(Expr value, Shape target)
    {
        var fitted = value.Width < target.Width ? new ExtendExpr(value, target.Width) : value.Width > target.Width ? new SliceExpr(value, target.Width - 1, 0) : value;
        return fitted.Shape.Signed == target.Signed ? fitted : new CastExpr(fitted, target.Signed);
    }
}
