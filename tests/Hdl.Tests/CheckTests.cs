using DiffAcc.Hdl.Checks;

namespace DiffAcc.Hdl.Tests;

public sealed class CheckTests
{
    private static IReadOnlyList<Diagnostic> Check(Func<Module> top) => HdlFlow.For(top).Run().Diagnostics;

    private static Diagnostic Single(IReadOnlyList<Diagnostic> diagnostics, string check)
    {
        var matching = diagnostics.Where(d => d.Check == check).ToList();
        Assert.True(matching.Count == 1, $"expected one {check} diagnostic, got:\n{string.Join("\n", diagnostics)}");
        var diagnostic = matching[0];
        Assert.DoesNotContain('\n', diagnostic.Message);
        Assert.EndsWith("CheckTests.cs", diagnostic.Location.FilePath);
        Assert.StartsWith($"{diagnostic.Location.FilePath}:{diagnostic.Location.Line}: error [{check}]: ", diagnostic.ToString());
        return diagnostic;
    }

    private sealed class Truncating : Module
    {
        public Truncating()
        {
            var a = Input(UInt(8), "a");
            var y = Output(UInt(8), "y");
            y.Assign(a + a); // @mark width
            var address = Input(UInt(12), "address");
            var rdata = Output(UInt(8), "rdata");
            var mem = Mem(UInt(8), 256, name: "lut");
            rdata.Assign(mem.Read(address)); // @mark width-mem
        }
    }

    [Fact]
    public void WidthCheck_reports_implicit_truncation_with_the_line()
    {
        var diagnostics = Check(() => new Truncating()).Where(d => d.Check == nameof(WidthCheck)).ToList();
        Assert.Equal(2, diagnostics.Count);
        Assert.Equal(SourceMarker.Line("width"), diagnostics[0].Location.Line);
        Assert.Contains("implicit truncation: output 'y' of Truncating", diagnostics[0].Message);
        Assert.Contains("is 8 bits wide but is assigned a 9-bit value", diagnostics[0].Message);
        Assert.Contains(".Truncate(8)", diagnostics[0].Message);
        Assert.Equal(SourceMarker.Line("width-mem"), diagnostics[1].Location.Line);
        Assert.Contains("read address of memory 'lut'", diagnostics[1].Message);
        Assert.Contains("is 12 bits wide", diagnostics[1].Message);
    }

    private sealed class Undriven : Module
    {
        public Undriven()
        {
            Y = Output(UInt(4)); // @mark undriven
            var unused = Input(UInt(4), "unused");
            Z = Output(UInt(4));
            Z.Assign(unused);
        }

        public UInt Y { get; }

        public UInt Z { get; }
    }

    [Fact]
    public void UndrivenCheck_names_the_output_and_its_declaration()
    {
        var d = Single(Check(() => new Undriven()), nameof(UndrivenCheck));
        Assert.Equal(SourceMarker.Line("undriven"), d.Location.Line);
        Assert.Contains("no driver: output 'Y' of Undriven", d.Message);
    }

    private sealed class PassThrough : Module
    {
        public PassThrough()
        {
            In = Input(UInt(4));
            Out = Output(UInt(4));
            Out.Assign(In);
        }

        public UInt In { get; }

        public UInt Out { get; }
    }

    private sealed class Overlapping : Module
    {
        public Overlapping()
        {
            var a = Input(UInt(4), "a");
            var b = Input(UInt(4), "b");
            var y = Output(UInt(4), "y");
            y.Assign(a);
            y.Assign(b); // @mark overlap
            var child = Instance(new PassThrough(), "child");
            child.In.Assign(a);
            child.Out.Assign(b); // @mark drive-child-output
            var z = Output(UInt(4), "z");
            z.Assign(child.Out);
        }
    }

    [Fact]
    public void MultipleDriverCheck_reports_overlap_and_a_driven_instance_output()
    {
        var diagnostics = Check(() => new Overlapping()).Where(d => d.Check == nameof(MultipleDriverCheck)).ToList();
        Assert.Equal(2, diagnostics.Count);
        var driven = diagnostics.Single(d => d.Location.Line == SourceMarker.Line("drive-child-output"));
        Assert.Contains("instance output 'child_Out'", driven.Message);
        Assert.Contains("also driven by the output port 'Out'", driven.Message);
        var overlap = diagnostics.Single(d => d.Location.Line == SourceMarker.Line("overlap"));
        Assert.Contains($"already at CheckTests.cs:{SourceMarker.Line("overlap") - 1} in the same scope", overlap.Message);
    }

    private sealed class Looping : Module
    {
        public Looping()
        {
            var a = Input(UInt(4), "a");
            var first = Wire(UInt(4), "first"); // @mark loop-first
            var second = Wire(UInt(4), "second"); // @mark loop-second
            first.Assign(second & a);
            second.Assign(first);
            var y = Output(UInt(4), "y");
            y.Assign(second);
        }
    }

    [Fact]
    public void CombinationalLoopCheck_lists_the_whole_cycle_with_lines()
    {
        var d = Single(Check(() => new Looping()), nameof(CombinationalLoopCheck));
        Assert.Contains("combinational loop through 2 signal(s)", d.Message);
        Assert.Contains($"first (CheckTests.cs:{SourceMarker.Line("loop-first")})", d.Message);
        Assert.Contains($"second (CheckTests.cs:{SourceMarker.Line("loop-second")})", d.Message);
        Assert.Equal(SourceMarker.Line("loop-first"), d.Location.Line);
    }

    private sealed class LoopThroughChildren : Module
    {
        public LoopThroughChildren()
        {
            var left = Instance(new PassThrough(), "left");
            var right = Instance(new PassThrough(), "right");
            left.In.Assign(right.Out);
            right.In.Assign(left.Out);
            var y = Output(UInt(4), "y");
            y.Assign(left.Out);
        }
    }

    [Fact]
    public void CombinationalLoopCheck_follows_the_loop_across_instances()
    {
        var d = Single(Check(() => new LoopThroughChildren()), nameof(CombinationalLoopCheck));
        Assert.Contains("left/In", d.Message);
        Assert.Contains("right/Out", d.Message);
        Assert.Contains("left_Out", d.Message);
    }

    private sealed class Latching : Module
    {
        public Latching()
        {
            var c = Input(Bool(), "c");
            var a = Input(UInt(4), "a");
            var y = Output(UInt(4), "y");
            When(c, () => y.Assign(a)); // @mark latch
            var twice = Output(UInt(4), "twice");
            foreach (var bit in new[] { 0, 1 })
                When(a[bit], () => twice.Assign(a)); // @mark latch-loop
            var complete = Output(UInt(4), "complete");
            When(c, () => complete.Assign(a)).Otherwise(() => complete.Assign(0));
        }
    }

    [Fact]
    public void LatchCheck_reports_a_conditionally_assigned_output_and_accepts_an_otherwise()
    {
        var latches = Check(() => new Latching()).Where(d => d.Check == nameof(LatchCheck)).ToList();
        Assert.Equal(2, latches.Count);
        var loop = latches.Single(d => d.Location.Line == SourceMarker.Line("latch-loop"));
        // Two assignments made by one line are one place to look.
        Assert.Contains($"(at CheckTests.cs:{SourceMarker.Line("latch-loop")}) and", loop.Message);
        var d = latches.Single(d => d.Location.Line == SourceMarker.Line("latch"));
        Assert.Contains("latch: output 'y' of Latching", d.Message);
        Assert.Contains("is assigned only under some conditions", d.Message);
    }

    private sealed class AlwaysOpen : Module
    {
        public AlwaysOpen()
        {
            var d = Input(UInt(4), "d");
            var y = Output(UInt(4), "y");
            var held = Latch(UInt(4), "held"); // @mark always-open
            held.Assign(d);
            y.Assign(held);
        }
    }

    [Fact]
    public void AlwaysOpenLatchCheck_reports_a_latch_assigned_on_every_path_at_its_line()
    {
        var d = Single(Check(() => new AlwaysOpen()), nameof(AlwaysOpenLatchCheck));
        Assert.Equal(SourceMarker.Line("always-open"), d.Location.Line);
        Assert.Contains("is assigned on every path, so it never holds a value", d.Message);
    }

    private sealed class Unconnected : Module
    {
        public Unconnected()
        {
            var child = Instance(new PassThrough(), "child"); // @mark unconnected
            var y = Output(UInt(4), "y");
            y.Assign(child.Out);
        }
    }

    [Fact]
    public void UnconnectedInputCheck_names_port_instance_and_line()
    {
        var d = Single(Check(() => new Unconnected()), nameof(UnconnectedInputCheck));
        Assert.Equal(SourceMarker.Line("unconnected"), d.Location.Line);
        Assert.Contains("port 'In' of instance 'child' (PassThrough) in Unconnected is never driven", d.Message);
    }

    private sealed class DrivesOwnInput : Module
    {
        public DrivesOwnInput()
        {
            var a = Input(UInt(4), "a");
            a.Assign(3); // @mark input-driven
            var y = Output(UInt(4), "y");
            y.Assign(a);
        }
    }

    [Fact]
    public void InputDrivenCheck_reports_a_module_driving_its_own_input()
    {
        var d = Single(Check(() => new DrivesOwnInput()), nameof(InputDrivenCheck));
        Assert.Equal(SourceMarker.Line("input-driven"), d.Location.Line);
        Assert.Contains("DrivesOwnInput assigns its own input 'a'", d.Message);
    }

    private static readonly ClockDomain Fast = new("fast", 300);
    private static readonly ClockDomain Slow = new("slow", 100);

    private sealed class Crossing : Module
    {
        public Crossing(bool synchronized)
        {
            var d = Input(Bool(), "d");
            var source = Reg(Bool(), domain: Fast, name: "source");
            source.Assign(d);
            var sink = Reg(Bool(), domain: Slow, name: "sink");
            if (synchronized)
                sink.Assign(Synchronize(source, Slow, name: "source"));
            else
                sink.Assign(source); // @mark cdc
            Out = Output(Bool());
            Out.Assign(sink);
        }

        public Bool Out { get; }
    }

    [Fact]
    public void ClockCrossingCheck_reports_an_unsynchronized_crossing_and_accepts_a_synchronizer()
    {
        var d = Single(Check(() => new Crossing(false)), nameof(ClockCrossingCheck));
        Assert.Equal(SourceMarker.Line("cdc"), d.Location.Line);
        Assert.Contains("register 'sink' in Crossing is clocked by 'slow' but reads 'source' of domain 'fast'", d.Message);
        Assert.Empty(Check(() => new Crossing(true)));
    }

    private sealed class Foreign : Module
    {
        public Foreign()
        {
            var stranger = new PassThrough();
            var y = Output(UInt(4), "y");
            y.Assign(stranger.Out); // @mark foreign
        }
    }

    [Fact]
    public void HierarchyCheck_reports_a_signal_of_a_module_that_is_not_instantiated_here()
    {
        var d = Single(Check(() => new Foreign()), nameof(HierarchyCheck));
        Assert.Equal(SourceMarker.Line("foreign"), d.Location.Line);
        Assert.Contains("belongs to PassThrough but is used in Foreign", d.Message);
    }

    private sealed class ManyFaults : Module
    {
        public ManyFaults()
        {
            var a = Input(UInt(8), "a");
            var c = Input(Bool(), "c");
            var narrow = Output(UInt(4), "narrow");
            narrow.Assign(a); // @mark many-width
            Output(UInt(4), "forgotten"); // @mark many-undriven
            var partial = Output(UInt(8), "partial");
            When(c, () => partial.Assign(a)); // @mark many-latch
        }
    }

    [Fact]
    public void A_design_with_several_faults_reports_all_of_them_in_one_run()
    {
        var result = HdlFlow.For(() => new ManyFaults()).Run();
        Assert.False(result.Succeeded);
        Assert.Empty(result.Verilog);
        var found = result.Diagnostics.Select(d => (d.Check, d.Location.Line)).ToHashSet();
        Assert.Contains((nameof(WidthCheck), SourceMarker.Line("many-width")), found);
        Assert.Contains((nameof(UndrivenCheck), SourceMarker.Line("many-undriven")), found);
        Assert.Contains((nameof(LatchCheck), SourceMarker.Line("many-latch")), found);
        Assert.Equal(3, result.Diagnostics.Count);
        var error = Assert.Throws<DesignErrorsException>(() => result.ThrowIfFailed());
        Assert.StartsWith("3 design error(s):", error.Message);
    }

    [Fact]
    public void A_literal_that_does_not_fit_names_the_line()
    {
        var error = Assert.Throws<HdlException>(() => Hw.Lit(300, 8)); // @mark literal
        Assert.Equal(SourceMarker.Line("literal"), error.Location.Line);
        Assert.Contains("300 does not fit in UInt<8>", error.Message);
    }

    [Fact]
    public void The_demonstration_design_has_no_errors()
        => Assert.Empty(Check(() => new Examples.MacArray(4, 4)));
}

/// <summary>Leaving checks out never makes the emitter crash: the flow refuses or emits.</summary>
public sealed class ChecksLeftOutTests
{
    public static TheoryData<string> Designs() => ["Truncating", "Undriven", "Overlapping", "Looping", "Latching", "Unconnected", "DrivesOwnInput"];

    [Theory]
    [MemberData(nameof(Designs))]
    public void A_flow_without_checks_refuses_with_a_located_diagnostic_or_emits(string name)
    {
        var type = typeof(CheckTests).GetNestedTypes(System.Reflection.BindingFlags.NonPublic).Single(t => t.Name == name);
        var result = HdlFlow.For(() => (Module)Activator.CreateInstance(type)!).WithChecks([]).Run();
        Assert.True(result.Succeeded ? result.Verilog.Count > 0 : result.Diagnostics.All(d => d.Location.IsKnown), string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void A_latch_is_refused_even_with_the_latch_check_left_out()
    {
        var type = typeof(CheckTests).GetNestedTypes(System.Reflection.BindingFlags.NonPublic).Single(t => t.Name == "Latching");
        var result = HdlFlow.For(() => (Module)Activator.CreateInstance(type)!).WithoutCheck<LatchCheck>().Run();
        Assert.False(result.Succeeded);
        Assert.NotEmpty(result.Diagnostics);
        Assert.All(result.Diagnostics, d => Assert.Contains("cannot be emitted", d.Message, StringComparison.Ordinal));
    }
}

/// <summary>Errors raised while a design is built (operators, slices, library modules) name the user's C# line.</summary>
public sealed class BuildErrorLocationTests
{
    private sealed class BadSlice : Module
    {
        public BadSlice()
        {
            var a = Input(UInt(8));
            Output(UInt(4), "y").Assign(a[8, 5]); // line of the error
        }
    }

    private sealed class BadShift : Module
    {
        public BadShift()
        {
            var a = Input(UInt(8));
            var amount = Input(UInt(16));
            Output(UInt(8), "y").Assign((a << amount).Resize(8)); // line of the error
        }
    }

    private sealed class NegativeLiteral : Module
    {
        public NegativeLiteral()
        {
            var a = Input(UInt(8));
            Output(UInt(9), "y").Assign(a + (-1)); // line of the error
        }
    }

    private sealed class TinyQueue : Module
    {
        public TinyQueue() => Instance(new Library.StreamQueue<UInt>(UInt(8), 1), "q"); // line of the error
    }

    [Theory]
    [InlineData(nameof(BadSlice), "do not exist")]
    [InlineData(nameof(BadShift), "dynamic left shift")]
    [InlineData(nameof(NegativeLiteral), "is negative")]
    [InlineData(nameof(TinyQueue), "at least 2 words")]
    public void The_error_names_the_users_file_and_line(string design, string message)
    {
        Func<Module> top = design switch
        {
            nameof(BadSlice) => () => new BadSlice(),
            nameof(BadShift) => () => new BadShift(),
            nameof(NegativeLiteral) => () => new NegativeLiteral(),
            _ => () => new TinyQueue(),
        };
        var error = Assert.Throws<HdlException>(() => HdlFlow.For(top).Run());
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("CheckTests.cs", error.Location.FilePath);
        var source = File.ReadAllLines(error.Location.FilePath)[error.Location.Line - 1];
        Assert.Contains("line of the error", source, StringComparison.Ordinal);
    }
}
