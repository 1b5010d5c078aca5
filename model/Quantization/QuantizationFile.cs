using System.Text.Json;
using System.Text.Json.Serialization;
using DiffAcc.Model.Numerics;
using DiffAcc.Model.SafeTensors;

namespace DiffAcc.Model.Quantization;

/// <summary>How the scales were calibrated; recorded in the file for whoever reads it later.</summary>
public sealed record CalibrationInfo(
    [property: JsonPropertyName("criterion")] string Criterion,
    [property: JsonPropertyName("trajectories")] int Trajectories,
    [property: JsonPropertyName("sampler")] string Sampler,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("seed")] ulong Seed);

/// <summary>
/// The result of step-wise post-training quantization: per activation point, one int8 scale per step
/// group, for asymmetric points (after SiLU) one zero point per step group, and the int8 format of the
/// softmax probabilities (weights are quantized per channel from the FP32 weights, so they need no entry). The int8 model and the compiler read it;
/// docs/numerics.md, "Quantization file", describes the format.
/// </summary>
public sealed class QuantizationFile
{
    public const string Format = "diffacc-quantization";

    public const int Version = 1;

    public QuantizationFile(IReadOnlyList<StepGroup> stepGroups, IReadOnlyDictionary<string, double[]> scales, CalibrationInfo calibration, IReadOnlyDictionary<string, int[]>? zeroPoints = null, ProbabilityFormat probabilities = ProbabilityFormat.Signed, ConcatScales concat = ConcatScales.Shared)
    {
        Concat = concat;
        StepGroups = stepGroups;
        Scales = scales;
        Calibration = calibration;
        ZeroPoints = zeroPoints ?? new Dictionary<string, int[]>(StringComparer.Ordinal);
        Probabilities = probabilities;
    }

    public IReadOnlyList<StepGroup> StepGroups { get; }

    /// <summary>Point name → one scale per step group.</summary>
    public IReadOnlyDictionary<string, double[]> Scales { get; }

    public CalibrationInfo Calibration { get; }

    /// <summary>Point name → one zero point per step group, for the asymmetric points only (the others are 0).</summary>
    public IReadOnlyDictionary<string, int[]> ZeroPoints { get; }

    /// <summary>How softmax probabilities are held in int8: steps of 1/127, or of 1/255 with zero point -128.</summary>
    public ProbabilityFormat Probabilities { get; }

    /// <summary>Whether a skip concatenation's parts share its scale or keep their own (<see cref="SplitConcat"/>).</summary>
    public ConcatScales Concat { get; }

    /// <summary>The step group whose timestep range holds <paramref name="timestep"/>.</summary>
    public int GroupOf(int timestep)
    {
        for (var g = 0; g < StepGroups.Count; g++)
        {
            if (StepGroups[g].Contains(timestep))
                return g;
        }
        throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"no step group covers timestep {timestep}");
    }

    public double Scale(string point, int group) => Scales[point][group];

    public int ZeroPoint(string point, int group) => ZeroPoints.TryGetValue(point, out var values) ? values[group] : 0;

    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>The file's text: what <see cref="Save"/> writes.</summary>
    public string ToJson()
    {
        var document = new Document
        {
            Format = Format,
            Version = Version,
            Bits = 8,
            Calibration = Calibration,
            StepGroups = [.. StepGroups.Select(g => new[] { g.From, g.To })],
            Scales = Scales.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            ZeroPoints = ZeroPoints.Count == 0 ? null : ZeroPoints.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            SoftmaxProbabilities = Probabilities == ProbabilityFormat.Signed ? null : FormatNames[Probabilities],
            ConcatScales = Concat == ConcatScales.Shared ? null : ConcatNames[Concat],
        };
        return JsonSerializer.Serialize(document, Options);
    }

    /// <summary>
    /// Reads a quantization file and checks it against the activation points of the model it is for
    /// (and, where given, the points that may take a zero point): every problem names the file and the field.
    /// </summary>
    public static QuantizationFile Load(string path, IReadOnlyList<string> points, IReadOnlyList<string>? asymmetric = null)
    {
        if (!File.Exists(path))
            throw new ModelFileException(path, null, "file not found");
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Options);
        }
        catch (JsonException e) when (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            throw new ModelFileException(path, e.Path, $"unknown field (line {e.LineNumber + 1})");
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, e.Path, $"not a valid quantization file (line {e.LineNumber + 1}): {e.Message.Split(" Path:")[0]}");
        }
        if (document is null)
            throw new ModelFileException(path, null, "the file holds JSON null");
        if (document.Format != Format)
            throw new ModelFileException(path, "format", $"expected \"{Format}\", found \"{document.Format}\"");
        if (document.Version != Version)
            throw new ModelFileException(path, "version", $"version {document.Version} is not supported (this build reads {Version})");
        if (document.Bits != 8)
            throw new ModelFileException(path, "bits", $"only 8-bit activations are supported, found {document.Bits}");
        if (document.Calibration is null)
            throw new ModelFileException(path, "calibration", "missing");
        var groups = ReadGroups(path, document.StepGroups);
        var problems = new List<string>();
        var scales = document.Scales ?? throw new ModelFileException(path, "scales", "missing");
        foreach (var point in points)
        {
            if (!scales.TryGetValue(point, out var values))
                problems.Add($"'scales.{point}': missing");
            else if (values.Length != groups.Count)
                problems.Add($"'scales.{point}': {values.Length} scales for {groups.Count} step groups");
            else if (Array.FindIndex(values, v => !(v > 0) || !double.IsFinite(v)) is var bad and >= 0)
                problems.Add($"'scales.{point}[{bad}]': a scale must be positive and finite, found {values[bad]}");
        }
        var known = points.ToHashSet(StringComparer.Ordinal);
        problems.AddRange(scales.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).Select(k => $"'scales.{k}': not an activation point of this model"));
        var zeroPoints = document.ZeroPoints ?? new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (point, values) in zeroPoints.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!known.Contains(point))
                problems.Add($"'zero_points.{point}': not an activation point of this model");
            else if (asymmetric is not null && !asymmetric.Contains(point))
                problems.Add($"'zero_points.{point}': only SiLU outputs take a zero point");
            else if (values.Length != groups.Count)
                problems.Add($"'zero_points.{point}': {values.Length} zero points for {groups.Count} step groups");
            else if (Array.FindIndex(values, v => v is < sbyte.MinValue or > sbyte.MaxValue) is var bad and >= 0)
                problems.Add($"'zero_points.{point}[{bad}]': a zero point is an int8 value, found {values[bad]}");
        }
        var probabilities = Named("softmax_probabilities", document.SoftmaxProbabilities, FormatNames, ProbabilityFormat.Signed, problems);
        var concat = Named("concat_scales", document.ConcatScales, ConcatNames, ConcatScales.Shared, problems);
        if (problems.Count > 0)
            throw new ModelFileException(path, null, string.Join("; ", problems));
        return new QuantizationFile(groups, scales, document.Calibration, zeroPoints, probabilities, concat);
    }

    /// <summary>The choice a named field holds (absent: <paramref name="absent"/>); an unknown name is a problem naming the field.</summary>
    private static T Named<T>(string field, string? name, Dictionary<T, string> names, T absent, List<string> problems)
        where T : struct, Enum
    {
        if (name is null)
            return absent;
        foreach (var (value, text) in names)
        {
            if (text == name)
                return value;
        }
        problems.Add($"'{field}': \"{name}\" is not one of {string.Join(", ", names.Values.Select(v => $"\"{v}\""))}");
        return absent;
    }

    private static List<StepGroup> ReadGroups(string path, int[][]? ranges)
    {
        if (ranges is null || ranges.Length == 0)
            throw new ModelFileException(path, "step_groups", "at least one step group is needed");
        var groups = new List<StepGroup>();
        for (var g = 0; g < ranges.Length; g++)
        {
            if (ranges[g] is not { Length: 2 } range || range[0] < range[1] || range[1] < 0)
                throw new ModelFileException(path, $"step_groups[{g}]", "a step group is [from, to] with from ≥ to ≥ 0");
            if (g > 0 && range[0] != groups[^1].To - 1)
                throw new ModelFileException(path, $"step_groups[{g}]", $"starts at timestep {range[0]}, but the previous group ends at {groups[^1].To}: groups must be contiguous and descending");
            groups.Add(new StepGroup(range[0], range[1]));
        }
        if (groups[^1].To != 0)
            throw new ModelFileException(path, $"step_groups[{groups.Count - 1}]", "the last step group must end at timestep 0");
        return groups;
    }

    /// <summary>The names of the probability formats in the file.</summary>
    private static readonly Dictionary<ProbabilityFormat, string> FormatNames = new()
    {
        [ProbabilityFormat.Signed] = "signed",
        [ProbabilityFormat.Unsigned] = "unsigned",
    };

    /// <summary>The names of the concatenation scalings in the file.</summary>
    private static readonly Dictionary<ConcatScales, string> ConcatNames = new()
    {
        [ConcatScales.Shared] = "shared",
        [ConcatScales.Split] = "split",
    };

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        AllowTrailingCommas = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private sealed class Document
    {
        [JsonPropertyName("format")]
        public string? Format { get; set; }

        [JsonPropertyName("version")]
        public int Version { get; set; }

        [JsonPropertyName("bits")]
        public int Bits { get; set; }

        [JsonPropertyName("calibration")]
        public CalibrationInfo? Calibration { get; set; }

        [JsonPropertyName("step_groups")]
        public int[][]? StepGroups { get; set; }

        [JsonPropertyName("scales")]
        public Dictionary<string, double[]>? Scales { get; set; }

        [JsonPropertyName("zero_points")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public Dictionary<string, int[]>? ZeroPoints { get; set; }

        [JsonPropertyName("softmax_probabilities")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? SoftmaxProbabilities { get; set; }

        [JsonPropertyName("concat_scales")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? ConcatScales { get; set; }
    }
}
