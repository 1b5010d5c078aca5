namespace DiffAcc.Sim;

/// <summary>A simulation could not be built or run; the message says why and what to do.</summary>
public sealed class SimulationException(string message) : Exception(message);
