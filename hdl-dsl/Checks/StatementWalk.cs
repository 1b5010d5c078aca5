using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>Visits every connection of a body, however deeply it sits in When blocks.</summary>
internal static class StatementWalk
{
    public static IEnumerable<Connect> Connects(IEnumerable<Statement> statements)
    {
        foreach (var statement in statements)
        {
            if (statement is Connect c)
            {
                yield return c;
            }
            else if (statement is When w)
            {
                foreach (var inner in Connects(w.Then).Concat(Connects(w.Else)))
                    yield return inner;
            }
        }
    }

    /// <summary>Every expression a module evaluates, with the line that made its use.</summary>
    public static IEnumerable<(Expr Value, SourceLocation Location)> Expressions(ModuleDef module)
    {
        foreach (var (value, location) in BodyExpressions(module.Body))
            yield return (value, location);
        foreach (var net in module.Nets)
        {
            if (net.Register?.Enable is { } enable)
                yield return (enable, net.Location);
        }
        foreach (var memory in module.Memories)
        {
            foreach (var w in memory.WritePorts)
            {
                yield return (w.Address, w.Location);
                yield return (w.Data, w.Location);
                yield return (w.Enable, w.Location);
                if (w.ByteEnable is not null)
                    yield return (w.ByteEnable, w.Location);
            }
            foreach (var r in memory.ReadPorts)
            {
                yield return (r.Address, r.Location);
                yield return (r.Enable, r.Location);
            }
        }
    }

    private static IEnumerable<(Expr, SourceLocation)> BodyExpressions(IEnumerable<Statement> statements)
    {
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case Connect c:
                    yield return (c.Value, c.Location);
                    break;
                case When w:
                    yield return (w.Condition, w.Location);
                    foreach (var inner in BodyExpressions(w.Then).Concat(BodyExpressions(w.Else)))
                        yield return inner;
                    break;
            }
        }
    }
}
