namespace DiffAcc.Hdl.Emit.Verilog;

// The data a module template prints. Every decision (names, order, temporaries, enables) is made
// before these are filled; the template only lays out Verilog syntax around them.

internal sealed record DeclarationView(string Attributes, string Kind, bool Signed, string Range, string Name, string Locator, string Init = "");

internal sealed record PortView(string Attributes, string Direction, bool Signed, string Range, string Name, string Locator, string Kind = "wire");

internal sealed record AssignView(string Target, string Value, string Locator);

internal sealed record LocalparamView(string Range, string Name, string Value);

internal sealed record LatchView(string Name, string Enable, string Data, string Locator);

/// <summary>A register's always block: its reset, its clock enable, and its next value as one statement (<see cref="RegisterStatements"/>), line by line.</summary>
internal sealed record RegisterView(string Name, string Clock, string AsyncReset, string ResetCondition, string? ResetValue, string? Enable, IReadOnlyList<string> Body, string Locator);

internal sealed record CaseArmView(string Label, string Value);

/// <summary>A value printed as <c>case (Subject)</c>: one arm per member, then the default.</summary>
internal sealed record CaseView(string Subject, IReadOnlyList<CaseArmView> Arms, string Default);

internal sealed record CombinationalCaseView(string Name, CaseView Case, string Locator);

internal sealed record MemoryInitView(int Index, string Value);

internal sealed record MemoryView(string Attributes, bool Signed, string Range, string Name, int Depth, string Locator, IReadOnlyList<MemoryInitView> Init, string? InitFile, string? ClearIndex);

internal sealed record ByteLaneView(int Index, string Range);

internal sealed record MemoryWriteView(string Clock, string Memory, string Enable, string Address, string Data, IReadOnlyList<ByteLaneView> Lanes, string? ByteEnable, MemoryClearView? Clear, string Locator);

/// <summary>A memory cleared while a reset is asserted: a loop over its words in the write process.</summary>
internal sealed record MemoryClearView(string AsyncReset, string ResetCondition, string Index, int Depth, string Value);

internal sealed record MemoryReadView(string Clock, string Memory, string Enable, string Address, string Data, string Locator);

internal sealed record ParameterView(string Name, string Value);

internal sealed record ConnectionView(string Port, string Net);

internal sealed record InstanceView(string Module, string Name, IReadOnlyList<ParameterView> Parameters, IReadOnlyList<ConnectionView> Connections, string Locator);

internal sealed record ModuleView(
    string Name,
    string Source,
    IReadOnlyList<PortView> Ports,
    IReadOnlyList<LocalparamView> Localparams,
    IReadOnlyList<DeclarationView> Declarations,
    IReadOnlyList<DeclarationView> Unused,
    IReadOnlyList<DeclarationView> Temporaries,
    IReadOnlyList<MemoryView> Memories,
    IReadOnlyList<AssignView> Assigns,
    IReadOnlyList<RegisterView> Registers,
    IReadOnlyList<CombinationalCaseView> Cases,
    IReadOnlyList<LatchView> Latches,
    IReadOnlyList<MemoryWriteView> MemoryWrites,
    IReadOnlyList<MemoryReadView> MemoryReads,
    IReadOnlyList<InstanceView> Instances);
