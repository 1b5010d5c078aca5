using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Tests;

/// <summary>Small designs that together use every construct the emitters print; their output is kept as golden files.</summary>
public static class Designs
{
    public static IReadOnlyDictionary<string, Func<Module>> All { get; } = new SortedDictionary<string, Func<Module>>(StringComparer.Ordinal)
    {
        ["Counter"] = () => new Counter(8),
        ["Operators"] = () => new Operators(),
        ["ByteRam"] = () => new ByteRam(),
        ["SineRom"] = () => new SineRom(),
        ["TwoDomains"] = () => new TwoDomains(),
        ["DspWrapper"] = () => new DspWrapper(),
        ["StreamAdder"] = () => new StreamAdder(),
    };
}

/// <summary>Up/down counter with a load, using When / ElseWhen / Otherwise and a reset value.</summary>
public sealed class Counter : Module
{
    public Counter(int width)
    {
        Load = Input(Bool());
        Up = Input(Bool());
        Down = Input(Bool());
        Value = Input(UInt(width));
        Count = Output(UInt(width));
        AtMax = Output(Bool());

        var count = Reg(UInt(width), reset: 0, name: "count");
        When(Load, () => count.Assign(Value))
            .ElseWhen(Up & !Down, () => count.Assign(count.AddWrap(Lit(1, width))))
            .ElseWhen(Down & !Up, () => count.Assign(count.SubWrap(Lit(1, width))));
        Count.Assign(count);
        AtMax.Assign(count.AndReduce());
    }

    public Bool Load { get; }

    public Bool Up { get; }

    public Bool Down { get; }

    public UInt Value { get; }

    public UInt Count { get; }

    public Bool AtMax { get; }
}

/// <summary>Every operator family once, signed and unsigned, so the printer's rules are all exercised.</summary>
public sealed class Operators : Module
{
    public Operators()
    {
        var a = Input(UInt(8), "a");
        var b = Input(UInt(8), "b");
        var s = Input(SInt(8), "s");
        var t = Input(SInt(8), "t");
        var amount = Input(UInt(3), "amount");
        var select = Input(Bool(), "select");

        Output(UInt(9), "sum").Assign(a + b);
        Output(UInt(9), "difference").Assign(a - b);
        Output(UInt(16), "product").Assign(a * b);
        Output(SInt(16), "signed_product").Assign(s * t);
        Output(SInt(17), "mac").Assign((s * t) + s);
        Output(UInt(8), "bits").Assign((a & b) | (a ^ ~b));
        Output(Bool(), "less").Assign(a < b);
        Output(Bool(), "signed_less").Assign(s < t);
        Output(Bool(), "signed_at_least").Assign(s >= -3);
        Output(Bool(), "equal").Assign(a == 42);
        Output(UInt(15), "shifted_left").Assign(a << amount);
        Output(UInt(8), "shifted_right").Assign(a >> amount);
        Output(SInt(8), "arithmetic_right").Assign(s >> amount);
        Output(UInt(11), "static_left").Assign(a << 3);
        Output(UInt(5), "static_right").Assign(a >> 3);
        Output(SInt(6), "signed_static_right").Assign(s >> 2);
        Output(UInt(8), "chosen").Assign(Mux(select, a, b));
        Output(UInt(16), "joined").Assign(Cat(a, b));
        Output(UInt(4), "middle").Assign((a + b)[6, 3]);
        Output(Bool(), "top_bit").Assign(a[7]);
        Output(Bool(), "picked_bit").Assign(a[amount]);
        Output(SInt(12), "widened").Assign(s.SignExtend(12));
        Output(SInt(9), "negated").Assign(-s);
        Output(UInt(8), "reinterpret").Assign(s.AsUInt());
        Output(Bool(), "parity").Assign(a.XorReduce());
        Output(Bool(), "any").Assign(b.OrReduce());
        Output(SInt(8), "wrapped").Assign(s.AddWrap(t));
        Output(UInt(8), "selected").Assign(Hw.VecOf(a, b, a & b, a | b).Select(amount[1, 0]));
    }
}

/// <summary>A 1024 x 32 block RAM with byte enables: one write port, one read port.</summary>
public sealed class ByteRam : Module
{
    public ByteRam(int depth = 1024, RamStyle style = RamStyle.Block)
    {
        var bits = Hw.BitsFor(depth);
        WriteEnable = Input(Bool());
        ByteEnable = Input(UInt(4));
        WriteAddress = Input(UInt(bits));
        WriteData = Input(UInt(32));
        ReadEnable = Input(Bool());
        ReadAddress = Input(UInt(bits));
        ReadData = Output(UInt(32));

        var ram = Mem(UInt(32), depth, style, byteWidth: 8, name: "ram");
        When(WriteEnable, () => ram.Write(WriteAddress, WriteData, byteEnable: ByteEnable));
        ReadData.Assign(ram.Read(ReadAddress, ReadEnable, name: "read_data"));
    }

    public Bool WriteEnable { get; }

    public UInt ByteEnable { get; }

    public UInt WriteAddress { get; }

    public UInt WriteData { get; }

    public Bool ReadEnable { get; }

    public UInt ReadAddress { get; }

    public UInt ReadData { get; }
}

/// <summary>A 16-entry signed ROM built from C# data, in distributed RAM.</summary>
public sealed class SineRom : Module
{
    public SineRom()
    {
        var contents = Enumerable.Range(0, 16).Select(i => (long)Math.Round(127 * Math.Sin(2 * Math.PI * i / 16))).ToList();
        Phase = Input(UInt(4));
        Sample = Output(SInt(8));
        var rom = Rom(SInt(8), contents, RamStyle.Distributed, name: "sine");
        Sample.Assign(rom.Read(Phase, name: "sample"));
    }

    public UInt Phase { get; }

    public SInt Sample { get; }
}

/// <summary>Two clock domains: an async active-low reset, a synchronized flag, pins for the XDC.</summary>
public sealed class TwoDomains : Module
{
    public static readonly ClockDomain Core = new("core", 300, ResetKind.SyncActiveHigh, "clk", "rst");
    public static readonly ClockDomain Bus = new("bus", 100, ResetKind.AsyncActiveLow, "bus_clk", "bus_rst_n");

    public TwoDomains()
    {
        Domain = Core;
        Start = Input(Bool());
        Busy = Output(Bool());
        Led = Output(Bool());
        Pin(Start, "AG14", "LVCMOS33");
        Pin(Led, "AL11", "LVCMOS12");

        var request = Reg(Bool(), reset: 0, domain: Bus, name: "request");
        request.Assign(Start);
        var seen = Synchronize(request, Core, name: "request");
        var busy = Reg(Bool(), reset: 0, name: "busy");
        busy.Assign(seen);
        Busy.Assign(busy);
        Led.Assign(busy);
    }

    public Bool Start { get; }

    public Bool Busy { get; }

    public Bool Led { get; }
}

/// <summary>A DSP48E2 primitive as a black box with parameters, its clock pin fed from Clock().</summary>
public sealed class Dsp48E2 : BlackBox
{
    public Dsp48E2() : base("DSP48E2")
    {
        Parameter("AREG", 1);
        Parameter("BREG", 1);
        Parameter("USE_MULT", "MULTIPLY");
        Parameter("MASK", 48, new System.Numerics.BigInteger(0x3fffffffffffL));
        CLK = Input(Bool());
        A = Input(UInt(30));
        B = Input(UInt(18));
        P = Output(UInt(48));
    }

    public Bool CLK { get; }

    public UInt A { get; }

    public UInt B { get; }

    public UInt P { get; }
}

public sealed class DspWrapper : Module
{
    public DspWrapper()
    {
        X = Input(UInt(30));
        Y = Input(UInt(18));
        Product = Output(UInt(48));
        var dsp = Instance(new Dsp48E2(), "dsp");
        dsp.CLK.Assign(Clock());
        dsp.A.Assign(X);
        dsp.B.Assign(Y);
        Product.Assign(dsp.P);
    }

    public UInt X { get; }

    public UInt Y { get; }

    public UInt Product { get; }
}

/// <summary>Valid/ready streams: adds a constant to each payload, with a skid-free registered output.</summary>
public sealed class StreamAdder : Module
{
    public StreamAdder()
    {
        In = Input(Stream(SInt(8)));
        Out = Output(Stream(SInt(9)));
        var valid = Reg(Bool(), reset: 0, name: "valid");
        var payload = Reg(SInt(9), name: "payload");
        In.Ready.Assign(!valid | Out.Ready);
        When(In.Ready, () =>
        {
            valid.Assign(In.Valid);
            payload.Assign(In.Payload + 5);
        });
        Out.Valid.Assign(valid);
        Out.Payload.Assign(payload);
    }

    public Stream<SInt> In { get; }

    public Stream<SInt> Out { get; }
}
