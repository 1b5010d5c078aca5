using DiffAcc.Hdl;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// Registers printed as if/else (<c>RegisterStatements</c>): nested conditions whose inner chain ends
/// without an else must not lend the outer else to it. Verilator runs the printed Verilog against the IR
/// simulator on random inputs, every output of every cycle.
/// </summary>
public sealed class RegisterStatementTests
{
    private sealed class Nested : Module
    {
        public Nested()
        {
            A = Input(Bool());
            B = Input(Bool());
            C = Input(Bool());
            D = Input(Bool());
            Q = Output(UInt(2));
            P = Output(UInt(2));
            var q = Reg(UInt(2), reset: 0, name: "q");
            // if (a) { if (b) q <= 1; else if (c) q <= 2; } else if (d) q <= 3;
            When(A, () => When(B, () => q.Assign(1)).ElseWhen(C, () => q.Assign(2))).ElseWhen(D, () => q.Assign(3));
            Q.Assign(q);
            var p = Reg(UInt(2), reset: 0, name: "p");
            // if (a) { if (!b) p <= 2; } else p <= 1: the kept path comes first.
            When(A, () => When(B, () => { }).Otherwise(() => p.Assign(2))).Otherwise(() => p.Assign(1));
            P.Assign(p);
        }

        public Bool A { get; }

        public Bool B { get; }

        public Bool C { get; }

        public Bool D { get; }

        public UInt Q { get; }

        public UInt P { get; }
    }

    [Fact]
    public async Task An_inner_if_without_else_keeps_to_itself_under_Verilator()
    {
        var design = await SimulatorsAgree.OnRandomStimulusAsync(() => new Nested(), seed: 5, cycles: 2000);
        var verilog = design.Verilog.Single(f => f.Name == "Nested.v").Text;
        Assert.Contains("if (A) begin", verilog, StringComparison.Ordinal);
    }
}
