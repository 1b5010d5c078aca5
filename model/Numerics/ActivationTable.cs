namespace DiffAcc.Model.Numerics;

/// <summary>
/// An elementwise function from int8 to int8 as a 256-entry table, filled per layer and step group
/// from the input and output scales and zero points:
/// <c>T[x] = sat8(floor(f((x − z_in) · s_in) / s_out + 1/2) + z_out)</c> (docs/numerics.md, "SiLU").
/// The hardware loads the same table at run time.
/// </summary>
public sealed class ActivationTable
{
    private readonly sbyte[] entries;

    private ActivationTable(sbyte[] entries) => this.entries = entries;

    public static ActivationTable Build(Func<double, double> function, double inputScale, double outputScale, int inputZeroPoint = 0, int outputZeroPoint = 0)
    {
        if (!(inputScale > 0) || !(outputScale > 0) || !double.IsFinite(inputScale) || !double.IsFinite(outputScale))
            throw new ArgumentOutOfRangeException(nameof(inputScale), "activation scales must be positive and finite");
        var entries = new sbyte[256];
        for (var x = -128; x < 128; x++)
        {
            var y = Math.Floor((function((x - inputZeroPoint) * inputScale) / outputScale) + 0.5);
            entries[x + 128] = Saturation.ToInt8((long)Math.Clamp(y, -1e9, 1e9) + outputZeroPoint);
        }
        return new ActivationTable(entries);
    }

    /// <summary>SiLU: x · sigmoid(x).</summary>
    public static ActivationTable Silu(double inputScale, double outputScale, int inputZeroPoint = 0, int outputZeroPoint = 0)
        => Build(Silu, inputScale, outputScale, inputZeroPoint, outputZeroPoint);

    /// <summary>The least value SiLU takes, at x ≈ −1.2785: where an asymmetric range after SiLU starts.</summary>
    public const double SiluMinimum = -0.27846454276107380;

    private static double Silu(double x) => x / (1 + Math.Exp(-x));

    /// <summary>The 256 entries, indexed by the input value + 128.</summary>
    public IReadOnlyList<sbyte> Entries => entries;

    public sbyte this[sbyte x] => entries[x + 128];

    public void Apply(ReadOnlySpan<sbyte> input, Span<sbyte> output)
    {
        for (var i = 0; i < input.Length; i++)
            output[i] = entries[input[i] + 128];
    }
}
