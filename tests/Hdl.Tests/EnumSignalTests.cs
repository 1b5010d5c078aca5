using DiffAcc.Sim.IrSim;

namespace DiffAcc.Hdl.Tests;

/// <summary>
/// Enum signals are typed: a register of an enum takes its members and values of the same enum
/// (a Mux of members included); a raw UInt or another enum's value is an error at the C# line that
/// assigns it, and decoding bits into an enum says so with <c>FromBits</c>.
/// </summary>
public sealed class EnumSignalTests
{
    public enum State
    {
        Idle,
        Run,
        Done,
        Error,
    }

    public enum Color
    {
        Red,
        Green,
    }

    private sealed class Typed : Module
    {
        public Typed()
        {
            Go = Input(Bool());
            Failed = Input(Bool());
            Opcode = Input(UInt(2));
            Current = Output(Enum<State>());
            Decoded = Output(Enum<State>());
            var state = Reg(Enum<State>(), State.Idle, name: "state");
            Switch(state)
                .Is(State.Idle, () => When(Go, () => state.Assign(State.Run)))
                .Is(State.Run, () => state.Assign(Mux(Failed, State.Error, State.Done)))
                .Is([State.Done, State.Error], () => state.Assign(Mux(Go, state, State.Idle)));
            Current.Assign(state);
            Decoded.Assign(EnumValue<State>.FromBits(Opcode));
        }

        public Bool Go { get; }

        public Bool Failed { get; }

        public UInt Opcode { get; }

        public EnumValue<State> Current { get; }

        public EnumValue<State> Decoded { get; }
    }

    private sealed class RawBits : Module
    {
        public RawBits()
        {
            Bits = Input(UInt(2));
            var state = Reg(Enum<State>(), State.Idle, name: "state");
            state.Assign(Bits); // @mark raw
        }

        public UInt Bits { get; }
    }

    private sealed class OtherEnum : Module
    {
        public OtherEnum()
        {
            Out = Output(Enum<State>());
            var color = Reg(Enum<Color>(), Color.Red, name: "color");
            color.Assign(Mux(color == Color.Red, Color.Green, Color.Red));
            Out.Assign(color); // @mark other
        }

        public EnumValue<State> Out { get; }
    }

    private sealed class MixedMux : Module
    {
        public MixedMux()
        {
            Pick = Input(Bool());
            Bits = Input(UInt(2));
            Out = Output(Enum<State>());
            // One side a member, the other raw bits: the Mux is a plain UInt.
            Out.Assign(Mux(Pick, EnumValue<State>.Of(State.Run), Bits)); // @mark mixed
        }

        public Bool Pick { get; }

        public UInt Bits { get; }

        public EnumValue<State> Out { get; }
    }

    private sealed class TooWide : Module
    {
        public TooWide()
        {
            Bits = Input(UInt(3));
            Out = Output(Enum<State>());
            Out.Assign(EnumValue<State>.FromBits(Bits)); // @mark wide
        }

        public UInt Bits { get; }

        public EnumValue<State> Out { get; }
    }

    [Fact]
    public void Members_a_mux_of_members_and_decoded_bits_assign_an_enum_register_and_print_by_name()
    {
        var result = HdlFlow.For(() => new Typed()).Run().ThrowIfFailed();
        var verilog = result.Verilog.Single(f => f.Name == "Typed.v").Text;
        Assert.Contains("Failed ? State_Error : State_Done", verilog, StringComparison.Ordinal);
        Assert.Contains("State_Run: state <= Failed ? State_Error : State_Done;", verilog, StringComparison.Ordinal);

        var dut = new Typed();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        sim.Poke("rst", 1);
        sim.Tick();
        sim.Poke("rst", 0);
        sim.Poke(dut.Go, true);
        sim.Poke(dut.Failed, true);
        sim.Poke(dut.Opcode, 2);
        sim.Tick();
        sim.Tick();
        sim.Eval();
        Assert.Equal(State.Error, (State)sim.Peek(dut.Current));
        Assert.Equal(State.Done, (State)sim.Peek(dut.Decoded));
    }

    [Fact]
    public void A_raw_UInt_assigned_to_an_enum_register_is_an_error_at_its_line()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new RawBits()).Run());
        Assert.Equal(SourceMarker.Line("raw"), error.Location.Line);
        Assert.EndsWith("EnumSignalTests.cs", error.Location.FilePath, StringComparison.Ordinal);
        Assert.Contains("'state' is of enum State but is assigned a UInt<2> value", error.Message, StringComparison.Ordinal);
        Assert.Contains("FromBits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_enums_value_is_an_error_at_its_line()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new OtherEnum()).Run());
        Assert.Equal(SourceMarker.Line("other"), error.Location.Line);
        Assert.Contains("is of enum State but is assigned a value of enum Color", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mux_of_a_member_and_raw_bits_is_no_enum_value()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new MixedMux()).Run());
        Assert.Equal(SourceMarker.Line("mixed"), error.Location.Line);
    }

    [Fact]
    public void FromBits_wider_than_the_enum_is_an_error_at_its_line()
    {
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(() => new TooWide()).Run());
        Assert.Equal(SourceMarker.Line("wide"), error.Location.Line);
        Assert.Contains("3 bits do not fit enum State (2 bits)", error.Message, StringComparison.Ordinal);
    }
}
