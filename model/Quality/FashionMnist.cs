using System.Buffers.Binary;
using System.IO.Compression;
using DiffAcc.Model.SafeTensors;
using DiffAcc.Model.Tensors;

namespace DiffAcc.Model.Quality;

/// <summary>
/// Fashion-MNIST images from Debian's dataset-fashion-mnist (gzip'd IDX files), padded to 32x32 and
/// scaled to [-1, 1] exactly as the training script prepares them.
/// </summary>
public static class FashionMnist
{
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    public static Tensor TestImages(string folder = DefaultFolder, int? limit = null) => Read(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), limit);

    /// <summary>The class labels (0..9) of the test images.</summary>
    public static byte[] TestLabels(string folder = DefaultFolder, int? limit = null)
    {
        var path = Path.Combine(folder, "t10k-labels-idx1-ubyte.gz");
        var bytes = Decompress(path);
        // IDX: magic 0x00000801 (unsigned bytes, 1 dimension), then the big-endian count.
        if (bytes.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x801 || bytes.Length != 8 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)))
            throw new ModelFileException(path, null, "not an IDX file of 8-bit labels");
        return bytes[8..Math.Min(bytes.Length, 8 + (limit ?? bytes.Length))];
    }

    private static byte[] Decompress(string path)
    {
        if (!File.Exists(path))
            throw new ModelFileException(path, null, "file not found (Debian: apt-get install dataset-fashion-mnist)");
        try
        {
            using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(path, null, $"not a gzip file: {e.Message}");
        }
    }

    public static Tensor Read(string path, int? limit = null)
    {
        var bytes = Decompress(path).AsSpan();
        // IDX: magic 0x00000803 (unsigned bytes, 3 dimensions), then big-endian count, rows, columns.
        if (bytes.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x803)
            throw new ModelFileException(path, null, "not an IDX file of 8-bit images");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes[4..]), rows = BinaryPrimitives.ReadInt32BigEndian(bytes[8..]), columns = BinaryPrimitives.ReadInt32BigEndian(bytes[12..]);
        if (rows != 28 || columns != 28 || bytes.Length != 16 + (count * rows * columns))
            throw new ModelFileException(path, null, $"expected {count} images of 28x28 in {bytes.Length - 16} bytes");
        count = Math.Min(count, limit ?? count);
        var images = new Tensor([count, 1, 32, 32]);
        Array.Fill(images.Data, -1f);
        for (var n = 0; n < count; n++)
        {
            for (var y = 0; y < 28; y++)
            {
                for (var x = 0; x < 28; x++)
                    images.Data[(n * 1024) + ((y + 2) * 32) + x + 2] = (bytes[16 + (n * 784) + (y * 28) + x] / 127.5f) - 1f;
            }
        }
        return images;
    }
}
