using DiffAcc.Hdl;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Sim.Tests;

/// <summary>
/// A small AXI system for the harness's own tests: the host writes SRC (0x08), DST (0x0C) and BEATS
/// (0x10) and starts it (0x00); it copies BEATS 16-byte beats one burst of up to 4 beats at a time
/// (read the burst into a queue, then write it), and raises the interrupt. <see cref="Fault"/> breaks
/// one AXI rule on purpose, so a test can show the harness reports it.
/// </summary>
public sealed class AxiCopy : Module
{
    public enum Fault
    {
        None,
        WriteBeforeAddress,
        ReadAddressDropped,
        NoLast,
    }

    public AxiCopy(Fault fault = Fault.None)
    {
        var shape = new Axi4Shape(32, 128);
        Memory = Output(Axi4.Of(shape), name: "m_axi_mem");
        Control = Input(AxiLite.Of(8), name: "s_axi_control");
        Interrupt = Output(Bool(), name: "irq");

        // Registers: written when both AW and W are valid, answered on B.
        var source = Reg(UInt(32), reset: 0, name: "source");
        var target = Reg(UInt(32), reset: 0, name: "target");
        var beats = Reg(UInt(16), reset: 0, name: "beats");
        var busy = Reg(Bool(), reset: 0, name: "busy");
        var done = Reg(Bool(), reset: 0, name: "done");
        var writeResponse = Reg(Bool(), reset: 0, name: "write_response");
        var readValid = Reg(Bool(), reset: 0, name: "read_valid");
        var readData = Reg(UInt(32), reset: 0, name: "read_data");
        var accept = Control.AwValid & Control.WValid & !writeResponse;
        Control.AwReady.Assign(accept);
        Control.WReady.Assign(accept);
        Control.BValid.Assign(writeResponse);
        Control.BResp.Assign(0);
        When(accept, () =>
        {
            writeResponse.Assign(true);
            When(Control.AwAddr == 0x08, () => source.Assign(Control.WData));
            When(Control.AwAddr == 0x0C, () => target.Assign(Control.WData));
            When(Control.AwAddr == 0x10, () => beats.Assign(Control.WData.Truncate(16)));
        }).ElseWhen(Control.BReady, () => writeResponse.Assign(false));
        var start = accept & (Control.AwAddr == 0x00) & Control.WData[0] & !busy;
        Control.ArReady.Assign(!readValid);
        Control.RValid.Assign(readValid);
        Control.RResp.Assign(0);
        Control.RData.Assign(readData);
        When(Control.ArValid & !readValid, () =>
        {
            readValid.Assign(true);
            readData.Assign(Mux(Control.ArAddr == 0x04, Cat(Lit(0, 30), done, busy), Lit(0, 32)));
        }).ElseWhen(Control.RReady, () => readValid.Assign(false));

        // The copy: read a burst into the queue, then write it out.
        var buffer = Instance(new StreamQueue<UInt>(UInt(128), 4, domain: Domain), "buffer");
        buffer.Clear.Assign(false);
        const int idle = 0, readAddress = 1, readData_ = 2, writeAddress = 3, writeData = 4, response = 5;
        var state = Reg(UInt(3), reset: idle, name: "state");
        var burst = Reg(UInt(3), name: "burst");
        var sent = Reg(UInt(3), name: "sent");
        var left = beats;
        var burstBeats = Mux(left > 4, Lit(4, 3), left.Truncate(3));
        Memory.Read!.Ar.Payload.AssignIncrementingBurst(source, (burstBeats - 1).Truncate(3), shape);
        var arValid = state == readAddress;
        if (fault == Fault.ReadAddressDropped)
        {
            // ARVALID for one cycle only, whether or not the slave took it.
            var shown = Reg(Bool(), reset: 0, name: "shown");
            shown.Assign(arValid);
            arValid = arValid & !shown;
        }
        Memory.Read!.Ar.Valid.Assign(arValid);
        Memory.Read!.R.Ready.Assign(state == readData_);
        buffer.In.Valid.Assign(Memory.Read!.R.Valid & (state == readData_));
        buffer.In.Payload.Assign(Memory.Read!.R.Payload.Data);
        Memory.Write!.Aw.Payload.AssignIncrementingBurst(target, (burst - 1).Truncate(3), shape);
        // The fault raises WVALID a cycle before AWVALID: a beat before its address.
        Memory.Write!.Aw.Valid.Assign(fault == Fault.WriteBeforeAddress ? (state == writeAddress) & RegNext(state == writeAddress, reset: 0, name: "address_late") : state == writeAddress);
        var writing = fault == Fault.WriteBeforeAddress ? (state == writeAddress) | (state == writeData) : state == writeData;
        Memory.Write!.W.Valid.Assign(writing & buffer.Out.Valid);
        Memory.Write!.W.Payload.Data.Assign(buffer.Out.Payload);
        Memory.Write!.W.Payload.Strb.Assign(Lit(0xFFFF, 16));
        Memory.Write!.W.Payload.Last.Assign(fault == Fault.NoLast ? Hw.False : sent == (burst - 1).Truncate(3));
        buffer.Out.Ready.Assign(writing & Memory.Write!.W.Ready);
        Memory.Write!.B.Ready.Assign(state == response);

        When(state == idle, () => When(start, () =>
        {
            busy.Assign(true);
            done.Assign(false);
            state.Assign(Mux(beats == 0, Lit(idle, 3), Lit(readAddress, 3)));
        })).ElseWhen(state == readAddress, () => When(Memory.Read!.Ar.Ready, () =>
        {
            burst.Assign(burstBeats);
            state.Assign(readData_);
        })).ElseWhen(state == readData_, () => When(Memory.Read!.R.Valid & Memory.Read!.R.Payload.Last, () =>
        {
            sent.Assign(0);
            state.Assign(writeAddress);
        })).ElseWhen(state == writeAddress, () => When(Memory.Write!.Aw.Ready, () => state.Assign(writeData)))
        .ElseWhen(state == writeData, () => When(buffer.Out.Valid & Memory.Write!.W.Ready, () =>
        {
            sent.Assign((sent + 1).Truncate(3));
            When(sent == (burst - 1).Truncate(3), () => state.Assign(response));
        })).ElseWhen(state == response, () => When(Memory.Write!.B.Valid, () =>
        {
            source.Assign((source + (burst << 4)).Truncate(32));
            target.Assign((target + (burst << 4)).Truncate(32));
            beats.Assign(beats.SubWrap(burst.ZeroExtend(16)));
            When(beats == burst.ZeroExtend(16), () =>
            {
                state.Assign(idle);
                busy.Assign(false);
                done.Assign(true);
            }).Otherwise(() => state.Assign(readAddress));
        }));
        When(start & (beats == 0), () => done.Assign(true));
        Interrupt.Assign(done);
    }

    public Axi4 Memory { get; }

    public AxiLite Control { get; }

    public Bool Interrupt { get; }
}
