using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Checks;

/// <summary>
/// Implicit truncation is an error: a value wider than the net (or memory address or word) it is
/// assigned to. Narrower values are extended by their own signedness, as the width rules say.
/// </summary>
public sealed class WidthCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            foreach (var c in StatementWalk.Connects(module.Body))
            {
                if (c.Value.Width > c.Target.Width)
                {
                    yield return new(nameof(WidthCheck),
                        $"implicit truncation: {CheckContext.Describe(c.Target, module)} is {c.Target.Width} bits wide but is assigned a {c.Value.Width}-bit value. " +
                        $"Drop the high bits on purpose with .Truncate({c.Target.Width}) or widen the target.", c.Location);
                }
            }
            foreach (var memory in module.Memories)
            {
                var ports = memory.WritePorts.Select(w => (w.Address, (Expr?)w.Data, w.Location, "write"))
                    .Concat(memory.ReadPorts.Select(r => (r.Address, (Expr?)null, r.Location, "read")));
                foreach (var (address, data, location, kind) in ports)
                {
                    if (address.Width > memory.AddressWidth)
                    {
                        yield return new(nameof(WidthCheck),
                            $"implicit truncation: the {kind} address of memory '{memory.Name}' in {module.Name} ({memory.Depth} words, {memory.AddressWidth} address bits) is {address.Width} bits wide. " +
                            $"Truncate it to {memory.AddressWidth} bits on purpose.", location);
                    }
                    if (data is not null && data.Width > memory.Word.Width)
                    {
                        yield return new(nameof(WidthCheck),
                            $"implicit truncation: memory '{memory.Name}' in {module.Name} holds {memory.Word.Width}-bit words but is written a {data.Width}-bit value.", location);
                    }
                }
            }
        }
    }
}
