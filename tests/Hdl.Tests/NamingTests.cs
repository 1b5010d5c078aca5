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
        Assert.Equal(["hidden", "always_", $"wire_L{SourceMarker.Line("unnamed")}", "always_1"], module.Nets.Select(n => n.Name));
    }

    [Fact]
    public void A_stream_has_valid_ready_and_payload_with_ready_flipped()
    {
        var module = HdlFlow.For(() => new StreamAdder()).Run().ThrowIfFailed().Design.Top;
        var ports = module.Ports.Where(p => p.ClockOf is null && p.ResetOf is null).Select(p => (p.Name, p.Kind)).ToList();
        Assert.Equal(
            [("In_Valid", Ir.NetKind.Input), ("In_Ready", Ir.NetKind.Output), ("In_Payload", Ir.NetKind.Input),
             ("Out_Valid", Ir.NetKind.Output), ("Out_Ready", Ir.NetKind.Input), ("Out_Payload", Ir.NetKind.Output)],
            ports);
    }
}
