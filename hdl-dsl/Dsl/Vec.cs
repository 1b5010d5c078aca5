using System.Collections;
using System.Runtime.CompilerServices;

namespace DiffAcc.Hdl;

/// <summary>A fixed-size vector of hardware values; elements are named <c>name_0</c>, <c>name_1</c>, ...</summary>
public sealed class Vec<T> : IReadOnlyList<T>
{
    private readonly T[] elements;

    internal Vec(T[] elements) => this.elements = elements;

    public T this[int index] => elements[index];

    public int Count => elements.Length;

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)elements).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => elements.GetEnumerator();

    /// <summary>The element chosen by <paramref name="index"/> at run time (a mux tree); index 0 when out of range.</summary>
    public T Select(UInt index, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (elements.Any(e => e is not Signal))
            throw new HdlException("Select works on a Vec of ground values (UInt, SInt, Bool)", new(file, line));
        var result = elements[0];
        for (var i = 1; i < elements.Length; i++)
            result = (T)(object)Hw.Mux(index == i, (Signal)(object)elements[i]!, (Signal)(object)result!);
        return result;
    }
}
