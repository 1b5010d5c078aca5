using System.Numerics;
using System.Reflection;

namespace DiffAcc.Accelerator.Isa;

/// <summary>Declares a property as a bit field of an instruction or data word; fields are laid out in declaration order, base types first.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FieldAttribute(int bits, string meaning) : Attribute
{
    public int Bits { get; } = bits;

    public string Meaning { get; } = meaning;

    /// <summary>Two's complement instead of unsigned.</summary>
    public bool Signed { get; init; }
}

/// <summary>One field of a layout: where its bits are and what they mean.</summary>
public sealed record BitField(string Name, int Offset, int Bits, bool Signed, string Meaning, PropertyInfo? Property)
{
    public long Min => Signed ? -(1L << (Bits - 1)) : 0;

    public long Max => Signed ? (1L << (Bits - 1)) - 1 : Bits >= 63 ? long.MaxValue : (1L << Bits) - 1;

    /// <summary>The highest bit, inclusive.</summary>
    public int High => Offset + Bits - 1;

    /// <summary>The allowed values, for documentation.</summary>
    public string Range => Property?.PropertyType is { IsEnum: true } type
        ? string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => $"{Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)} {v}"))
        : Property?.PropertyType == typeof(bool) ? "0, 1" : $"{Min} .. {Max}";
}

/// <summary>A field value that does not fit its bits.</summary>
public sealed class FieldRangeException(string message) : Exception(message);

/// <summary>
/// The bit layout of a record type whose properties carry <see cref="FieldAttribute"/>: offsets follow
/// declaration order (base types first) after the <c>header</c> fields that the owner lays out.
/// Values move between records and little-endian byte words of <see cref="Bytes"/> bytes.
/// </summary>
public sealed class BitLayout
{
    public BitLayout(Type type, int bytes, IReadOnlyList<BitField> header)
    {
        Type = type;
        Bytes = bytes;
        var fields = new List<BitField>(header);
        var offset = header.Count == 0 ? 0 : header.Max(f => f.Offset + f.Bits);
        var hierarchy = new List<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            hierarchy.Insert(0, t);
        foreach (var level in hierarchy)
        {
            var properties = level.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Select(p => (Property: p, Field: p.GetCustomAttribute<FieldAttribute>()))
                .Where(p => p.Field is not null)
                .OrderBy(p => p.Property.MetadataToken);
            foreach (var (property, field) in properties)
            {
                fields.Add(new BitField(property.Name, offset, field!.Bits, field.Signed, field.Meaning, property));
                offset += field.Bits;
            }
        }
        if (offset > 8 * bytes)
            throw new InvalidOperationException($"{type.Name} needs {offset} bits but its word has {8 * bytes}");
        Fields = fields;
        UsedBits = offset;
    }

    public Type Type { get; }

    public int Bytes { get; }

    public IReadOnlyList<BitField> Fields { get; }

    public int UsedBits { get; }

    /// <summary>Writes every declared property of <paramref name="value"/> into <paramref name="word"/>; a value out of range names the field.</summary>
    public void Write(object value, Span<byte> word, string context)
    {
        foreach (var field in Fields.Where(f => f.Property is not null))
            Insert(word, field, ToLong(field.Property!.GetValue(value)!), context);
    }

    /// <summary>A new record with every declared property read from <paramref name="word"/>.</summary>
    public object Read(ReadOnlySpan<byte> word)
    {
        var value = Activator.CreateInstance(Type) ?? throw new InvalidOperationException($"{Type.Name} needs a parameterless constructor");
        foreach (var field in Fields.Where(f => f.Property is not null))
            field.Property!.SetValue(value, FromLong(field.Property.PropertyType, Extract(word, field)));
        return value;
    }

    /// <summary>Puts <paramref name="value"/> into the field's bits; it must fit.</summary>
    public static void Insert(Span<byte> word, BitField field, long value, string context)
    {
        if (value < field.Min || value > field.Max)
            throw new FieldRangeException($"{context}: {field.Name} = {value} does not fit its {field.Bits} bits ({field.Min} .. {field.Max})");
        var bits = (ulong)value;
        for (var i = 0; i < field.Bits; i++)
        {
            var bit = field.Offset + i;
            var mask = (byte)(1 << (bit % 8));
            word[bit / 8] = ((bits >> i) & 1) != 0 ? (byte)(word[bit / 8] | mask) : (byte)(word[bit / 8] & ~mask);
        }
    }

    /// <summary>The field's value, sign-extended for signed fields.</summary>
    public static long Extract(ReadOnlySpan<byte> word, BitField field)
    {
        ulong bits = 0;
        for (var i = 0; i < field.Bits; i++)
        {
            var bit = field.Offset + i;
            if ((word[bit / 8] & (1 << (bit % 8))) != 0)
                bits |= 1UL << i;
        }
        if (field.Signed && field.Bits < 64 && (bits >> (field.Bits - 1) & 1) != 0)
            bits |= ~0UL << field.Bits;
        return (long)bits;
    }

    /// <summary>The word as one unsigned number (bit 0 = bit 0 of byte 0), for hexadecimal listings.</summary>
    public static BigInteger ToNumber(ReadOnlySpan<byte> word) => new(word, isUnsigned: true, isBigEndian: false);

    private static long ToLong(object value) => value switch
    {
        bool b => b ? 1 : 0,
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static object FromLong(Type type, long value)
        => type == typeof(bool) ? value != 0
            : type.IsEnum ? Enum.ToObject(type, value)
            : Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture);
}
