using System.Collections;
using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

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
        if (source.Count != Count)
            throw new HdlException($"cannot connect a Vec of {source.Count} elements to one of {Count}", new SourceLocation(file, line));
        ConnectFrom(source.elements, file, line);
    }

    /// <summary>Connects every value of a C# list (an array of lanes, a LINQ projection) to the element at the same index here.</summary>
    public void ConnectFrom(IReadOnlyList<T> source, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var location = new SourceLocation(file, line);
        if (source.Count != Count)
            throw new HdlException($"cannot connect {source.Count} values to a Vec of {Count} elements", location);
        for (var i = 0; i < Count; i++)
        {
            switch (elements[i], source[i])
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

    /// <summary>
    /// The element chosen by <paramref name="index"/> at run time: a balanced tree of 2:1 multiplexers on
    /// the index bits (depth log2 of the length, not a chain). An index at or beyond <see cref="Count"/>
    /// reads zero.
    /// </summary>
    public T Select(UInt index, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (elements.Any(e => e is not Signal))
            throw new HdlException("Select works on a Vec of ground values (UInt, SInt, Bool)", new(file, line));
        var signals = elements.Cast<Signal>().ToList();
        var zero = signals[0].Wrap(new Const(0, signals[0].Shape));
        var levels = Hw.BitsFor(signals.Count);
        var level = signals.Concat(Enumerable.Repeat(zero, (1 << levels) - signals.Count)).ToList();
        for (var bit = 0; bit < levels; bit++)
        {
            var chosen = bit < index.Width ? index[bit] : null;
            level = [.. Enumerable.Range(0, level.Count / 2).Select(i => chosen is null ? level[2 * i] : Hw.Mux(chosen, level[(2 * i) + 1], level[2 * i]))];
        }
        var result = level[0];
        // Index bits above the tree's select an element beyond the end: zero.
        if (index.Width > levels)
            result = Hw.Mux(index[index.Width - 1, levels] != 0, zero, result);
        return (T)(object)result;
    }
}
