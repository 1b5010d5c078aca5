using System.Collections.Immutable;
using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Accelerator.Isa;

/// <summary>
/// Writes programs by hand (tests) or from the compiler: an immutable builder; each <c>Add</c>
/// returns a new builder, and <see cref="Build"/> checks every instruction against the
/// configuration (fields, buffer bounds, sizes) and the program as a whole (tokens balance, it
/// ends with FINISH, no deadlock on the hardware's queues and weight banks) before it returns a program.
/// <code>
/// var program = new ProgramBuilder(config)
///     .Add(new Load { Group = 0, Rows = 64, Chunks = 1, Signal = Engines.Compute })
///     .Add(new Conv { GroupMask = 1, Wait = Engines.Load, ... })
///     .Add(new Finish())
///     .Build();
/// </code>
/// </summary>
public sealed record ProgramBuilder
{
    public ProgramBuilder(AcceleratorConfig config) => Config = config.Validated(config.Name);

    public AcceleratorConfig Config { get; }

    public ImmutableList<Instruction> Instructions { get; init; } = [];

    public int Count => Instructions.Count;

    public ProgramBuilder Add(params Instruction[] instructions) => this with { Instructions = Instructions.AddRange(instructions) };

    public ProgramBuilder Add(IEnumerable<Instruction> instructions) => this with { Instructions = Instructions.AddRange(instructions) };

    /// <summary>The checked program; a <see cref="ProgramException"/> lists every problem, each with its instruction's index and mnemonic.</summary>
    public AcceleratorProgram Build()
    {
        var problems = ProgramValidation.Check(Config, Instructions);
        if (problems.Count > 0)
            throw new ProgramException(problems);
        return new AcceleratorProgram(Instructions);
    }

    /// <summary>The program without any check: for tests that show what the hardware does with a bad one.</summary>
    public AcceleratorProgram BuildUnchecked() => new(Instructions);
}
