namespace DiffAcc.Hdl.Examples;

/// <summary>The example designs the command line and the documentation use.</summary>
public static class DemoDesigns
{
    /// <summary>The default design of <c>diffacc generate</c>: a 16 x 16 int8 MAC array.</summary>
    public static HdlFlow Default => HdlFlow.For(() => new MacArray(16, 16));
}
