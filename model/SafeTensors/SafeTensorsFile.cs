using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.SafeTensors;

/// <summary>One tensor entry of a safetensors header.</summary>
public sealed record SafeTensorEntry(string Name, string DType, int[] Shape, long Begin, long End)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A safetensors file (8-byte little-endian header size, a JSON header, raw little-endian tensor
/// data), read whole and checked before use: every problem names the file and the tensor.
/// F32, F16 and BF16 tensors read as FP32; I8 and I32 read as integers.
/// </summary>
public sealed class SafeTensorsFile
{
    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F32"] = 4,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["F64"] = 8,
        ["I8"] = 1,
        ["U8"] = 1,
        ["I16"] = 2,
        ["I32"] = 4,
        ["I64"] = 8,
        ["BOOL"] = 1,
    };

    private readonly byte[] data;
    private readonly long dataStart;

    private SafeTensorsFile(string path, byte[] data, long dataStart, IReadOnlyDictionary<string, SafeTensorEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        this.data = data;
        this.dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, SafeTensorEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafeTensorsFile Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, null, e.Message);
        }
        return Parse(path, bytes);
    }

    public static SafeTensorsFile Parse(string path, byte[] bytes)
    {
        if (bytes.Length < 8)
            throw new ModelFileException(path, null, $"truncated: {bytes.Length} bytes, not even the 8-byte header size");
        var headerSize = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerSize > (ulong)(bytes.Length - 8))
            throw new ModelFileException(path, null, $"truncated or not a safetensors file: the header claims {headerSize} bytes but only {bytes.Length - 8} follow");
        var dataStart = 8 + (long)headerSize;
        var dataLength = bytes.Length - dataStart;
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerSize));
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, null, $"bad header: {e.Message}");
        }
        if (header.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelFileException(path, null, "bad header: it is not a JSON object");

        var entries = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ToString();
                }
                continue;
            }
            var entry = ParseEntry(path, property);
            if (entry.End > dataLength)
                throw new ModelFileException(path, entry.Name, $"truncated: its data ends at byte {entry.End} of the data section but the file holds {dataLength}");
            entries[entry.Name] = entry;
        }
        return new SafeTensorsFile(path, bytes, dataStart, entries, metadata);
    }

    private static SafeTensorEntry ParseEntry(string path, JsonProperty property)
    {
        var name = property.Name;
        try
        {
            var value = property.Value;
            var dtype = value.GetProperty("dtype").GetString() ?? "";
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            if (!ElementSizes.TryGetValue(dtype, out var size))
                throw new ModelFileException(path, name, $"unsupported dtype '{dtype}'");
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new ModelFileException(path, name, $"bad data_offsets [{string.Join(", ", offsets)}]");
            var entry = new SafeTensorEntry(name, dtype, shape, offsets[0], offsets[1]);
            if (shape.Any(d => d < 0) || entry.Count * size != entry.End - entry.Begin)
                throw new ModelFileException(path, name, $"shape [{string.Join(", ", shape)}] of {dtype} needs {entry.Count * size} bytes but data_offsets span {entry.End - entry.Begin}");
            return entry;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ModelFileException(path, name, $"bad header entry: {e.Message}");
        }
    }

    /// <summary>
    /// Checks that the file holds exactly these tensors with these shapes; every missing, extra and
    /// mis-shaped tensor is reported in one error. <paramref name="canonicalName"/> maps a stored
    /// name to the expected one (for files that use older names). Returns expected name to stored name.
    /// </summary>
    public IReadOnlyDictionary<string, string> RequireExactly(IReadOnlyDictionary<string, int[]> expected, Func<string, string>? canonicalName = null)
    {
        var stored = Entries.Keys.ToDictionary(n => canonicalName?.Invoke(n) ?? n, n => n, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, shape) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!stored.TryGetValue(name, out var actual))
                problems.Add($"missing tensor '{name}' [{string.Join(", ", shape)}]");
            else if (!Entries[actual].Shape.AsSpan().SequenceEqual(shape))
                problems.Add($"tensor '{actual}' has shape [{string.Join(", ", Entries[actual].Shape)}], expected [{string.Join(", ", shape)}]");
        }
        foreach (var name in stored.Keys.Where(n => !expected.ContainsKey(n)).Order(StringComparer.Ordinal))
            problems.Add($"unexpected tensor '{stored[name]}'");
        if (problems.Count > 0)
            throw new ModelFileException(Path, null, $"{problems.Count} problem(s) with the tensors: {string.Join("; ", problems)}");
        return stored;
    }

    /// <summary>A floating-point tensor as FP32.</summary>
    public Tensor GetFloat(string name)
    {
        var entry = Entry(name);
        var bytes = data.AsSpan((int)(dataStart + entry.Begin), (int)(entry.End - entry.Begin));
        var values = new float[entry.Count];
        switch (entry.DType)
        {
            case "F32":
                for (var i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case "F16":
                for (var i = 0; i < values.Length; i++)
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case "BF16":
                for (var i = 0; i < values.Length; i++)
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            default:
                throw new ModelFileException(Path, name, $"is {entry.DType}, not a floating-point tensor (F32, F16 or BF16)");
        }
        return new Tensor(entry.Shape, values);
    }

    /// <summary>An I8 or I32 tensor as 32-bit integers, with its shape.</summary>
    public (int[] Shape, int[] Values) GetInt(string name)
    {
        var entry = Entry(name);
        var bytes = data.AsSpan((int)(dataStart + entry.Begin), (int)(entry.End - entry.Begin));
        var values = new int[entry.Count];
        switch (entry.DType)
        {
            case "I8":
                for (var i = 0; i < values.Length; i++)
                    values[i] = (sbyte)bytes[i];
                break;
            case "I32":
                for (var i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                break;
            default:
                throw new ModelFileException(Path, name, $"is {entry.DType}, not an integer tensor (I8 or I32)");
        }
        return (entry.Shape, values);
    }

    private SafeTensorEntry Entry(string name)
        => Entries.TryGetValue(name, out var entry) ? entry : throw new ModelFileException(Path, name, "no such tensor in the file");
}

/// <summary>Writes safetensors files: F32 tensors (and I8/I32 integer tensors), in name order, 8-byte aligned header.</summary>
public static class SafeTensorsWriter
{
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null, IEnumerable<(string Name, int[] Shape, int[] Values, bool Int8)>? integers = null)
    {
        using var file = File.Create(path);
        Write(file, tensors, metadata, integers);
    }

    /// <summary>The file's bytes, for a caller that writes several files all or nothing.</summary>
    public static byte[] Bytes(IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null, IEnumerable<(string Name, int[] Shape, int[] Values, bool Int8)>? integers = null)
    {
        using var bytes = new MemoryStream();
        Write(bytes, tensors, metadata, integers);
        return bytes.ToArray();
    }

    private static void Write(Stream file, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata, IEnumerable<(string Name, int[] Shape, int[] Values, bool Int8)>? integers)
    {
        var items = new List<(string Name, string DType, int[] Shape, byte[] Bytes)>();
        foreach (var (name, tensor) in tensors)
        {
            var bytes = new byte[tensor.Length * 4];
            for (var i = 0; i < tensor.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), tensor.Data[i]);
            items.Add((name, "F32", tensor.Shape, bytes));
        }
        foreach (var (name, shape, values, int8) in integers ?? [])
        {
            var bytes = new byte[values.Length * (int8 ? 1 : 4)];
            for (var i = 0; i < values.Length; i++)
            {
                if (int8)
                    bytes[i] = (byte)checked((sbyte)values[i]);
                else
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
            }
            items.Add((name, int8 ? "I8" : "I32", shape, bytes));
        }
        items.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, shape, bytes) in items)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtype);
                writer.WriteStartArray("shape");
                foreach (var d in shape)
                    writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes.Length;
            }
            writer.WriteEndObject();
        }
        var header = json.ToArray();
        var padding = (8 - (header.Length % 8)) % 8;
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)(header.Length + padding));
        file.Write(size);
        file.Write(header);
        file.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        foreach (var item in items)
            file.Write(item.Bytes);
    }
}
