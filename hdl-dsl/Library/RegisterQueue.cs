namespace DiffAcc.Hdl.Library;

/// <summary>
/// A small first-in first-out queue in flip-flops: the head is a multiplexer over the words, so a word
/// pushed into an empty queue is at the head the next cycle (a <see cref="Queue"/> takes two). For tags
/// and descriptors on control paths, where one cycle matters and a few words suffice.
/// </summary>
public sealed class RegisterQueue : Module
{
    public RegisterQueue(int width, int depth, ClockDomain? domain = null)
    {
        if (depth < 1)
            throw new HdlException($"a queue needs at least 1 word, not {depth}", SourceLocation.OfCaller());
        Domain = domain ?? Domain;
        Width = width;
        Depth = depth;
        var pointerBits = Hw.BitsFor(depth);
        var countBits = Hw.BitsFor(depth + 1);
        InValid = Input(Bool());
        InReady = Output(Bool());
        InData = Input(UInt(width));
        OutValid = Output(Bool());
        OutReady = Input(Bool());
        OutData = Output(UInt(width));
        Count = Output(UInt(countBits));
        Clear = Input(Bool());

        var words = Enumerable.Range(0, depth).Select(i => Reg(UInt(width), name: $"word_{i}")).ToArray();
        var writePointer = Reg(UInt(pointerBits), reset: 0, name: "write_pointer");
        var readPointer = Reg(UInt(pointerBits), reset: 0, name: "read_pointer");
        var counter = Instance(new UpDownCounter(countBits, Domain), "counter");
        var count = counter.Count;
        var push = InValid & InReady;
        var pop = OutValid & OutReady;
        counter.Up.Assign(push);
        counter.Down.Assign(pop);
        counter.Clear.Assign(Clear);
        for (var i = 0; i < depth; i++)
        {
            var index = i;
            When(push & (writePointer == index), () => words[index].Assign(InData));
        }
        When(push, () => writePointer.Assign(Queue.Next(writePointer, depth)));
        When(pop, () => readPointer.Assign(Queue.Next(readPointer, depth)));
        When(Clear, () =>
        {
            writePointer.Assign(0);
            readPointer.Assign(0);
        });
        // A balanced multiplexer tree on the pointer's bits: log2(depth) deep, not a chain of compares.
        var head = Hw.VecOf(words).Select(readPointer);
        InReady.Assign(count < depth);
        OutValid.Assign(count != 0);
        OutData.Assign(head);
        Count.Assign(count);
    }

    public int Width { get; }

    public int Depth { get; }

    public override string ModuleName => $"RegisterQueue{Width}x{Depth}";

    public Bool InValid { get; }

    public Bool InReady { get; }

    public UInt InData { get; }

    public Bool OutValid { get; }

    public Bool OutReady { get; }

    public UInt OutData { get; }

    public UInt Count { get; }

    /// <summary>Empties the queue (a word pushed in the same cycle is dropped).</summary>
    public Bool Clear { get; }
}
