using DiffAcc.Hdl;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Sim.Fuzz;

/// <summary>
/// A random, well-formed design made from a seed: mixed widths, signed and unsigned values,
/// registers with and without reset under When/ElseWhen/Otherwise chains (nested ones too), a memory (indexed by values and by
/// products of narrower ones), muxes, static and dynamic
/// shifts, comparisons, concatenations, slices and casts. Values stay within <c>maxWidth</c> bits
/// (64 by default; wider ones run the IR simulator on big integers); with <c>fallingEdges</c> half of
/// the designs clock on the falling edge. The same seed and settings give the same design.
/// </summary>
public sealed class RandomDesign : Module
{
    private readonly Random random;
    private readonly List<Signal> pool = [];
    private readonly List<Bool> conditions = [];

    private readonly int maxWidth;

    public RandomDesign(int seed, int operations = 24, int maxWidth = 64, bool fallingEdges = false)
    {
        Seed = seed;
        random = new Random(seed);
        this.maxWidth = maxWidth;
        var style = random.Next(Domains.Length);
        Domain = fallingEdges && random.Next(2) == 0 ? FallingDomains[style] : Domains[style];

        InputList = [];
        for (var i = random.Next(2, 6); i > 0; i--)
            InputList.Add(random.Next(2) == 0 ? Input(UInt(random.Next(1, 33))) : Input(SInt(random.Next(1, 33))));
        InputList.Add(Input(Bool()));
        pool.AddRange(InputList.SkipLast(1));
        conditions.Add((Bool)InputList[^1]);

        var registers = new List<Signal>();
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var width = random.Next(1, 33);
            long? reset = random.Next(3) == 0 ? null : random.Next(0, 1 << Math.Min(width - 1, 20));
            Signal register = random.Next(2) == 0 ? Reg(UInt(width), reset) : Reg(SInt(width), reset);
            registers.Add(register);
            pool.Add(register);
        }

        for (var i = 0; i < operations; i++)
        {
            if (Operation() is { } value)
                pool.Add(value);
        }
        if (random.Next(2) == 0)
            AddMemory();

        foreach (var register in registers)
            AssignRegister(register);

        Outputs = [];
        foreach (var value in pool.Skip(pool.Count / 2).Where(_ => random.Next(3) > 0).Append(pool[^1]).Distinct())
        {
            Signal output = value.Shape.Signed ? Output(SInt(value.Width)) : Output(UInt(value.Width));
            Connect(output, value);
            Outputs.Add(output);
        }
    }

    /// <summary>One domain per reset style; each has its own clock and reset ports so a batch can mix them.</summary>
    public static ClockDomain[] Domains { get; } =
        [.. new[] { ResetKind.SyncActiveHigh, ResetKind.SyncActiveLow, ResetKind.AsyncActiveHigh, ResetKind.AsyncActiveLow }.Select(k => new ClockDomain($"fuzz{(int)k}", 100, k))];

    /// <summary>The falling-edge twin of each of <see cref="Domains"/>, with clock and reset ports of its own.</summary>
    public static ClockDomain[] FallingDomains { get; } = [.. Domains.Select(d => new ClockDomain($"{d.Name}f", d.FrequencyMHz, d.Reset, edge: ClockEdge.Falling))];

    public int Seed { get; }

    public List<Signal> InputList { get; }

    public List<Signal> Outputs { get; }

    public override string ModuleName => "Fuzz";

    private Signal? Operation()
    {
        var a = Pick();
        var b = Pick(a.Shape.Signed);
        switch (random.Next(20))
        {
            case 0 when Math.Max(a.Width, b.Width) < maxWidth:
                return a is SInt sa ? sa + (SInt)b : (UInt)a + (UInt)b;
            case 1 when Math.Max(a.Width, b.Width) < maxWidth:
                return a is SInt sb ? sb - (SInt)b : (UInt)a - (UInt)b;
            case 2 when a.Width + b.Width <= maxWidth:
                return a is SInt sc ? sc * (SInt)b : (UInt)a * (UInt)b;
            case 3:
                return random.Next(3) switch
                {
                    0 => a is SInt x ? x & (SInt)b : (UInt)a & (UInt)b,
                    1 => a is SInt y ? y | (SInt)b : (UInt)a | (UInt)b,
                    _ => a is SInt z ? z ^ (SInt)b : (UInt)a ^ (UInt)b,
                };
            case 4:
                return a is SInt s4 ? ~s4 : ~(UInt)a;
            case 5 when a.Width <= maxWidth - 8:
                var left = random.Next(0, 8);
                return a is SInt s5 ? s5 << left : (UInt)a << left;
            case 6:
                var right = random.Next(0, a.Width + 2);
                return a is SInt s6 ? s6 >> right : (UInt)a >> right;
            case 7 when a.Width <= maxWidth - 8:
                var amount = Bits(Pick(false), 3);
                return a is SInt s7 ? s7 << amount : (UInt)a << amount;
            case 8:
                var by = Bits(Pick(false), 7);
                return a is SInt s8 ? s8 >> by : (UInt)a >> by;
            case 9:
                var condition = Compare(a, b);
                conditions.Add(condition);
                return condition;
            case 10:
                return Hw.Mux(Condition(), a, b);
            case 11 when a.Width + b.Width <= maxWidth:
                return Hw.Cat(a, b);
            case 12:
                var low = random.Next(a.Width);
                return AsUInt(a)[random.Next(low, a.Width), low];
            case 13 when a.Width < maxWidth:
                var wider = random.Next(a.Width, maxWidth + 1);
                return a is SInt s13 ? s13.SignExtend(wider) : ((UInt)a).ZeroExtend(wider);
            case 14:
                var narrower = random.Next(1, a.Width + 1);
                return a is SInt s14 ? s14.Truncate(narrower) : ((UInt)a).Truncate(narrower);
            case 15:
                return a is SInt s15 ? s15.AsUInt() : ((UInt)a).AsSInt();
            case 16:
                var reduced = random.Next(3) switch { 0 => AsUInt(a).AndReduce(), 1 => AsUInt(a).OrReduce(), _ => AsUInt(a).XorReduce() };
                conditions.Add(reduced);
                return reduced;
            case 17:
                return a is SInt s17 ? s17.AddWrap((SInt)b) : ((UInt)a).SubWrap((UInt)b);
            case 18 when a is SInt s18 && a.Width < maxWidth:
                return -s18;
            case 19:
                var bit = AsUInt(a)[random.Next(a.Width)];
                conditions.Add(bit);
                return bit;
            default:
                return null;
        }
    }

    private void AddMemory()
    {
        var depthBits = random.Next(2, 6);
        var word = random.Next(1, 33);
        var signed = random.Next(2) == 0;
        var address = Index(depthBits);
        if (signed)
        {
            var memory = Mem(SInt(word), 1 << depthBits, RamStyle.Auto, name: "ram");
            When(Condition(), () => memory.Write(address, Fit<SInt>(Pick(true), word)));
            pool.Add(memory.Read(Index(depthBits), random.Next(2) == 0 ? null : Condition()));
        }
        else
        {
            var memory = Mem(UInt(word), 1 << depthBits, RamStyle.Auto, name: "ram");
            When(Condition(), () => memory.Write(address, Fit<UInt>(Pick(false), word)));
            pool.Add(memory.Read(Index(depthBits), random.Next(2) == 0 ? null : Condition()));
        }
    }

    private void AssignRegister(Signal register)
    {
        var value = Pick(register.Shape.Signed);
        switch (random.Next(5))
        {
            case 3:
                // An inner chain without an else inside an outer one with an else: the else belongs to the outer if.
                var (inner, last) = (Pick(register.Shape.Signed), Pick(register.Shape.Signed));
                When(Condition(), () => When(Condition(), () => Connect(register, value)).ElseWhen(Condition(), () => Connect(register, inner)))
                    .Otherwise(() => Connect(register, last));
                break;
            case 4:
                // Chains nested in both arms, one that ends in an else and one that does not.
                var (second, third) = (Pick(register.Shape.Signed), Pick(register.Shape.Signed));
                When(Condition(), () => When(Condition(), () => Connect(register, value)))
                    .ElseWhen(Condition(), () => When(Condition(), () => Connect(register, second)).Otherwise(() => Connect(register, third)));
                break;
            case 0:
                Connect(register, value);
                break;
            case 1:
                When(Condition(), () => Connect(register, value));
                break;
            default:
                var other = Pick(register.Shape.Signed);
                When(Condition(), () => Connect(register, value)).ElseWhen(Condition(), () => Connect(register, other));
                break;
        }
    }

    /// <summary>Assigns <paramref name="value"/> to <paramref name="target"/>, truncating on purpose when it is wider.</summary>
    private static void Connect(Signal target, Signal value)
    {
        if (target is SInt st)
            st.Assign(Fit<SInt>(value, Math.Min(value.Width, target.Width)));
        else
            ((UInt)target).Assign(Fit<UInt>(value, Math.Min(value.Width, target.Width)));
    }

    private static T Fit<T>(Signal value, int width) where T : Signal
    {
        Signal converted = typeof(T) == typeof(SInt) ? (value as SInt ?? ((UInt)value).AsSInt()) : AsUInt(value);
        if (converted.Width > width)
            converted = converted is SInt s ? s.Truncate(width) : ((UInt)converted).Truncate(width);
        return (T)converted;
    }

    private static UInt AsUInt(Signal value) => value as UInt ?? ((SInt)value).AsUInt();

    /// <summary>
    /// A memory index of at most <paramref name="bits"/> bits: a value's low bits, or a third of the time
    /// the product of two narrower ones, which Verilog sizes by itself in an index (seed 20261220).
    /// </summary>
    private UInt Index(int bits)
    {
        if (random.Next(3) > 0)
            return Bits(Pick(false), bits);
        var left = random.Next(1, bits);
        return Bits(Pick(false), left) * Bits(Pick(false), bits - left);
    }

    private static UInt Bits(Signal value, int width) => value.Width <= width ? (UInt)value : ((UInt)value).Truncate(width);

    private Bool Compare(Signal a, Signal b) => random.Next(6) switch
    {
        0 => a is SInt s0 ? s0 == (SInt)b : (UInt)a == (UInt)b,
        1 => a is SInt s1 ? s1 != (SInt)b : (UInt)a != (UInt)b,
        2 => a is SInt s2 ? s2 < (SInt)b : (UInt)a < (UInt)b,
        3 => a is SInt s3 ? s3 <= (SInt)b : (UInt)a <= (UInt)b,
        4 => a is SInt s4 ? s4 > (SInt)b : (UInt)a > (UInt)b,
        _ => a is SInt s5 ? s5 >= (SInt)b : (UInt)a >= (UInt)b,
    };

    private Bool Condition() => conditions[random.Next(conditions.Count)];

    private Signal Pick() => pool[random.Next(pool.Count)];

    private Signal Pick(bool signed)
    {
        var matching = pool.Where(p => p.Shape.Signed == signed).ToList();
        return matching.Count > 0 ? matching[random.Next(matching.Count)] : signed ? AsUInt(Pick()).AsSInt() : AsUInt(Pick());
    }
}

/// <summary>Several random designs side by side in one top, so one Verilator build checks many of them.</summary>
public sealed class FuzzBatch : Module
{
    public FuzzBatch(int firstSeed, int count, int operations = 24, int maxWidth = 64, bool fallingEdges = false)
    {
        Designs = [];
        for (var i = 0; i < count; i++)
        {
            var design = Instance(new RandomDesign(firstSeed + i, operations, maxWidth, fallingEdges), $"seed{firstSeed + i}");
            Designs.Add(design);
            foreach (var port in design.InputList)
                Forward(port, $"seed{firstSeed + i}_{port.Name}", input: true);
            foreach (var port in design.Outputs)
                Forward(port, $"seed{firstSeed + i}_{port.Name}", input: false);
        }
    }

    public List<RandomDesign> Designs { get; }

    private void Forward(Signal childPort, string name, bool input)
    {
        if (input)
        {
            Signal outer = childPort.Shape.Signed ? Input(SInt(childPort.Width), name) : Input(UInt(childPort.Width), name);
            if (childPort is SInt s)
                s.Assign((SInt)outer);
            else
                ((UInt)childPort).Assign((UInt)outer);
        }
        else
        {
            Signal outer = childPort.Shape.Signed ? Output(SInt(childPort.Width), name) : Output(UInt(childPort.Width), name);
            if (outer is SInt s)
                s.Assign((SInt)childPort);
            else
                ((UInt)outer).Assign((UInt)childPort);
        }
    }
}
