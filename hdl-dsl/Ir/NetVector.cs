namespace DiffAcc.Hdl.Ir;

/// <summary>
/// The ground nets of one <c>Vec</c> of bits (UInt, SInt or Bool elements), in index order. The
/// simulators and checks see the elements; the Verilog layout may print them as one packed vector.
/// </summary>
public sealed class NetVector
{
    private readonly List<Net> elements = [];

    public IReadOnlyList<Net> Elements => elements;

    /// <summary>The shape of every element.</summary>
    public Shape Element => elements[0].Shape;

    internal void Add(Net net)
    {
        net.Vector = this;
        net.VectorIndex = elements.Count;
        elements.Add(net);
    }
}
