using DiffAcc.Hdl.Library;
using DiffAcc.Sim;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Hdl.Tests;

/// <summary>
/// The library's interfaces under Verilator against C# models: AXI4 channel bundles connected in
/// bulk, the queue with stream ports, and pipelines over bundles; and bad connects as located errors.
/// </summary>
public sealed class StreamLibraryTests
{
    private static readonly Axi4Shape Shape = new(40, 128);

    /// <summary>A slave port wired to a master port by one bulk connect, and a read-only master by another.</summary>
    private sealed class AxiPassThrough : Module
    {
        public AxiPassThrough()
        {
            Slave = Input(Axi4.Of(Shape), name: "s_axi");
            Master = Output(Axi4.Of(Shape), name: "m_axi");
            ReadSlave = Input(Axi4.Of(Shape with { Write = false }), name: "s_axi_ro");
            ReadMaster = Output(Axi4Read.Of(Shape), name: "m_axi_ro");
            Master.ConnectFrom(Slave);
            ReadMaster.ConnectFrom(ReadSlave.Read!);
        }

        public Axi4 Slave { get; }

        public Axi4 Master { get; }

        public Axi4 ReadSlave { get; }

        public Axi4Read ReadMaster { get; }
    }

    /// <summary>The pass-through's model from AXI's names alone: every request field of m_axi_X is s_axi_X, every response field of s_axi_X is m_axi_X.</summary>
    private sealed class PassThroughModel(PortLayout ports) : ICycleModel
    {
        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            foreach (var output in ports.Outputs)
            {
                var from = output.Name.StartsWith("m_", StringComparison.Ordinal) ? "s_" + output.Name[2..] : "m_" + output.Name[2..];
                var input = ports.Inputs.Single(p => p.Name == from);
                for (var w = 0; w < output.Words; w++)
                    outputs[output.Offset + w] = inputs[input.Offset + w];
            }
        }
    }

    [Fact]
    public async Task AXI4_channels_connect_in_bulk_every_field_in_its_direction_under_Verilator()
    {
        var design = HdlFlow.For(() => new AxiPassThrough()).Run().ThrowIfFailed();
        var names = design.Design.Top.Ports.Select(p => p.Name).ToHashSet();
        foreach (var side in new[] { "s_axi", "m_axi" })
        {
            foreach (var field in new[] { "awaddr", "awlen", "awvalid", "awready", "wdata", "wstrb", "wlast", "bresp", "bready", "araddr", "arprot", "rdata", "rresp", "rlast", "rvalid", "rready" })
                Assert.Contains($"{side}_{field}", names);
        }
        Assert.DoesNotContain("m_axi_ro_awaddr", names);
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new RandomStimulus(design.Design, 11)).WithModel(new PassThroughModel(model.Layout)).WithCycles(2_000).RunAsync();
        Assert.True(result.Passed && result.ComparedWords >= 2_000L * model.Layout.Outputs.Count, string.Join("\n", result.Mismatches.Take(3)));
    }

    /// <summary>A queue of signed words between two streams.</summary>
    private sealed class QueueTop : Module
    {
        public QueueTop(int depth)
        {
            var queue = Instance(new StreamQueue<SInt>(SInt(12), depth), "queue");
            In = Input(Stream(SInt(12)));
            Out = Output(Stream(SInt(12)));
            Count = Output(UInt(queue.Count.Width));
            Clear = Input(Bool());
            queue.In.ConnectFrom(In);
            Out.ConnectFrom(queue.Out);
            Count.Assign(queue.Count);
            queue.Clear.Assign(Clear);
        }

        public Stream<SInt> In { get; }

        public Stream<SInt> Out { get; }

        public UInt Count { get; }

        public Bool Clear { get; }
    }

    /// <summary>
    /// The queue's C# model: words in order, the head visible from the second cycle after its push, and
    /// the registered-read pipeline (a word is fetched into the head register when it is empty or popped).
    /// </summary>
    private sealed class QueueModel(QueueTop dut, int depth, PortLayout ports) : ICycleModel
    {
        private readonly int reset = ports.Inputs.Single(p => p.Name == "rst").Offset;
        private readonly Queue<long> stored = new();
        private bool headValid;
        private long head;

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            var input = ports.ReadInputs(inputs);
            var output = ports.OutputRecord(outputs);
            var held = stored.Count + (headValid ? 1 : 0);
            output.Set(dut.In.Ready, held != depth);
            output.Set(dut.Out.Valid, headValid);
            // The head register is the RAM's read register: it keeps the last word fetched, valid or not.
            output.Set(dut.Out.Payload, head);
            output.Set(dut.Count, (ulong)held);
            var fetch = stored.Count > 0 && (!headValid || input.Get(dut.Out.Ready));
            if (fetch)
                head = stored.Peek();
            if (input.Get(dut.Clear) || inputs[reset] != 0)
            {
                stored.Clear();
                headValid = false;
                return;
            }
            var push = input.Get(dut.In.Valid) && held != depth;
            if (fetch)
            {
                stored.Dequeue();
                headValid = true;
            }
            else if (input.Get(dut.Out.Ready))
            {
                headValid = false;
            }
            if (push)
                stored.Enqueue(input.GetSigned(dut.In.Payload));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task StreamQueue_keeps_every_word_in_order_under_Verilator_against_its_model(int depth)
    {
        var dut = new QueueTop(depth);
        var design = HdlFlow.For(() => dut).Run().ThrowIfFailed();
        var model = await VerilatorBuild.For(design).BuildAsync();
        var result = await Cosimulation.Of(model).WithStimulus(new RandomStimulus(design.Design, depth)).WithModel(new QueueModel(dut, depth, model.Layout)).WithCycles(20_000).RunAsync();
        Assert.True(result.Passed, string.Join("\n", result.Mismatches.Take(3)));
    }

    /// <summary>A record of data fields, as a pipeline carries it.</summary>
    private sealed class Pixel : Bundle
    {
        public Pixel(BundleFields f)
        {
            Column = f.Field(Hw.UInt(12));
            Value = f.Field(Hw.SInt(8));
            Lanes = f.Field(Hw.Vec(2, Hw.UInt(3)));
            Last = f.Field(Hw.Bool());
        }

        public UInt Column { get; }

        public SInt Value { get; }

        public Vec<UInt> Lanes { get; }

        public Bool Last { get; }

        public static BundleType<Pixel> Of() => new(f => new Pixel(f));
    }

    /// <summary>A bundle delayed three enabled stages by a shift register, and one by RegNext beside it.</summary>
    private sealed class PixelDelay : Module
    {
        public PixelDelay()
        {
            In = Input(Pixel.Of());
            Advance = Input(Bool());
            Out = Output(Pixel.Of());
            Next = Output(Pixel.Of());
            Out.ConnectFrom(ShiftRegister(In, 3, enable: Advance, name: "stage"));
            Next.ConnectFrom(RegNext(In, name: "next"));
        }

        public Pixel In { get; }

        public Bool Advance { get; }

        public Pixel Out { get; }

        public Pixel Next { get; }
    }

    private sealed class PixelDelayModel(PixelDelay dut, PortLayout ports) : ICycleModel
    {
        private readonly ulong[][] stages = [new ulong[5], new ulong[5], new ulong[5]];
        private ulong[] next = new ulong[5];

        public void Step(ReadOnlySpan<ulong> inputs, Span<ulong> outputs)
        {
            var input = ports.ReadInputs(inputs);
            var output = ports.OutputRecord(outputs);
            Write(output, dut.Out, stages[2]);
            Write(output, dut.Next, next);
            var now = Read(input, dut.In);
            next = now;
            if (input.Get(dut.Advance))
            {
                stages[2] = stages[1];
                stages[1] = stages[0];
                stages[0] = now;
            }
        }

        private static ulong[] Read(ReadOnlyPortRecord input, Pixel p)
            => [input.Get(p.Column), input.Get(p.Value), input.Get(p.Lanes[0]), input.Get(p.Lanes[1]), input.Get(p.Last) ? 1UL : 0UL];

        private static void Write(PortRecord output, Pixel p, ulong[] v)
        {
            output.Set(p.Column, v[0]);
            output.Set((Signal)p.Value, v[1]);
            output.Set(p.Lanes[0], v[2]);
            output.Set(p.Lanes[1], v[3]);
            output.Set(p.Last, v[4] != 0);
        }
    }

    [Fact]
    public async Task ShiftRegister_and_RegNext_carry_a_bundle_field_by_field_under_Verilator()
    {
        var dut = new PixelDelay();
        var design = HdlFlow.For(() => dut).Run().ThrowIfFailed();
        var verilog = design.Verilog.Single(f => f.Name == "PixelDelay.v").Text;
        Assert.Contains("reg signed [7:0] stage_2_Value;", verilog, StringComparison.Ordinal);
        Assert.Contains("reg [2:0] next_Lanes_1;", verilog, StringComparison.Ordinal);
        var model = await VerilatorBuild.For(design).BuildAsync();
        // Registers without reset start unknown in the model's eyes: compare from the fourth cycle.
        var result = await Cosimulation.Of(model).WithStimulus(new RandomStimulus(design.Design, 5)).WithModel(new PixelDelayModel(dut, model.Layout)).WithCycles(5_000).WithSamplePoints(c => c >= 8).RunAsync();
        Assert.True(result.Passed && result.ComparedWords > 0, string.Join("\n", result.Mismatches.Take(3)));
    }

    private sealed class StreamIntoWrongStream : Module
    {
        public StreamIntoWrongStream()
        {
            var a = Input(Stream(UInt(8)));
            var b = Output(Stream(SInt(8)));
            b.ConnectFrom(a); // @mark wrong-stream
        }
    }

    private sealed class FullIntoReadOnly : Module
    {
        public FullIntoReadOnly()
        {
            var full = Input(Axi4.Of(Shape));
            var readOnly = Output(Axi4.Of(Shape with { Write = false }));
            readOnly.ConnectFrom(full); // @mark read-only
        }
    }

    private sealed class RegisteredStream : Module
    {
        public RegisteredStream()
        {
            var a = Input(Stream(UInt(8)));
            RegNext(a); // @mark register-stream
        }
    }

    [Theory]
    [InlineData(nameof(StreamIntoWrongStream), "wrong-stream", "cannot connect a Stream<UInt> to a Stream<SInt>")]
    [InlineData(nameof(FullIntoReadOnly), "read-only", "field Write: one side has it and the other does not")]
    [InlineData(nameof(RegisteredStream), "register-stream", "RegNext cannot register a Stream as a whole: it has a flipped field")]
    public void A_wrongly_typed_connect_is_an_error_at_the_users_line(string design, string mark, string message)
    {
        Func<Module> make = design switch
        {
            nameof(StreamIntoWrongStream) => () => new StreamIntoWrongStream(),
            nameof(FullIntoReadOnly) => () => new FullIntoReadOnly(),
            _ => () => new RegisteredStream(),
        };
        var error = Assert.Throws<HdlException>(make);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("StreamLibraryTests.cs", error.Location.FilePath, StringComparison.Ordinal);
        Assert.Equal(SourceMarker.Line(mark), error.Location.Line);
    }
}
