namespace DiffAcc.Hdl.Tests;

/// <summary>Emitted names are the C# names, made unique and legal without noise.</summary>
public sealed class NamingTests
{
    private sealed class Request : Bundle
    {
        public Request(BundleFields f)
        {
            Address = f.Field(Hw.UInt(10));
            Data = f.Field(Hw.UInt(8));
            Ack = f.Flipped(Hw.Bool());
        }

        public UInt Address { get; }

        public UInt Data { get; }

        public Bool Ack { get; }
    }

    private sealed class Named : Module
    {
        private readonly UInt hidden;

        public Named()
        {
            Req = Input(Bundle(f => new Request(f)));
            Lanes = Output(Vec(3, UInt(8)));
            hidden = Wire(UInt(8));
            hidden.Assign(Req.Data);
            var always = Wire(UInt(8), "always");
            always.Assign(hidden);
            var unnamed = Wire(UInt(8)); // @mark unnamed
            unnamed.Assign(always);
            var again = Wire(UInt(8), "always");
            again.Assign(unnamed);
            foreach (var lane in Lanes)
                lane.Assign(again);
            Req.Ack.Assign(Req.Address.OrReduce());
        }

        public Request Req { get; }

        public Vec<UInt> Lanes { get; }
    }

    [Fact]
    public void Members_bundle_fields_vec_elements_and_locals_get_readable_unique_names()
    {
        var module = HdlFlow.For(() => new Named()).Run().ThrowIfFailed().Design.Top;
        Assert.Equal(["Req_Address", "Req_Data", "Req_Ack", "Lanes_0", "Lanes_1", "Lanes_2"], module.Ports.Select(p => p.Name));
        Assert.Equal([Ir.NetKind.Input, Ir.NetKind.Input, Ir.NetKind.Output], module.Ports.Take(3).Select(p => p.Kind));
        Assert.Equal(["hidden", "always_", "unnamed", "always_1"], module.Nets.Select(n => n.Name));
    }

    private sealed class Locals : Module
    {
        public Locals()
        {
            var a = Input(UInt(8), "a");
            var b = Input(UInt(8), "b");
            Out = Output(UInt(9));
            var total = Node(a + b);
            var lanes = Wire(Vec(2, UInt(4)));
            lanes[0].Assign(a[3, 0]);
            lanes[1].Assign(b[3, 0]);
            var count = Reg(UInt(9), reset: 0);
            count.Assign(total);
            var history = Mem(UInt(9), 4);
            history.Write(lanes[0][1, 0], count);
            var last = RegNext(history.ReadAsync(lanes[1][1, 0]));
            var shown = Wire(UInt(9));
            shown.Assign(last);
            Kept = shown;
            var x = Wire(UInt(9)); var y = Wire(UInt(9)); // @mark two
            x.Assign(shown);
            y.Assign(x);
            Out.Assign(y);
        }

        public UInt Out { get; }

        /// <summary>A field: its name wins over the local's.</summary>
        public UInt Kept { get; }
    }

    [Fact]
    public void Locals_keep_their_CSharp_names_and_fields_win()
    {
        var result = HdlFlow.For(() => new Locals()).Run().ThrowIfFailed();
        var module = result.Design.Top;
        var line = SourceMarker.Line("two");
        Assert.Equal(["total", "lanes_0", "lanes_1", "count", "history_read", "last", "Kept", $"wire_L{line}", $"wire_L{line}_1"], module.Nets.Where(n => n.Kind != Ir.NetKind.MemoryReadData).Select(n => n.Name));
        Assert.Equal("history", Assert.Single(module.Memories).Name);
        var verilog = result.Verilog.Single(f => f.Name == "Locals.v").Text;
        Assert.Contains("assign total = {1'd0, a} + {1'd0, b};", verilog, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_has_payload_valid_and_ready_with_ready_flipped()
    {
        var module = HdlFlow.For(() => new StreamAdder()).Run().ThrowIfFailed().Design.Top;
        var ports = module.Ports.Where(p => p.ClockOf is null && p.ResetOf is null).Select(p => (p.Name, p.Kind)).ToList();
        Assert.Equal(
            [("In_Payload", Ir.NetKind.Input), ("In_Valid", Ir.NetKind.Input), ("In_Ready", Ir.NetKind.Output),
             ("Out_Payload", Ir.NetKind.Output), ("Out_Valid", Ir.NetKind.Output), ("Out_Ready", Ir.NetKind.Input)],
            ports);
    }

    /// <summary>Two registers whose next values slice the same sum, each built anew in C#: Verilog needs the sum named to slice it.</summary>
    private sealed class TwiceBuilt : Module
    {
        public TwiceBuilt()
        {
            A = Input(UInt(8));
            B = Input(UInt(8));
            High = Output(UInt(4));
            Low = Output(UInt(4));
            var high = Reg(UInt(4), 0, name: "high");
            var low = Reg(UInt(4), 0, name: "low");
            high.Assign((A + B)[7, 4]);
            low.Assign((A + B)[8, 5]);
            High.Assign(high);
            Low.Assign(low);
        }

        public UInt A { get; }

        public UInt B { get; }

        public UInt High { get; }

        public UInt Low { get; }
    }

    [Fact]
    public void An_expression_built_twice_is_one_temporary_named_after_what_it_reads()
    {
        var verilog = HdlFlow.For(() => new TwiceBuilt()).Run().ThrowIfFailed().Verilog.Single(f => f.Name == "TwiceBuilt.v").Text;
        var temporaries = verilog.Split('\n').Where(l => l.TrimStart().StartsWith("wire", StringComparison.Ordinal)).ToList();
        Assert.True(temporaries.Count == 1, verilog);
        Assert.Contains("A_add;", temporaries[0], StringComparison.Ordinal);
        Assert.Contains("A_add[7:4]", verilog, StringComparison.Ordinal);
        Assert.Contains("A_add[8:5]", verilog, StringComparison.Ordinal);
    }
}
