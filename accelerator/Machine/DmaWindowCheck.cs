using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;

namespace DiffAcc.Accelerator.Machine;

/// <summary>One DMA window as the engines compare against it: its first page, the page past its last, and what it allows.</summary>
public sealed class DmaWindowPages : Bundle
{
    public DmaWindowPages(BundleFields f)
    {
        First = f.Field(Hw.UInt(DmaWindowCheck.PageBits));
        End = f.Field(Hw.UInt(DmaWindowCheck.PageBits + 1));
        Read = f.Field(Hw.Bool());
        Write = f.Field(Hw.Bool());
    }

    public UInt First { get; }

    public UInt End { get; }

    public Bool Read { get; }

    public Bool Write { get; }

    public static BundleType<DmaWindowPages> Of() => new(f => new DmaWindowPages(f));
}

/// <summary>
/// The DMA window rule in hardware (the functional simulator's is <c>DmaWindowRule</c>): a burst may go when
/// nothing is checked, or when its page lies in a window that allows its access. A burst never crosses a
/// 4 KB page, so its first address names every byte's page, and the test is two page compares per window.
/// </summary>
public static class DmaWindowCheck
{
    /// <summary>Bits of a page number: the address bits above the 4 KB page.</summary>
    public const int PageBits = MachineShape.AddressBits - 12;

    public static Bool Allows(Vec<DmaWindowPages> windows, Bool checking, UInt address, bool write)
    {
        if (1 << 12 != RegisterMap.WindowPageBytes)
            throw new InvalidOperationException("the window check compares 4 KB page numbers");
        var page = address[MachineShape.AddressBits - 1, 12];
        var inside = Hw.False;
        for (var w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            inside |= (write ? window.Write : window.Read) & (page >= window.First) & (page.ZeroExtend(PageBits + 1) < window.End);
        }
        return !checking | inside;
    }
}
