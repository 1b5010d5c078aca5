using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Library;

/// <summary>
/// A first-in first-out queue of <typeparamref name="T"/> words between two valid/ready streams
/// (Chisel's <c>Queue</c>; not named so because C#'s <c>System.Collections.Generic.Queue&lt;T&gt;</c> is
/// in every file): a RAM of <see cref="QueueModule{T}.Depth"/> words with a registered read, and the head always
/// presented on <see cref="QueueModule{T}.Out"/> while it is valid (first word fall-through). A word written to an
/// empty queue appears two cycles later; after that one word per cycle moves through.
/// <see cref="QueueModule{T}.Count"/> is the words held, so a producer can reserve space for a burst.
/// </summary>
public sealed class StreamQueue<T> : QueueModule<T> where T : Signal
{
    public StreamQueue(GroundType<T> word, int depth, RamStyle style = RamStyle.Auto, ClockDomain? domain = null)
        : base(word, depth, 2, domain)
    {
        Style = style;
        var pointerBits = Hw.BitsFor(depth);
        var countBits = Hw.BitsFor(depth + 1);

        var words = Mem(word, depth, style, name: "words");
        var writePointer = Reg(UInt(pointerBits), reset: 0, name: "write_pointer");
        var readPointer = Reg(UInt(pointerBits), reset: 0, name: "read_pointer");
        // Words in the RAM not yet read into the output register, and whether that register holds the head.
        var storedCounter = Instance(new UpDownCounter(countBits, Domain), "stored_counter");
        var stored = storedCounter.Count;
        var headValid = Reg(Bool(), reset: 0, name: "head_valid");
        // The words held, head included, counted apart from stored + head_valid so that In.Ready and Count,
        // which producers build their handshakes from, come straight off flip-flops.
        var heldCounter = Instance(new UpDownCounter(countBits, Domain), "held_counter");
        var held = heldCounter.Count;
        var push = In.Fire;
        var pop = headValid & Out.Ready;
        var fetch = (stored != 0) & (!headValid | Out.Ready);
        storedCounter.Up.Assign(push);
        storedCounter.Down.Assign(fetch);
        storedCounter.Clear.Assign(Clear);
        heldCounter.Up.Assign(push);
        heldCounter.Down.Assign(pop);
        heldCounter.Clear.Assign(Clear);
        var head = words.Read(readPointer, fetch, name: "head");
        When(push, () =>
        {
            words.Write(writePointer, In.Payload);
            writePointer.Assign(Next(writePointer, depth));
        });
        When(fetch, () => readPointer.Assign(Next(readPointer, depth)));
        When(fetch, () => headValid.Assign(true)).ElseWhen(Out.Ready, () => headValid.Assign(false));
        When(Clear, () =>
        {
            writePointer.Assign(0);
            readPointer.Assign(0);
            headValid.Assign(false);
        });
        In.Ready.Assign(held != depth);
        Out.Valid.Assign(headValid);
        Connect(Out.Payload, head);
        Count.Assign(held);
    }

    public RamStyle Style { get; }

    public override string ModuleName => Style == RamStyle.Auto ? $"Queue{Width}x{Depth}" : $"Queue{Width}x{Depth}{Style}";
}
