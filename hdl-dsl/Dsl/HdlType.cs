using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>Makes the nets of one hardware value: ports, wires and registers of a module.</summary>
public abstract class HdlType<T>
{
    internal abstract T Create(NetFactory factory);
}

/// <summary>The shape of a ground value; <see cref="Shape"/> gives width and signedness.</summary>
public abstract class GroundType<T>(Shape shape) : HdlType<T> where T : Signal
{
    public Shape Shape { get; } = shape;

    public override string ToString() => Shape.ToString();
}

public sealed class BoolType : GroundType<Bool>
{
    private BoolType() : base(Shape.Bit) { }

    public static BoolType Instance { get; } = new();

    internal override Bool Create(NetFactory factory) => new(factory.Net(Shape));
}

public sealed class UIntType(int width) : GroundType<UInt>(Shape.Unsigned(width))
{
    internal override UInt Create(NetFactory factory) => new(factory.Net(Shape));
}

public sealed class SIntType(int width) : GroundType<SInt>(Shape.SignedOf(width))
{
    internal override SInt Create(NetFactory factory) => new(factory.Net(Shape));
}

public sealed class VecType<T>(int count, HdlType<T> element) : HdlType<Vec<T>>
{
    public int Count { get; } = count;

    public HdlType<T> Element { get; } = element;

    internal override Vec<T> Create(NetFactory factory)
    {
        var elements = Enumerable.Range(0, Count).Select(_ => Element.Create(factory)).ToArray();
        if (Count > 1 && elements.All(e => e is Signal))
        {
            var vector = new NetVector();
            foreach (var element in elements)
                vector.Add(((Signal)(object)element!).Net!);
        }
        return new(elements);
    }
}

/// <summary>A record of named fields; <typeparamref name="T"/> is the user's <see cref="Bundle"/> class.</summary>
public sealed class BundleType<T>(Func<BundleFields, T> make) : HdlType<T> where T : Bundle
{
    internal override T Create(NetFactory factory)
    {
        var fields = new BundleFields(factory);
        var bundle = make(fields);
        foreach (var flipped in fields.Flips)
            bundle.FlippedFields.Add(flipped);
        foreach (var made in fields.Made)
            bundle.MadeFields.Add(made);
        bundle.RememberMaker(Create);
        return bundle;
    }
}

/// <summary>Creates nets of one kind in one module; a flipped factory swaps input and output.</summary>
internal sealed class NetFactory(Module module, NetKind kind, SourceLocation location, Func<Net, Net>? configure = null)
{
    public Net Net(Shape shape)
    {
        var net = module.AddNet(kind, shape, location);
        return configure is null ? net : configure(net);
    }

    public NetFactory Flipped() => kind switch
    {
        NetKind.Input => new(module, NetKind.Output, location, configure),
        NetKind.Output => new(module, NetKind.Input, location, configure),
        _ => this,
    };
}
