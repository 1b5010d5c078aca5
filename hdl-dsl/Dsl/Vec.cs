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

    /// <summary>Connects every element of <paramref name="source"/> to the element at the same index here (bundles field by field, flips respected).</summary>
    public void ConnectFrom(Vec<T> source, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (source.Count != Count)
            throw new HdlException($"cannot connect a Vec of {source.Count} elements to one of {Count}", location);
        for (var i = 0; i < Count; i++)
        {
            switch (elements[i], source.elements[i])
            {
                case (Signal sink, Signal from):
                    sink.ConnectFrom(from, location);
                    break;
                case (Bundle sink, Bundle from):
                    sink.ConnectFrom(from, file, line);
                    break;
                default:
                    throw new HdlException($"Vec elements of type {typeof(T).Name} cannot be connected", location);
            }
        }
    }

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
