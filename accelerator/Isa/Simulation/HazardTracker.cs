namespace DiffAcc.Accelerator.Isa.Simulation;

/// <summary>
/// Finds accesses that the tokens do not order: for each unit of on-chip or DDR memory it keeps the
/// last writer and the last reader per engine; an access by another engine that does not happen
/// after them (by the schedule's vector clocks) is a race, because the hardware may run the two
/// instructions in either order. Units within one engine are ordered by the engine itself.
/// </summary>
public sealed class HazardTracker
{
    private const int Engines = 5;

    private readonly Dictionary<string, Space> spaces = [];

    private readonly List<string> races = [];

    /// <summary>Races found so far, each naming both instructions and the memory.</summary>
    public IReadOnlyList<string> Races => races;

    public int MaxReports { get; init; } = 20;

    public int RaceCount { get; private set; }

    public void Read(ScheduledInstruction who, string space, long first, long count)
    {
        var s = Get(space);
        for (var unit = first; unit < first + count; unit++)
        {
            var cell = s.Cell(unit);
            if (cell.Writer >= 0 && !who.After((Engine)cell.Writer, cell.WriterSequence))
                Report(who, "reads", space, unit, cell.WriterIndex, "writes");
            if (cell.ReadSequence[(int)who.Engine] < who.Sequence)
            {
                cell.ReadSequence[(int)who.Engine] = who.Sequence;
                cell.ReadIndex[(int)who.Engine] = who.Index;
            }
        }
    }

    public void Write(ScheduledInstruction who, string space, long first, long count)
    {
        var s = Get(space);
        for (var unit = first; unit < first + count; unit++)
        {
            var cell = s.Cell(unit);
            if (cell.Writer >= 0 && !who.After((Engine)cell.Writer, cell.WriterSequence))
                Report(who, "writes", space, unit, cell.WriterIndex, "writes");
            for (var e = 0; e < Engines; e++)
            {
                if (cell.ReadSequence[e] > 0 && !who.After((Engine)e, cell.ReadSequence[e]))
                    Report(who, "writes", space, unit, cell.ReadIndex[e], "reads");
            }
            cell.Writer = (int)who.Engine;
            cell.WriterSequence = who.Sequence;
            cell.WriterIndex = who.Index;
            Array.Clear(cell.ReadSequence);
        }
    }

    private void Report(ScheduledInstruction who, string verb, string space, long unit, int otherIndex, string otherVerb)
    {
        RaceCount++;
        if (races.Count < MaxReports)
            races.Add($"{who.Name} {verb} {space} unit {unit}, which instruction {otherIndex} {otherVerb}, and no token orders the two");
    }

    private Space Get(string space)
    {
        if (!spaces.TryGetValue(space, out var s))
            spaces[space] = s = new Space();
        return s;
    }

    private sealed class Space
    {
        private readonly Dictionary<long, Cell> cells = [];

        public Cell Cell(long unit)
        {
            if (!cells.TryGetValue(unit, out var cell))
                cells[unit] = cell = new Cell();
            return cell;
        }
    }

    private sealed class Cell
    {
        public int Writer = -1;
        public int WriterSequence;
        public int WriterIndex;
        public readonly int[] ReadSequence = new int[Engines];
        public readonly int[] ReadIndex = new int[Engines];
    }
}
