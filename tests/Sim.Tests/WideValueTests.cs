using System.Numerics;
using DiffAcc.Hdl;
using DiffAcc.Sim.IrSim;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Values over 64 bits in the IR simulator: every operator family at 75, 128 and 203 bits, a
/// memory of 100-bit words with synchronous and asynchronous reads, agreeing with Verilator on
/// random and edge-case stimulus.
/// </summary>
public sealed class WideValueTests
{
    private sealed class WideArithmetic : Module
    {
        public WideArithmetic()
        {
            A = Input(UInt(75));
            B = Input(UInt(75));
            S = Input(SInt(75));
            T = Input(SInt(53));
            C = Input(UInt(128));
            Amount = Input(UInt(8));
            Address = Input(UInt(4));
            Write = Input(Bool());
            Sum = Output(UInt(76));
            Difference = Output(UInt(76));
            Product = Output(UInt(150));
            SignedProduct = Output(SInt(128));
            SignedSum = Output(SInt(76));
            Flags = Output(UInt(8));
            Shifted = Output(UInt(128));
            ShiftedSigned = Output(SInt(75));
            Joined = Output(UInt(203));
            Bitwise = Output(UInt(128));
            Accumulated = Output(UInt(128));
            Word = Output(UInt(100));
            WordNow = Output(UInt(100));
            Sum.Assign(A + B);
            Difference.Assign(A - B);
            Product.Assign(A * B);
            SignedProduct.Assign(S * T);
            SignedSum.Assign(S + T);
            Flags.Assign(Cat(A < B, A >= B, S < T, S >= T, A == B, C.AndReduce(), C.OrReduce(), C.XorReduce()));
            Shifted.Assign((C << Amount).Truncate(128) ^ (C >> Amount));
            ShiftedSigned.Assign(S >> Amount);
            Joined.Assign(Cat(A, C));
            Bitwise.Assign(~C & Cat(A, B[52, 0]) | (C ^ Cat(B, A[52, 0])));
            var accumulator = Reg(UInt(128), reset: 0, name: "accumulator");
            accumulator.Assign(accumulator.AddWrap(C));
            Accumulated.Assign(accumulator);
            var words = Mem(UInt(100), 16, name: "words");
            words.Write(Address, Cat(A, B[24, 0]), Write);
            Word.Assign(words.Read(Address, name: "word"));
            WordNow.Assign(words.ReadAsync(Address, name: "word_now"));
        }

        public UInt A { get; }

        public UInt B { get; }

        public SInt S { get; }

        public SInt T { get; }

        public UInt C { get; }

        public UInt Amount { get; }

        public UInt Address { get; }

        public Bool Write { get; }

        public UInt Sum { get; }

        public UInt Difference { get; }

        public UInt Product { get; }

        public SInt SignedProduct { get; }

        public SInt SignedSum { get; }

        public UInt Flags { get; }

        public UInt Shifted { get; }

        public SInt ShiftedSigned { get; }

        public UInt Joined { get; }

        public UInt Bitwise { get; }

        public UInt Accumulated { get; }

        public UInt Word { get; }

        public UInt WordNow { get; }
    }

    [Fact]
    public async Task Verilator_and_the_ir_simulator_agree_on_wide_values()
        => await SimulatorsAgree.OnRandomStimulusAsync(() => new WideArithmetic(), 12, 4000);

    [Fact]
    public void Wide_ports_poke_and_peek_as_big_integers()
    {
        var dut = new WideArithmetic();
        var sim = new IrSimulator(HdlFlow.For(() => dut).Run().ThrowIfFailed().Design);
        var a = (BigInteger.One << 74) + 12345;
        var b = (BigInteger.One << 74) - 1;
        sim.Poke(dut.A, a);
        sim.Poke(dut.B, b);
        sim.Poke(dut.S, BigInteger.MinusOne << 74);
        sim.Poke(dut.T, -1L);
        sim.Eval();
        Assert.Equal(a + b, sim.PeekWide(dut.Sum));
        Assert.Equal(a * b, sim.PeekWide(dut.Product));
        Assert.Equal(BigInteger.One << 74, sim.PeekSigned(dut.SignedProduct));
        Assert.Equal((BigInteger.MinusOne << 74) - 1, sim.PeekSigned(dut.SignedSum));
        Assert.Equal((a << 128) | sim.PeekWide(dut.C), sim.PeekWide(dut.Joined));
    }
}
