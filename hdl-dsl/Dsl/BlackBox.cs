using System.Numerics;
using System.Runtime.CompilerServices;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>
/// An external module or vendor primitive (DSP48E2, an XPM memory, a hand-written core): declare its
/// ports and parameters; it is instantiated by name and never emitted. Clock pins are ordinary
/// inputs: connect them from <c>Clock()</c> in the parent.
/// </summary>
public abstract class BlackBox : Module
{
    private readonly string verilogName;

    protected BlackBox(string verilogName, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) : base(file, line)
        => this.verilogName = verilogName;

    public sealed override string ModuleName => verilogName;

    internal SortedDictionary<string, ParameterValue> Parameters { get; } = new(StringComparer.Ordinal);

    protected void Parameter(string name, long value) => Parameters[name] = new IntParameter(value);

    protected void Parameter(string name, string value) => Parameters[name] = new StringParameter(value);

    protected void Parameter(string name, int width, BigInteger bits) => Parameters[name] = new BitsParameter(width, bits);
}
