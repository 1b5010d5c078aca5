using System.Runtime.CompilerServices;

namespace DiffAcc.Hdl;

/// <summary>
/// A user-defined record of hardware fields. Declare fields as properties set in the constructor
/// from <see cref="BundleFields"/>; they are named <c>port_Field</c> after the C# property.
/// </summary>
public abstract class Bundle
{
    /// <summary>
    /// The name a field's nets take under the bundle's <paramref name="prefix"/>: <c>prefix_Property</c>
    /// unless a bundle follows another convention (AXI joins lowercase names: <c>m_axi_data_awaddr</c>).
    /// </summary>
    protected internal virtual string FieldPath(string prefix, string property) => $"{prefix}_{property}";

    /// <summary>Connects every field of <paramref name="source"/> to the field of the same name here, respecting flips.</summary>
    public void ConnectFrom(Bundle source, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => ConnectFrom(source, new SourceLocation(file, line));

    internal void ConnectFrom(Bundle source, SourceLocation location)
    {
        foreach (var (sink, from, flipped) in Pairs(this, source, location))
        {
            if (flipped)
                from.ConnectFrom(sink, location);
            else
                sink.ConnectFrom(from, location);
        }
    }

    /// <summary>The ground signals under the bundle with their direction (true: flipped), in field order: what a register copy or a packer walks.</summary>
    internal IEnumerable<(Signal Signal, bool Flipped)> Ground()
        => Pairs(this, this, SourceLocation.Unknown).Select(p => (p.Sink, p.Flipped));

    private static IEnumerable<(Signal Sink, Signal Source, bool Flipped)> Pairs(Bundle sink, Bundle source, SourceLocation location)
    {
        if (source.GetType() != sink.GetType())
            throw new HdlException($"cannot connect a {TypeName(source.GetType())} to a {TypeName(sink.GetType())}: bundles connect field by field and need the same type", location);
        foreach (var property in sink.GetType().GetProperties())
        {
            if (property.GetIndexParameters().Length > 0 || property.DeclaringType == typeof(Bundle))
                continue;
            var a = property.GetValue(sink);
            var b = property.GetValue(source);
            // Computed properties (a stream's Fire) are not fields.
            if ((a is not null && !sink.MadeFields.Contains(a)) || (b is not null && !source.MadeFields.Contains(b)))
                continue;
            if ((a is null) != (b is null))
                throw new HdlException($"cannot connect {TypeName(source.GetType())} field {property.Name}: one side has it and the other does not (a read-only or write-only shape?)", location);
            var flipped = a is not null && sink.FlippedFields.Contains(a);
            foreach (var pair in Pairs(a, b, flipped, location))
                yield return pair;
        }
    }

    /// <summary>The ground pairs under two field values: signals, nested bundles, and Vecs element by element.</summary>
    private static IEnumerable<(Signal Sink, Signal Source, bool Flipped)> Pairs(object? a, object? b, bool flipped, SourceLocation location)
    {
        switch (a, b)
        {
            case (Signal x, Signal y):
                yield return (x, y, flipped);
                break;
            case (Bundle x, Bundle y):
                foreach (var pair in Pairs(x, y, location))
                    yield return flipped ? (pair.Sink, pair.Source, !pair.Flipped) : pair;
                break;
            case (IReadOnlyList<object> x, IReadOnlyList<object> y):
                if (x.Count != y.Count)
                    throw new HdlException($"cannot connect a Vec of {y.Count} elements to one of {x.Count}", location);
                for (var i = 0; i < x.Count; i++)
                {
                    foreach (var pair in Pairs(x[i], y[i], flipped, location))
                        yield return pair;
                }
                break;
        }
    }

    /// <summary>A type's C# name with its type arguments (<c>Stream&lt;UInt&gt;</c>), for errors.</summary>
    private static string TypeName(Type type)
        => type.IsGenericType ? $"{type.Name.Split('`')[0]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>" : type.Name;

    /// <summary>Makes a new bundle of the same type and widths from <paramref name="factory"/>: a register copy or a port of the same shape.</summary>
    internal Bundle Recreate(NetFactory factory)
        => (maker ?? throw new InvalidOperationException($"{GetType().Name} was not made from a BundleType"))(factory);

    private Func<NetFactory, Bundle>? maker;

    internal void RememberMaker(Func<NetFactory, Bundle> make) => maker = make;

    internal HashSet<object> FlippedFields { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The values its <see cref="BundleFields"/> made: the fields, as opposed to computed properties.</summary>
    internal HashSet<object> MadeFields { get; } = new(ReferenceEqualityComparer.Instance);
}

/// <summary>Handed to a bundle's constructor to make its fields with the right direction.</summary>
public sealed class BundleFields
{
    internal BundleFields(NetFactory factory) => Factory = factory;

    internal NetFactory Factory { get; }

    /// <summary>A field with the bundle's own direction.</summary>
    public T Field<T>(HdlType<T> type) where T : class
    {
        var value = type.Create(Factory);
        Made.Add(value);
        return value;
    }

    /// <summary>A field against the bundle's direction, like a ready signal beside valid and data.</summary>
    public T Flipped<T>(HdlType<T> type) where T : class
    {
        var value = type.Create(Factory.Flipped());
        Flips.Add(value);
        Made.Add(value);
        return value;
    }

    internal HashSet<object> Flips { get; } = new(ReferenceEqualityComparer.Instance);

    internal HashSet<object> Made { get; } = new(ReferenceEqualityComparer.Instance);
}

/// <summary>How a stream names its nets under its prefix.</summary>
public enum StreamNaming
{
    /// <summary><c>prefix_Payload</c>, <c>prefix_Valid</c>, <c>prefix_Ready</c> (a bundle payload: <c>prefix_Payload_Field</c>).</summary>
    Fields,

    /// <summary>AXI's channel convention: the prefix joined to lowercase names and the payload's fields directly under the prefix (<c>m_axi_data_awaddr</c>, <c>m_axi_data_awvalid</c>).</summary>
    Axi,
}

/// <summary>
/// A valid/ready stream: data moves on a cycle where both <see cref="Valid"/> and <see cref="Ready"/>
/// are high. The payload is declared first, so a channel's ports list like AXI's (data, valid, ready).
/// </summary>
public sealed class Stream<T> : Bundle where T : class
{
    public Stream(BundleFields fields, HdlType<T> payload, StreamNaming naming = StreamNaming.Fields)
    {
        Naming = naming;
        Payload = fields.Field(payload);
        Valid = fields.Field(Hw.Bool());
        Ready = fields.Flipped(Hw.Bool());
    }

    public T Payload { get; }

    public Bool Valid { get; }

    public Bool Ready { get; }

    /// <summary>True on a cycle where a transfer happens.</summary>
    public Bool Fire => Valid & Ready;

    internal StreamNaming Naming { get; }

    protected internal override string FieldPath(string prefix, string property) => Naming switch
    {
        StreamNaming.Axi => property == nameof(Payload) ? prefix : prefix + property.ToLowerInvariant(),
        _ => base.FieldPath(prefix, property),
    };
}
