using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Tests;

/// <summary>The width rules of docs/hdl-dsl.md, section 3, one operator at a time.</summary>
public sealed class WidthRuleTests
{
    private sealed class Probe : Module
    {
        public Probe(Action<Probe> body) => body(this);

        public UInt U(int width) => Input(UInt(width));

        public SInt S(int width) => Input(SInt(width));
    }

    private static Shape ShapeOf(Func<Probe, Signal> make)
    {
        Shape shape = default;
        _ = new Probe(p => shape = make(p).Shape);
        return shape;
    }

    [Theory]
    [InlineData(8, 8, 9)]
    [InlineData(8, 3, 9)]
    [InlineData(1, 16, 17)]
    public void Add_and_subtract_grow_by_one_bit(int a, int b, int expected)
    {
        Assert.Equal(Shape.Unsigned(expected), ShapeOf(p => p.U(a) + p.U(b)));
        Assert.Equal(Shape.Unsigned(expected), ShapeOf(p => p.U(a) - p.U(b)));
        Assert.Equal(Shape.SignedOf(expected), ShapeOf(p => p.S(a) + p.S(b)));
        Assert.Equal(Shape.SignedOf(expected), ShapeOf(p => p.S(a) - p.S(b)));
    }

    [Fact]
    public void Every_operator_has_its_documented_width()
    {
        Assert.Equal(Shape.Unsigned(8), ShapeOf(p => p.U(8).AddWrap(p.U(5))));
        Assert.Equal(Shape.SignedOf(8), ShapeOf(p => p.S(8).SubWrap(p.S(8))));
        Assert.Equal(Shape.Unsigned(13), ShapeOf(p => p.U(8) * p.U(5)));
        Assert.Equal(Shape.SignedOf(16), ShapeOf(p => p.S(8) * p.S(8)));
        Assert.Equal(Shape.SignedOf(9), ShapeOf(p => -p.S(8)));
        Assert.Equal(Shape.Unsigned(8), ShapeOf(p => p.U(8) & p.U(3)));
        Assert.Equal(Shape.Unsigned(6), ShapeOf(p => ~p.U(6)));
        Assert.Equal(Shape.Unsigned(11), ShapeOf(p => p.U(8) << 3));
        Assert.Equal(Shape.Unsigned(5), ShapeOf(p => p.U(8) >> 3));
        Assert.Equal(Shape.Unsigned(1), ShapeOf(p => p.U(8) >> 9));
        Assert.Equal(Shape.SignedOf(6), ShapeOf(p => p.S(8) >> 2));
        Assert.Equal(Shape.Unsigned(15), ShapeOf(p => p.U(8) << p.U(3)));
        Assert.Equal(Shape.Unsigned(8), ShapeOf(p => p.U(8) >> p.U(3)));
        Assert.Equal(Shape.SignedOf(8), ShapeOf(p => p.S(8) >> p.U(3)));
        Assert.Equal(Shape.Bit, ShapeOf(p => p.U(8) < p.U(12)));
        Assert.Equal(Shape.Bit, ShapeOf(p => p.S(8) >= -4));
        Assert.Equal(Shape.Unsigned(12), ShapeOf(p => Hw.Mux(p.U(1).OrReduce(), p.U(12), p.U(4))));
        Assert.Equal(Shape.Unsigned(13), ShapeOf(p => Hw.Cat(p.U(8), p.S(5))));
        Assert.Equal(Shape.Unsigned(4), ShapeOf(p => p.U(8)[6, 3]));
        Assert.Equal(Shape.Bit, ShapeOf(p => p.U(8)[7]));
        Assert.Equal(Shape.Unsigned(5), ShapeOf(p => p.U(8).Truncate(5)));
        Assert.Equal(Shape.SignedOf(12), ShapeOf(p => p.S(8).SignExtend(12)));
        Assert.Equal(Shape.Unsigned(12), ShapeOf(p => p.U(8).ZeroExtend(12)));
        Assert.Equal(Shape.SignedOf(8), ShapeOf(p => p.U(8).AsSInt()));
        Assert.Equal(Shape.SignedOf(9), ShapeOf(p => p.U(8).ToSInt()));
        Assert.Equal(Shape.Unsigned(10), ShapeOf(p => p.U(8) + 300));
    }

    [Fact]
    public void Dropping_bits_through_an_extension_is_refused_with_the_line()
    {
        var error = Assert.Throws<HdlException>(() => new Probe(p => p.S(8).SignExtend(4))); // @mark extend
        Assert.Equal(SourceMarker.Line("extend"), error.Location.Line);
        Assert.Contains("would drop bits; use Truncate", error.Message);
    }

    [Fact]
    public void Operands_are_normalized_to_the_result_width_in_the_IR()
    {
        var shape = default(BinaryExpr);
        _ = new Probe(p => shape = (BinaryExpr)(p.S(8) + p.S(3)).Expr);
        Assert.Equal(9, shape!.Left.Width);
        Assert.Equal(9, shape.Right.Width);
        Assert.IsType<ExtendExpr>(shape.Right);
    }
}
