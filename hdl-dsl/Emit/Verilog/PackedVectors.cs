using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Emit.Verilog;

/// <summary>One element of a packed vector: bits [Low + Width - 1 : Low] of <see cref="Vector"/>.</summary>
public sealed record PackedElement(string Vector, int Low, int Width)
{
    /// <summary>The part-select of bits <paramref name="high"/>..<paramref name="low"/> of the element.</summary>
    public string Bits(int high, int low) => high == low ? $"{Vector}[{Low + low}]" : $"{Vector}[{Low + high}:{Low + low}]";

    /// <summary>The whole element as an (unsigned) part-select.</summary>
    public string Text => Bits(Width - 1, 0);
}

/// <summary>A Vec of bits printed as one Verilog vector: its name and elements, element 0 in the low bits.</summary>
public sealed record PackedVector(string Name, IReadOnlyList<Net> Elements)
{
    public int Width => Elements.Sum(e => e.Width);
}

/// <summary>
/// Which Vecs of bits print as one packed vector, as a person writes a bus: the Vec ports of every
/// module but the top (whose ports stay one per element, so a board pin, an IP-XACT port and a
/// simulation harness field each name one signal) and, in a parent, the wires of an instance's
/// packed ports (one connection per vector). Element i is bits [i*w +: w]. A vector is unsigned and
/// so are its part-selects; the printer states signedness at every operator that depends on it.
/// </summary>
public static class PackedVectors
{
    /// <summary>The packed Vec ports of <paramref name="module"/>, in port order; none for the top or a black box.</summary>
    public static IReadOnlyList<PackedVector> Ports(ModuleDef module, bool isTop)
    {
        if (isTop || module.IsBlackBox)
            return [];
        var ports = new HashSet<Net>(module.Ports);
        var taken = new HashSet<string>(module.AllNets.Select(n => n.Name).Concat(module.Memories.Select(m => m.Name)).Concat(module.Instances.Select(i => i.Name)), StringComparer.Ordinal);
        var result = new List<PackedVector>();
        foreach (var port in module.Ports)
        {
            if (port.Vector is not { } vector || port.VectorIndex != 0 || !vector.Elements.All(e => ports.Contains(e) && e.Kind == port.Kind))
                continue;
            result.Add(new PackedVector(VerilogNames.Unique(taken, Stem(port.Name)), vector.Elements));
        }
        return result;
    }

    /// <summary>
    /// The packed vectors of one module: its own ports and its instances' packed port wires, by element;
    /// <paramref name="childPorts"/> gives each instantiated definition's packed ports (once per definition).
    /// </summary>
    internal static Dictionary<Net, PackedElement> Of(ModuleDef module, bool isTop, Func<string, string> uniqueName, out IReadOnlyList<PackedVector> ports, out IReadOnlyList<PackedVector> instanceWires, out IReadOnlyDictionary<ModuleDef, IReadOnlyList<PackedVector>> childPorts)
    {
        var children = new Dictionary<ModuleDef, IReadOnlyList<PackedVector>>(ReferenceEqualityComparer.Instance);
        var elements = new Dictionary<Net, PackedElement>(ReferenceEqualityComparer.Instance);
        ports = Ports(module, isTop);
        foreach (var p in ports)
        {
            uniqueName(p.Name);
            Add(elements, p.Name, p.Elements);
        }
        var wires = new List<PackedVector>();
        foreach (var instance in module.Instances)
        {
            var parentOf = instance.Bindings.ToDictionary(b => b.ChildPort, b => b.ParentNet);
            if (!children.TryGetValue(instance.Definition, out var vectors))
                children[instance.Definition] = vectors = Ports(instance.Definition, isTop: false);
            foreach (var childVector in vectors)
            {
                var parentNets = childVector.Elements.Select(e => parentOf[e]).ToList();
                var name = uniqueName($"{instance.Name}_{childVector.Name}");
                wires.Add(new PackedVector(name, parentNets));
                Add(elements, name, parentNets);
            }
        }
        instanceWires = wires;
        childPorts = children;
        return elements;
    }

    private static void Add(Dictionary<Net, PackedElement> elements, string name, IReadOnlyList<Net> nets)
    {
        for (var i = 0; i < nets.Count; i++)
            elements[nets[i]] = new PackedElement(name, i * nets[i].Width, nets[i].Width);
    }

    /// <summary>The vector's name from its first element's: <c>Data_0</c> gives <c>Data</c>.</summary>
    private static string Stem(string first) => first.EndsWith("_0", StringComparison.Ordinal) && first.Length > 2 ? first[..^2] : first;
}
