using System.Buffers.Binary;
using System.Text;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Tests;

public sealed class SafeTensorsTests
{
    private static string TempFile() => Path.Combine(Directory.CreateTempSubdirectory("diffacc-st-").FullName, "weights.safetensors");

    private static byte[] File(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    [Fact]
    public void Tensors_and_metadata_round_trip()
    {
        var path = TempFile();
        var a = new Tensor([2, 3], [1, -2, 3.5f, float.MaxValue, float.Epsilon, -0f]);
        var b = new Tensor([4], [0, 1, 2, 3]);
        SafeTensorsWriter.Write(path, [("conv_in.weight", a), ("conv_in.bias", b)], new Dictionary<string, string> { ["format"] = "pt" }, [("q", [3], [-128, 0, 127], true), ("bias", [2], [int.MinValue, int.MaxValue], false)]);
        var file = SafeTensorsFile.Read(path);
        Assert.Equal(a.Data, file.GetFloat("conv_in.weight").Data);
        Assert.Equal([2, 3], file.GetFloat("conv_in.weight").Shape);
        Assert.Equal(b.Data, file.GetFloat("conv_in.bias").Data);
        Assert.Equal([-128, 0, 127], file.GetInt("q").Values);
        Assert.Equal([int.MinValue, int.MaxValue], file.GetInt("bias").Values);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(0, (8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(System.IO.File.ReadAllBytes(path))) % 8);
    }

    [Fact]
    public void Half_and_bfloat16_tensors_read_as_float()
    {
        var bytes = File("""{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}""", 6);
        var data = bytes.AsSpan(bytes.Length - 6);
        BinaryPrimitives.WriteHalfLittleEndian(data, (Half)1.5f);
        BinaryPrimitives.WriteHalfLittleEndian(data[2..], (Half)(-2f));
        BinaryPrimitives.WriteUInt16LittleEndian(data[4..], (ushort)(BitConverter.SingleToInt32Bits(3.25f) >> 16));
        var file = SafeTensorsFile.Parse("x.safetensors", bytes);
        Assert.Equal([1.5f, -2f], file.GetFloat("h").Data);
        Assert.Equal([3.25f], file.GetFloat("b").Data);
    }

    [Theory]
    [InlineData("truncated: 3 bytes")]
    [InlineData("the header claims")]
    [InlineData("bad header")]
    [InlineData("'w': unsupported dtype 'F8_E4M3'")]
    [InlineData("'w': truncated: its data ends at byte 16")]
    [InlineData("'w': shape [3] of F32 needs 12 bytes but data_offsets span 16")]
    [InlineData("'w': bad header entry")]
    public void Bad_files_name_the_file_the_tensor_and_the_problem(string problem)
    {
        byte[] bytes = problem switch
        {
            "truncated: 3 bytes" => [1, 2, 3],
            "the header claims" => HeaderLongerThanFile(),
            "bad header" => File("{\"w\": [", 0),
            "'w': unsupported dtype 'F8_E4M3'" => File("""{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", 2),
            "'w': truncated: its data ends at byte 16" => File("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8),
            "'w': shape [3] of F32 needs 12 bytes but data_offsets span 16" => File("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""", 16),
            _ => File("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", 4),
        };
        var error = Assert.Throws<ModelFileException>(() => SafeTensorsFile.Parse("unet.safetensors", bytes));
        Assert.StartsWith("unet.safetensors: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    private static byte[] HeaderLongerThanFile()
    {
        var bytes = new byte[9];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        bytes[8] = (byte)'{';
        return bytes;
    }

    [Fact]
    public void Missing_extra_and_misshaped_tensors_are_all_reported_together()
    {
        var path = TempFile();
        SafeTensorsWriter.Write(path, [("a", new Tensor([2])), ("b", new Tensor([3])), ("extra", new Tensor([1]))]);
        var error = Assert.Throws<ModelFileException>(() => SafeTensorsFile.Read(path).RequireExactly(new Dictionary<string, int[]> { ["a"] = [2], ["b"] = [4], ["c"] = [5] }));
        Assert.Contains("3 problem(s)", error.Message);
        Assert.Contains("missing tensor 'c' [5]", error.Message);
        Assert.Contains("tensor 'b' has shape [3], expected [4]", error.Message);
        Assert.Contains("unexpected tensor 'extra'", error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void Asking_for_an_absent_tensor_or_the_wrong_kind_names_it()
    {
        var path = TempFile();
        SafeTensorsWriter.Write(path, [("a", new Tensor([1]))]);
        var file = SafeTensorsFile.Read(path);
        Assert.Contains("'nope': no such tensor", Assert.Throws<ModelFileException>(() => file.GetFloat("nope")).Message);
        Assert.Contains("'a': is F32, not an integer tensor", Assert.Throws<ModelFileException>(() => file.GetInt("a")).Message);
        Assert.Contains("missing.safetensors", Assert.Throws<ModelFileException>(() => SafeTensorsFile.Read("/nonexistent/missing.safetensors")).Message);
    }
}
