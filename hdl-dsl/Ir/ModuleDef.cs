namespace DiffAcc.Hdl.Ir;

/// <summary>A parameter value of a black box, printed as a Verilog literal.</summary>
public abstract record ParameterValue;

public sealed record IntParameter(long Value) : ParameterValue;

public sealed record StringParameter(string Value) : ParameterValue;

/// <summary>A sized bit pattern such as <c>48'h000000000000</c>.</summary>
public sealed record BitsParameter(int Width, System.Numerics.BigInteger Value) : ParameterValue;

/// <summary>An instance of a child module inside a parent.</summary>
public sealed class InstanceDef(string name, ModuleDef definition, SourceLocation location)
{
    public string Name { get; internal set; } = name;

    public ModuleDef Definition { get; internal set; } = definition;

    public SourceLocation Location { get; } = location;

    /// <summary>Child port name to parent-side wire, in the child's port order; clock and reset ports map to the parent's.</summary>
    public List<(Net ChildPort, Net ParentNet)> Bindings { get; } = [];
}

/// <summary>One module of the elaborated design: the IR the checks, passes, simulator and emitters read.</summary>
public sealed class ModuleDef(string name, string className, SourceLocation location)
{
    public string Name { get; internal set; } = name;

    /// <summary>The C# class that generated this module.</summary>
    public string ClassName { get; } = className;

    public SourceLocation Location { get; } = location;

    /// <summary>Ports in declaration order: clock and reset ports first, then the user's ports.</summary>
    public List<Net> Ports { get; } = [];

    /// <summary>Wires, registers, memory read data and instance port wires, in creation order.</summary>
    public List<Net> Nets { get; } = [];

    public List<Statement> Body { get; } = [];

    public List<MemoryDef> Memories { get; } = [];

    public List<InstanceDef> Instances { get; } = [];

    /// <summary>The enum switches of the module and what they cover.</summary>
    public List<SwitchCoverage> Switches { get; } = [];

    public List<ClockDomain> Domains { get; } = [];

    /// <summary>Set for external modules and vendor primitives: the Verilog module name and its parameters.</summary>
    public string? BlackBoxName { get; internal set; }

    public SortedDictionary<string, ParameterValue> Parameters { get; } = new(StringComparer.Ordinal);

    public bool IsBlackBox => BlackBoxName is not null;

    public IEnumerable<Net> AllNets => Ports.Concat(Nets);

    public override string ToString() => Name;
}
