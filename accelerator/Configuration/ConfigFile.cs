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
        if (Directory.Exists(path))
            throw new ConfigException(path, [new ConfigProblem("file", "is a folder, not a JSON configuration file")]);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
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
            throw new ConfigException(source, [new ConfigProblem(field, Describe(e, field) + where)]);
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
            VectorLanes = overrides.VectorLanes ?? basis.VectorLanes,
            WeightPorts = overrides.WeightPorts ?? basis.WeightPorts,
            ActivationTableSlots = overrides.ActivationTableSlots ?? basis.ActivationTableSlots,
            GroupPblocks = overrides.GroupPblocks ?? basis.GroupPblocks,
            Part = part!,
        }).Validated(source);
    }

    /// <summary>The fields a configuration file may set, as they are written in it.</summary>
    public static IReadOnlyList<string> Fields { get; } = [.. typeof(Overrides).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))];

    /// <summary>The serializer's complaint in the user's words: the field and what it takes, no .NET type names.</summary>
    private static string Describe(JsonException e, string field)
    {
        // Only the name as a file writes it: a field in another case ("WeightBufferKiB") is one the serializer does not know.
        var property = typeof(Overrides).GetProperties().FirstOrDefault(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name) == field);
        if (property is null && field != "(document)")
        {
            var closest = Fields.MinBy(f => EditDistance(f.ToLowerInvariant(), field.ToLowerInvariant()))!;
            var hint = EditDistance(closest.ToLowerInvariant(), field.ToLowerInvariant()) <= 3 ? $"; did you mean '{closest}'?" : $"; known: {string.Join(", ", Fields)}";
            return $"unknown field '{field}'{hint}";
        }
        if (property is not null)
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            return type == typeof(int) ? "must be a whole number"
                : type == typeof(double) ? "must be a number"
                : type == typeof(bool) ? "must be true or false"
                : type == typeof(string[]) ? "must be a list of texts in quotes"
                : "must be text in quotes";
        }
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return message.Contains("could not be converted", StringComparison.Ordinal) ? "is not a JSON object of configuration fields" : $"is not valid JSON: {(cut > 0 ? message[..cut] : message).ReplaceLineEndings(" ")}";
    }

    /// <summary>Levenshtein distance, for suggesting the field a misspelt name meant.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
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

        public int? VectorLanes { get; init; }

        public int? WeightPorts { get; init; }

        public int? ActivationTableSlots { get; init; }

        public string? Part { get; init; }

        public string[]? GroupPblocks { get; init; }
    }
}
