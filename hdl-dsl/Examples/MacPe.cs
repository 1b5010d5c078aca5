namespace DiffAcc.Hdl.Examples;

/// <summary>
/// One processing element of <see cref="MacArray"/>: a signed multiply-accumulate with the register
/// stages of a DSP48E2 (operand, product, accumulator), passing its operands on to its neighbours.
/// </summary>
public sealed class MacPe : Module
{
    public MacPe(int dataWidth = 8, int accWidth = 32)
    {
        ActIn = Input(SInt(dataWidth));
        WeightIn = Input(SInt(dataWidth));
        Clear = Input(Bool());
        ActOut = Output(SInt(dataWidth));
        WeightOut = Output(SInt(dataWidth));
        Acc = Output(SInt(accWidth));

        var act = RegNext(ActIn, name: "act");
        var weight = RegNext(WeightIn, name: "weight");
        var clear = RegNext(Clear, name: "clear");
        var product = RegNext(act * weight, name: "product");
        var clearProduct = RegNext(clear, name: "clear_product");

        // The first product after Clear starts a new sum; the accumulator wraps like the DSP's P register.
        var acc = Reg(SInt(accWidth), name: "acc");
        When(clearProduct, () => acc.Assign(product))
            .Otherwise(() => acc.Assign(acc.AddWrap(product.SignExtend(accWidth))));

        ActOut.Assign(act);
        WeightOut.Assign(weight);
        Acc.Assign(acc);
    }

    public SInt ActIn { get; }

    public SInt WeightIn { get; }

    public Bool Clear { get; }

    public SInt ActOut { get; }

    public SInt WeightOut { get; }

    public SInt Acc { get; }
}
