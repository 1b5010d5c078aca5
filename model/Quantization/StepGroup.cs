namespace DiffAcc.Model.Quantization;

/// <summary>A range of training timesteps, From ≥ To, that share one set of activation scales.</summary>
public sealed record StepGroup(int From, int To)
{
    public bool Contains(int timestep) => timestep <= From && timestep >= To;

    /// <summary>
    /// K groups of consecutive sampling steps (sizes differ by at most one), widened so that together
    /// they cover every timestep from <paramref name="trainSteps"/> − 1 down to 0.
    /// </summary>
    public static IReadOnlyList<(StepGroup Group, int FirstStep, int StepCount)> Partition(IReadOnlyList<int> timesteps, int groups, int trainSteps)
    {
        if (groups < 1 || groups > timesteps.Count)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"the number of step groups must be 1 to the number of steps ({timesteps.Count})");
        return Partition(timesteps, [.. Enumerable.Range(0, groups).Select(g => (timesteps.Count / groups) + (g < timesteps.Count % groups ? 1 : 0))], trainSteps);
    }

    /// <summary>Groups of the given numbers of consecutive sampling steps, widened to cover every timestep.</summary>
    public static IReadOnlyList<(StepGroup Group, int FirstStep, int StepCount)> Partition(IReadOnlyList<int> timesteps, IReadOnlyList<int> lengths, int trainSteps)
    {
        if (lengths.Count < 1 || lengths.Any(l => l < 1) || lengths.Sum() != timesteps.Count)
            throw new ArgumentException($"step group lengths [{string.Join(", ", lengths)}] must be positive and cover the {timesteps.Count} steps", nameof(lengths));
        var groups = lengths.Count;
        var result = new List<(StepGroup, int, int)>();
        var from = trainSteps - 1;
        var first = 0;
        for (var g = 0; g < groups; g++)
        {
            var count = lengths[g];
            var to = g == groups - 1 ? 0 : timesteps[first + count - 1];
            result.Add((new StepGroup(from, to), first, count));
            from = to - 1;
            first += count;
        }
        return result;
    }
}
