using System.Linq.Expressions;
using System.Reflection;

namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// A field of an instruction or data word named by its C# property, not by a string:
/// <c>FieldOf&lt;Conv&gt;.Get(c =&gt; c.GroupMask)</c> gives its bits, so the hardware that slices it, the
/// counters sized by it and the configuration limits bounded by it all read the <see cref="FieldAttribute"/>.
/// A property that is not a field of <typeparamref name="T"/> is refused by name.
/// </summary>
public static class FieldOf<T> where T : class
{
    /// <summary>The layout of <typeparamref name="T"/>: an instruction's format (header included) or a data word's.</summary>
    public static BitLayout Layout { get; } = typeof(Instruction).IsAssignableFrom(typeof(T)) ? InstructionSet.Format(typeof(T)).Layout
        : typeof(DataWord).IsAssignableFrom(typeof(T)) ? DataWord.LayoutOf(typeof(T))
        : throw new ArgumentException($"{typeof(T).Name} is neither an instruction nor a data word");

    public static BitField Get<TValue>(Expression<Func<T, TValue>> field) => Get((LambdaExpression)field);

    /// <summary>The field's width in bits.</summary>
    public static int Bits<TValue>(Expression<Func<T, TValue>> field) => Get(field).Bits;

    /// <summary>The largest value the field holds: what a configuration limit derived from it allows.</summary>
    public static long Max<TValue>(Expression<Func<T, TValue>> field) => Get(field).Max;

    internal static BitField Get(LambdaExpression field)
    {
        var body = field.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : field.Body;
        if (body is not MemberExpression { Member: PropertyInfo property } || property.DeclaringType is not { } declaring || !declaring.IsAssignableFrom(typeof(T)))
            throw new ArgumentException($"'{field}' does not name a property of {typeof(T).Name}", nameof(field));
        return Layout.Fields.FirstOrDefault(f => f.Property is { } p && p.Name == property.Name && p.DeclaringType == declaring)
            ?? throw new ArgumentException($"{typeof(T).Name}.{property.Name} is not a bit field", nameof(field));
    }
}
