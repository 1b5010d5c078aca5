namespace DiffAcc.Hdl.Checks;

/// <summary>
/// A memory cleared on reset (<c>ClearOnReset</c>) must be written, and only in the domain whose
/// reset clears it: the clear and the writes are one process per port in the Verilog.
/// </summary>
public sealed class MemoryClearCheck : IDesignCheck
{
    public IEnumerable<Diagnostic> Run(CheckContext context)
    {
        foreach (var module in context.Modules)
        {
            foreach (var memory in module.Memories.Where(m => m.ClearDomain is not null))
            {
                if (memory.WritePorts.Count == 0)
                    yield return new(nameof(MemoryClearCheck), $"memory '{memory.Name}' of {module.Name} clears on reset but has no write port; a ROM keeps its contents", memory.ClearLocation);
                foreach (var port in memory.WritePorts.Where(w => w.Domain != memory.ClearDomain))
                {
                    yield return new(nameof(MemoryClearCheck),
                        $"memory '{memory.Name}' of {module.Name} clears on the reset of clock domain '{memory.ClearDomain!.Name}' (at {memory.ClearLocation}) but this write port is clocked by '{port.Domain.Name}'; clear it in the domain that writes it", port.Location);
                }
            }
        }
    }
}
