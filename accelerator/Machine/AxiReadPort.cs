using DiffAcc.Accelerator.Configuration;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// One engine's read bursts on a shared AXI4 read channel, from the engine's side: a burst request
/// (aligned address, 1 .. 256 beats, within a 4 KB page) held until <see cref="Ready"/>, and the data
/// beats of its bursts in order. The engine asks only for beats it has room for, so data is never refused.
/// </summary>
public sealed class AxiReadClient : Bundle
{
    public AxiReadClient(BundleFields f, int addressBits)
    {
        Valid = f.Field(Hw.Bool());
        Address = f.Field(Hw.UInt(addressBits));
        Beats = f.Field(Hw.UInt(9));
        Ready = f.Flipped(Hw.Bool());
        DataValid = f.Flipped(Hw.Bool());
        Data = f.Flipped(Hw.UInt(128));
    }

    public Bool Valid { get; }

    public UInt Address { get; }

    public UInt Beats { get; }

    public Bool Ready { get; }

    public Bool DataValid { get; }

    public UInt Data { get; }

    public static BundleType<AxiReadClient> Of(int addressBits) => new(f => new AxiReadClient(f, addressBits));
}

/// <summary>
/// The read side of an AXI4 master port shared by several engines: requests are taken in priority
/// order (client 0 first), each burst's client is remembered in order, and RREADY stays high because
/// every client asked only for data it can hold. Up to <see cref="Outstanding"/> bursts are in flight.
/// An error response pulses <see cref="Error"/> and names its client.
/// </summary>
public sealed class AxiReadPort : Module
{
    public const int Outstanding = 8;

    public AxiReadPort(AcceleratorConfig config, int clients, Axi4Shape shape)
    {
        Domain = config.ClockDomain;
        Clients = clients;
        Shape = shape;
        var tagBits = Hw.BitsFor(clients);
        Axi = Output(Axi4Read.Of(shape), name: "axi");
        Requests = Input(Hw.Vec(clients, AxiReadClient.Of(shape.AddressBits)), name: "client");
        Error = Output(Bool());
        ErrorClient = Output(UInt(tagBits));
        Idle = Output(Bool());
        Beat = Output(Bool());

        var tags = Instance(new RegisterQueue<UInt>(UInt(tagBits), Outstanding, config.ClockDomain), "tags");
        var arValid = Reg(Bool(), reset: 0, name: "ar_valid");
        var arAddress = Reg(UInt(shape.AddressBits), name: "ar_address");
        var arLength = Reg(UInt(8), name: "ar_length");
        var arClient = Reg(UInt(tagBits), name: "ar_client");
        var free = !arValid | Axi.Ar.Ready;
        // The first client asking wins when the address register is free and a tag can be kept.
        var taking = Hw.False;
        UInt chosen = Lit(0, tagBits);
        for (var c = clients - 1; c >= 0; c--)
        {
            chosen = Mux(Requests[c].Valid, Lit(c, tagBits), chosen);
            taking |= Requests[c].Valid;
        }
        var take = taking & free & (tags.Count < Outstanding - 1);
        for (var c = 0; c < clients; c++)
            Requests[c].Ready.Assign(take & (chosen == c));
        var request = Requests[0];
        UInt address = request.Address, beats = request.Beats;
        for (var c = 1; c < clients; c++)
        {
            address = Mux(chosen == c, Requests[c].Address, address);
            beats = Mux(chosen == c, Requests[c].Beats, beats);
        }
        When(take, () =>
        {
            arValid.Assign(true);
            arAddress.Assign(address);
            arLength.Assign((beats - 1).Resize(8));
            arClient.Assign(chosen);
        }).ElseWhen(Axi.Ar.Ready, () => arValid.Assign(false));
        Axi.Ar.Valid.Assign(arValid);
        Axi.Ar.Payload.AssignIncrementingBurst(arAddress, arLength, shape);
        tags.In.Valid.Assign(Axi.Ar.Fire);
        tags.In.Payload.Assign(arClient);
        tags.Clear.Assign(false);

        Axi.R.Ready.Assign(true);
        var beat = Axi.R.Valid;
        tags.Out.Ready.Assign(beat & Axi.R.Payload.Last);
        for (var c = 0; c < clients; c++)
        {
            Requests[c].DataValid.Assign(beat & (tags.Out.Payload == c));
            Requests[c].Data.Assign(Axi.R.Payload.Data);
        }
        Error.Assign(beat & (Axi.R.Payload.Resp != 0));
        ErrorClient.Assign(tags.Out.Payload);
        Idle.Assign(!arValid & (tags.Count == 0));
        Beat.Assign(beat);
        // A request is taken only while a tag can be kept, and data comes only for tagged bursts.
        Unused(Cat(tags.In.Ready, tags.Out.Valid), "tags_always_ready");
        for (var c = 0; c < clients; c++)
            Unused(Requests[c].Beats, $"beats_{c}");
    }

    public int Clients { get; }

    public Axi4Shape Shape { get; }

    public override string ModuleName => $"AxiReadPort{Clients}";

    public Axi4Read Axi { get; }

    public Vec<AxiReadClient> Requests { get; }

    /// <summary>Pulse: a read beat came with SLVERR or DECERR.</summary>
    public Bool Error { get; }

    /// <summary>The client whose burst the beat of <see cref="Error"/> belongs to.</summary>
    public UInt ErrorClient { get; }

    /// <summary>No read address waits and no burst is outstanding.</summary>
    public Bool Idle { get; }

    /// <summary>A read data beat moves this cycle.</summary>
    public Bool Beat { get; }
}
