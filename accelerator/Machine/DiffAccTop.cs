using DiffAcc.Accelerator.Buffers;
using DiffAcc.Accelerator.Configuration;
using DiffAcc.Accelerator.Isa;
using DiffAcc.Hdl;
using DiffAcc.Hdl.Library;

namespace DiffAcc.Accelerator.Machine;

/// <summary>
/// The Diff-Acc accelerator as a Vivado IP sees it: a clock and reset, the AXI4-Lite register slave
/// <c>s_axi_control</c>, two 128-bit AXI4 masters to DDR — <c>m_axi_data</c> (instructions,
/// activations, tables, results) and the read-only <c>m_axi_weights</c> (weights, one stream for all
/// PE groups; with several weight ports also <c>m_axi_weights1</c>, ..., each reading its share of every
/// weight row) — and <c>interrupt</c>. Inside: the control registers, instruction fetch, the
/// dispatcher with its queues and token semaphores, the five engines, the activation buffers and the
/// ping-pong weight buffer. An AXI error response or the host's abort stops a program cleanly: see
/// <see cref="Dispatcher"/>.
/// </summary>
public sealed class DiffAccTop : Module
{
    /// <summary>The flow that elaborates, checks and emits <paramref name="config"/>'s machine for its part (what <c>diffacc generate</c> runs).</summary>
    public static HdlFlow Flow(AcceleratorConfig config) => HdlFlow.For(() => new DiffAccTop(config)).WithPart(config.Part.Name);

    public DiffAccTop(AcceleratorConfig config)
    {
        Config = config.Validated(config.Name);
        Domain = config.ClockDomain;
        Control = Input(AxiLite.Of(RegisterMap.AddressBits), name: "s_axi_control");
        Data = Output(Axi4.Of(MachineShape.Data), name: "m_axi_data");
        Weights = [.. Enumerable.Range(0, config.WeightPorts).Select(p => Output(Axi4.Of(MachineShape.Weights), name: WeightMaster(p)))];
        Interrupt = Output(Bool(), name: "irq");

        var registers = Instance(new ControlRegisters(config), "registers");
        registers.Bus.ConnectFrom(Control);
        Interrupt.Assign(registers.Interrupt);
        var fetch = Instance(new InstructionFetch(config), "fetch");
        var dispatcher = Instance(new Dispatcher(config), "dispatcher");
        var dataRead = Instance(new AxiReadPort(config, 2, MachineShape.Data), "data_read");
        var weightReads = Enumerable.Range(0, config.WeightPorts).Select(p => Instance(new AxiReadPort(config, 1, MachineShape.Weights), p == 0 ? "weight_read" : $"weight_read{p}")).ToList();
        var load = Instance(new LoadEngine(config), "load");
        var weight = Instance(new WeightEngine(config), "weight");
        var compute = Instance(new ComputeEngine(config), "compute");
        var vector = Instance(new VectorEngine(config), "vector");
        var store = Instance(new StoreEngine(config), "store");
        var activations = Instance(new ActivationBuffers(config), "activations");
        var weights = Instance(new WeightBuffer(config.Tm * config.Tn, config.WeightRows, config.ClockDomain), "weights");

        // Program control.
        fetch.Start.Assign(registers.Start);
        fetch.Stop.Assign(dispatcher.Stop);
        fetch.ProgramAddress.Assign(registers.ProgramAddress);
        fetch.ProgramLength.Assign(registers.ProgramLength);
        dispatcher.Start.Assign(registers.Start);
        dispatcher.Halt.Assign(fetch.Misaligned);
        dispatcher.InitialStepGroup.Assign(registers.StepGroup);
        dispatcher.FetchValid.Assign(fetch.Valid);
        fetch.Ready.Assign(dispatcher.FetchReady);
        dispatcher.FetchInstruction.Assign(fetch.Instruction);
        dispatcher.FetchIndex.Assign(fetch.Index);
        dispatcher.FetchExhausted.Assign(fetch.Exhausted);
        dispatcher.FetchClass.Assign(fetch.Class);
        load.Control.ConnectFrom(dispatcher.Engines[(int)Engine.Load]);
        weight.Control.ConnectFrom(dispatcher.Engines[(int)Engine.Weight]);
        compute.Control.ConnectFrom(dispatcher.Engines[(int)Engine.Compute]);
        vector.Control.ConnectFrom(dispatcher.Engines[(int)Engine.Vector]);
        store.Control.ConnectFrom(dispatcher.Engines[(int)Engine.Store]);
        foreach (var (bases, step) in new[] { (load.Bases, load.Step), (weight.Bases, weight.Step), (store.Bases, store.Step) })
        {
            bases.ConnectFrom(registers.Bases);
            step.Assign(registers.Step);
        }
        foreach (var (windows, isChecked) in new[] { (fetch.Windows, fetch.WindowsChecked), (load.Windows, load.WindowsChecked), (weight.Windows, weight.WindowsChecked), (store.Windows, store.WindowsChecked) })
        {
            windows.ConnectFrom(registers.Windows);
            isChecked.Assign(registers.WindowsChecked);
        }

        // DDR: the data port's reads serve the fetch first, then LOAD; its writes are STORE's; the weights port is the weight engine's.
        dataRead.Requests[0].ConnectFrom(fetch.Read);
        dataRead.Requests[1].ConnectFrom(load.Read);
        Data.Read!.ConnectFrom(dataRead.Axi);
        Data.Write!.ConnectFrom(store.Axi);
        for (var p = 0; p < config.WeightPorts; p++)
        {
            weightReads[p].Requests[0].ConnectFrom(weight.Reads[p]);
            Weights[p].Read!.ConnectFrom(weightReads[p].Axi);
        }

        // Buffers.
        activations.LoadWrite.ConnectFrom(load.Write);
        activations.StoreRead.ConnectFrom(store.Read);
        activations.WeightRead.ConnectFrom(weight.ActRead);
        activations.VectorRead.ConnectFrom(vector.Read);
        activations.VectorWrite.ConnectFrom(vector.Write);
        activations.ComputeRead.ConnectFrom(compute.ActRead);
        activations.ComputeWrite.ConnectFrom(compute.ActWrite);
        compute.ActData.ConnectFrom(activations.ReadData);
        store.ReadData.ConnectFrom(activations.ReadData);
        weight.ActData.ConnectFrom(activations.ReadData);
        vector.ReadData.ConnectFrom(activations.ReadData);
        weights.FillPort.ConnectFrom(weight.FillPort);
        weights.DrainPort.ConnectFrom(compute.Weights);
        compute.Table.ConnectFrom(load.Requantizer);
        compute.PadWrite.Assign(load.PadWrite);
        compute.PadValue.Assign(load.PadValue);
        compute.ExponentWrite.Assign(load.ExponentWrite);
        compute.ExponentA.Assign(load.ExponentA);
        compute.ExponentB.Assign(load.ExponentB);
        vector.Tables.ConnectFrom(load.Tables);
        compute.AccReadAddress.Assign(vector.AccReadAddress);
        vector.AccReadData.ConnectFrom(compute.AccReadData);

        // Faults stop the program: an error response names the engine whose transfer it ended (the data
        // port's client 0 is the fetch, client 1 LOAD), the host's abort the next instruction.
        UInt Source(int source) => Lit(source, Dispatcher.SourceBits);
        var weightError = weightReads.Aggregate(Hw.False, (error, port) => error | port.Error);
        var axiError = dataRead.Error | store.BadResponse | weightError;
        var windowError = fetch.WindowViolation | load.WindowViolation | weight.WindowViolation | store.WindowViolation;
        dispatcher.Fault.Assign(axiError | windowError | registers.Abort);
        dispatcher.FaultCode.Assign(Mux(axiError, MachineError.AxiResponse, Mux(windowError, MachineError.DmaWindow, MachineError.Aborted)));
        dispatcher.FaultSource.Assign(Mux(dataRead.Error, Mux(dataRead.ErrorClient == 0, Source(Dispatcher.FetchSource), Source((int)Engine.Load)),
            Mux(store.BadResponse, Source((int)Engine.Store), Mux(weightError, Source((int)Engine.Weight),
            Mux(load.WindowViolation, Source((int)Engine.Load), Mux(weight.WindowViolation, Source((int)Engine.Weight), Mux(store.WindowViolation, Source((int)Engine.Store), Source(Dispatcher.FetchSource))))))));
        // A weights port serves the weight engine alone.
        for (var p = 0; p < weightReads.Count; p++)
            Unused(weightReads[p].ErrorClient, $"weight_error_client{p}");
        dispatcher.Drained.Assign(weightReads.Aggregate(dataRead.Idle & store.AxiIdle, (idle, port) => idle & port.Idle));

        // Status, errors and counters.
        registers.End.Assign(dispatcher.End);
        registers.Error.Assign(dispatcher.Error | fetch.Misaligned);
        registers.ErrorCode.Assign(Mux(dispatcher.Error, dispatcher.ErrorCode, MachineError.MisalignedProgram));
        registers.ErrorPc.Assign(dispatcher.ErrorPc);
        registers.EngineState.Assign(dispatcher.EngineState);
        var counting = new Dictionary<PerformanceCounter, Bool>
        {
            [RegisterMap.Cycles] = Hw.True,
            [RegisterMap.PeBusy] = compute.Issued,
            [RegisterMap.DmaWait] = load.Waiting | weight.Waiting | store.Waiting,
            [RegisterMap.DependencyWait] = dispatcher.DependencyWait,
            [RegisterMap.VectorBusy] = vector.Control.Busy,
            [RegisterMap.BytesRead] = Hw.False,
            [RegisterMap.BytesWritten] = Hw.False,
            [RegisterMap.Instructions] = dispatcher.Dispatched,
            [RegisterMap.WeightWait] = compute.Control.Stalled,
        };
        for (var i = 0; i < RegisterMap.Counters.Count; i++)
            registers.Counting[i].Assign(counting[RegisterMap.Counters[i]]);
        // Up to one beat a cycle on each read port: the data port and every weights port.
        var beatsRead = weightReads.Aggregate(Cat(Lit(0, 2), dataRead.Beat), (sum, port) => (sum + Cat(Lit(0, 2), port.Beat)).Resize(3));
        registers.BytesRead.Assign(beatsRead << 4);
        registers.BytesWritten.Assign(store.BytesWritten);
    }

    public AcceleratorConfig Config { get; }

    public override string ModuleName => "DiffAccTop";

    public AxiLite Control { get; }

    public Axi4 Data { get; }

    /// <summary>The read-only weight masters, <c>m_axi_weights</c> then <c>m_axi_weights1</c>, ... (<see cref="AcceleratorConfig.WeightPorts"/>).</summary>
    public IReadOnlyList<Axi4> Weights { get; }

    /// <summary>The port name of weight master <paramref name="port"/>.</summary>
    public static string WeightMaster(int port) => port == 0 ? "m_axi_weights" : $"m_axi_weights{port}";

    public Bool Interrupt { get; }
}
