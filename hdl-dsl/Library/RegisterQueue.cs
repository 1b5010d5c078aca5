namespace DiffAcc.Hdl.Library;

/// <summary>
/// A small first-in first-out queue in flip-flops between two valid/ready streams: the head is a
/// multiplexer over the words, so a word pushed into an empty queue is at the head the next cycle (a
/// <see cref="StreamQueue{T}"/> takes two). For tags and descriptors on control paths, where one cycle
/// matters and a few words suffice.
/// </summary>
public sealed class RegisterQueue<T> : QueueModule<T> where T : Signal
{
    public RegisterQueue(GroundType<T> word, int depth, ClockDomain? domain = null)
        : base(word, depth, 1, domain)
    {
        var pointerBits = Hw.BitsFor(depth);
        var countBits = Hw.BitsFor(depth + 1);

        var words = Enumerable.Range(0, depth).Select(i => Reg(word, name: $"word_{i}")).ToArray();
        var writePointer = Reg(UInt(pointerBits), reset: 0, name: "write_pointer");
        var readPointer = Reg(UInt(pointerBits), reset: 0, name: "read_pointer");
        var counter = Instance(new UpDownCounter(countBits, Domain), "counter");
        var count = counter.Count;
        var push = In.Fire;
        var pop = Out.Fire;
        counter.Up.Assign(push);
        counter.Down.Assign(pop);
        counter.Clear.Assign(Clear);
        for (var i = 0; i < depth; i++)
        {
            var index = i;
            When(push & (writePointer == index), () => Connect(words[index], In.Payload));
        }
        When(push, () => writePointer.Assign(Next(writePointer, depth)));
        When(pop, () => readPointer.Assign(Next(readPointer, depth)));
        When(Clear, () =>
        {
            writePointer.Assign(0);
            readPointer.Assign(0);
        });
        // A balanced multiplexer tree on the pointer's bits: log2(depth) deep, not a chain of compares.
        var head = Hw.VecOf(words).Select(readPointer);
        In.Ready.Assign(count < depth);
        Out.Valid.Assign(count != 0);
        Connect(Out.Payload, head);
        Count.Assign(count);
    }

    public override string ModuleName => $"RegisterQueue{Width}x{Depth}";
}
