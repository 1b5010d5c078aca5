using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiffAcc.Accelerator.Configuration;

/// <summary>
/// Loads a configuration from JSON: a base <c>"preset"</c> (default xczu9eg) and any fields to
/// override, named as in <see cref="AcceleratorConfig"/> (camelCase). A malformed file, an unknown
/// field or a wrong type is an error naming the file, the field and the problem.
/// </summary>
public static class ConfigFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static AcceleratorConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new ConfigException(path, [new ConfigProblem("file", e.Message)]);
        }
        return Parse(text, path);
    }

    public static AcceleratorConfig Parse(string json, string source)
    {
        Overrides overrides;
        try
        {
            overrides = JsonSerializer.Deserialize<Overrides>(json, Options) ?? throw new JsonException("the file holds null, not an object");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "(document)" : e.Path.TrimStart('$', '.');
            var where = e.LineNumber is { } line ? $" (line {line + 1}, column {e.BytePositionInLine + 1})" : "";
            throw new ConfigException(source, [new ConfigProblem(field, Describe(e) + where)]);
        }
        var basis = overrides.Preset is null ? Presets.Default : Presets.All.TryGetValue(overrides.Preset, out var p) ? p
            : throw new ConfigException(source, [new ConfigProblem("preset", $"'{overrides.Preset}' is not a preset; known: {string.Join(", ", Presets.All.Keys)}")]);
        var part = basis.Part;
        if (overrides.Part is not null && !PartInfo.Known.TryGetValue(overrides.Part, out part))
            throw new ConfigException(source, [new ConfigProblem("part", $"'{overrides.Part}' is not a known part; known: {string.Join(", ", PartInfo.Known.Keys)}")]);
        return (basis with
        {
            Name = overrides.Name ?? (overrides.Preset is null ? "custom" : $"{basis.Name}+{Path.GetFileNameWithoutExtension(source)}"),
            Groups = overrides.Groups ?? basis.Groups,
            Tm = overrides.Tm ?? basis.Tm,
            Tn = overrides.Tn ?? basis.Tn,
            DspPacking = overrides.DspPacking ?? basis.DspPacking,
            AccumulatorWidth = overrides.AccumulatorWidth ?? basis.AccumulatorWidth,
            StepGroups = overrides.StepGroups ?? basis.StepGroups,
            MaxChannels = overrides.MaxChannels ?? basis.MaxChannels,
            ActivationBufferKiB = overrides.ActivationBufferKiB ?? basis.ActivationBufferKiB,
            WeightBufferKiB = overrides.WeightBufferKiB ?? basis.WeightBufferKiB,
            AccumulatorRows = overrides.AccumulatorRows ?? basis.AccumulatorRows,
            AdderLevelsPerStage = overrides.AdderLevelsPerStage ?? basis.AdderLevelsPerStage,
            ClockMHz = overrides.ClockMHz ?? basis.ClockMHz,
            Part = part!,
        }).Validated(source);
    }

    private static string Describe(JsonException e)
    {
        // The serializer's message ends with its own path and position; keep the part a person needs.
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private sealed record Overrides
    {
        public string? Preset { get; init; }

        public string? Name { get; init; }

        public int? Groups { get; init; }

        public int? Tm { get; init; }

        public int? Tn { get; init; }

        public bool? DspPacking { get; init; }

        public int? AccumulatorWidth { get; init; }

        public int? StepGroups { get; init; }

        public int? MaxChannels { get; init; }

        public int? ActivationBufferKiB { get; init; }

        public int? WeightBufferKiB { get; init; }

        public int? AccumulatorRows { get; init; }

        public int? AdderLevelsPerStage { get; init; }

        public double? ClockMHz { get; init; }

        public string? Part { get; init; }
    }
}
