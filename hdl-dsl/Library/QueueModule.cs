using System.Runtime.CompilerServices;

namespace DiffAcc.Hdl.Library;

/// <summary>
/// What every queue of the library shows: a stream in, a stream out (the head), the words held and
/// a clear. <see cref="StreamQueue{T}"/> keeps its words in RAM, <see cref="RegisterQueue{T}"/> in
/// flip-flops; a design can swap one for the other.
/// </summary>
public abstract class QueueModule<T> : Module where T : Signal
{
    private protected QueueModule(GroundType<T> word, int depth, int minimumDepth, ClockDomain? domain, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        : base(file, line)
    {
        if (depth < minimumDepth)
            throw new HdlException($"a queue needs at least {minimumDepth} word{(minimumDepth == 1 ? "" : "s")}, not {depth}", SourceLocation.OfCaller());
        Domain = domain ?? Domain;
        Width = word.Shape.Width;
        Depth = depth;
        In = Input(Stream(word), name: "In");
        Out = Output(Stream(word), name: "Out");
        Count = Output(UInt(Hw.BitsFor(depth + 1)), name: "Count");
        Clear = Input(Bool(), name: "Clear");
    }

    public int Width { get; }

    public int Depth { get; }

    /// <summary>Words in: ready while the queue has room.</summary>
    public Stream<T> In { get; }

    /// <summary>The head: valid while the queue holds a word it can show.</summary>
    public Stream<T> Out { get; }

    /// <summary>Words held, the head included.</summary>
    public UInt Count { get; }

    /// <summary>Empties the queue (a word pushed in the same cycle is dropped).</summary>
    public Bool Clear { get; }

    /// <summary>The next position of a ring pointer over <paramref name="depth"/> words.</summary>
    private protected static UInt Next(UInt pointer, int depth)
        => depth == 1 ? Hw.Lit(0, pointer.Width)
            : (depth & (depth - 1)) == 0 ? pointer.AddWrap(Hw.Lit(1, 1))
            : Hw.Mux(pointer == depth - 1, Hw.Lit(0, pointer.Width), (pointer + 1).Truncate(pointer.Width));
}
