using System.Runtime.CompilerServices;

namespace DiffAcc.Hdl;

/// <summary>
/// A user-defined record of hardware fields. Declare fields as properties set in the constructor
/// from <see cref="BundleFields"/>; they are named <c>port_Field</c> after the C# property.
/// </summary>
public abstract class Bundle
{
    /// <summary>The name a field's nets take after the bundle's prefix; the C# property name unless a bundle follows another convention (AXI's lowercase names).</summary>
    protected internal virtual string FieldName(string property) => property;

    /// <summary>Connects every field of <paramref name="source"/> to the field of the same name here, respecting flips.</summary>
    public void ConnectFrom(Bundle source, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (source.GetType() != GetType())
            throw new HdlException($"cannot connect a {source.GetType().Name} to a {GetType().Name}: bundles connect field by field and need the same type", location);
        foreach (var (sink, from, flipped) in Pairs(this, source))
        {
            if (flipped)
                from.ConnectFrom(sink, location);
            else
                sink.ConnectFrom(from, location);
        }
    }

    private static IEnumerable<(Signal Sink, Signal Source, bool Flipped)> Pairs(Bundle sink, Bundle source)
    {
        foreach (var property in sink.GetType().GetProperties())
        {
            var a = property.GetValue(sink);
            var b = property.GetValue(source);
            var flipped = sink.FlippedFields.Contains(a!);
            foreach (var pair in Pairs(a, b, flipped))
                yield return pair;
        }
    }

    /// <summary>The ground pairs under two field values: signals, nested bundles, and Vecs element by element.</summary>
    private static IEnumerable<(Signal Sink, Signal Source, bool Flipped)> Pairs(object? a, object? b, bool flipped)
    {
        switch (a, b)
        {
            case (Signal x, Signal y):
                yield return (x, y, flipped);
                break;
            case (Bundle x, Bundle y):
                foreach (var pair in Pairs(x, y))
                    yield return flipped ? (pair.Sink, pair.Source, !pair.Flipped) : pair;
                break;
            case (IReadOnlyList<object> x, IReadOnlyList<object> y) when x.Count == y.Count:
                for (var i = 0; i < x.Count; i++)
                {
                    foreach (var pair in Pairs(x[i], y[i], flipped))
                        yield return pair;
                }
                break;
        }
    }

    internal HashSet<object> FlippedFields { get; } = new(ReferenceEqualityComparer.Instance);
}

/// <summary>Handed to a bundle's constructor to make its fields with the right direction.</summary>
public sealed class BundleFields
{
    internal BundleFields(NetFactory factory) => Factory = factory;

    internal NetFactory Factory { get; }

    /// <summary>A field with the bundle's own direction.</summary>
    public T Field<T>(HdlType<T> type) where T : class
    {
        return type.Create(Factory);
    }

    /// <summary>A field against the bundle's direction, like a ready signal beside valid and data.</summary>
    public T Flipped<T>(HdlType<T> type) where T : class
    {
        var value = type.Create(Factory.Flipped());
        Flips.Add(value);
        return value;
    }

    internal HashSet<object> Flips { get; } = new(ReferenceEqualityComparer.Instance);
}

/// <summary>A valid/ready stream: data moves on a cycle where both <see cref="Valid"/> and <see cref="Ready"/> are high.</summary>
public sealed class Stream<T> : Bundle where T : class
{
    public Stream(BundleFields fields, HdlType<T> payload)
    {
        Valid = fields.Field(Hw.Bool());
        Ready = fields.Flipped(Hw.Bool());
        Payload = fields.Field(payload);
    }

    public Bool Valid { get; }

    public Bool Ready { get; }

    public T Payload { get; }

    /// <summary>True on a cycle where a transfer happens.</summary>
    public Bool Fire => Valid & Ready;
}
