using System.Globalization;
using System.Numerics;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl;

/// <summary>
/// The initial words of a memory from a hex file as <c>$readmemh</c> reads one: hexadecimal words
/// separated by white space, <c>//</c> comments to the end of the line, underscores inside numbers.
/// Address records (<c>@...</c>), unknown digits (<c>x</c>, <c>z</c>) and more words than the memory
/// holds are errors naming the file, line and word.
/// </summary>
internal static class MemoryInitFile
{
    public static IReadOnlyList<BigInteger> Read(string path, Shape word, int depth, SourceLocation location)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HdlException($"cannot read the memory init file {path}: {e.Message}", location);
        }
        var words = new List<BigInteger>();
        for (var n = 0; n < lines.Length; n++)
        {
            var text = lines[n];
            var comment = text.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0)
                text = text[..comment];
            foreach (var token in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                var where = $"{path}:{n + 1}: word {words.Count}";
                if (token.StartsWith('@'))
                    throw new HdlException($"{where}: address records ({token}) are not supported; list every word from address 0", location);
                var digits = token.Replace("_", "", StringComparison.Ordinal);
                if (digits.Length == 0 || !digits.All(Uri.IsHexDigit))
                    throw new HdlException($"{where}: '{token}' is not a hexadecimal word", location);
                var value = BigInteger.Parse("0" + digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (value >> word.Width != BigInteger.Zero)
                    throw new HdlException($"{where}: 0x{digits} does not fit the {word.Width}-bit word", location);
                if (words.Count == depth)
                    throw new HdlException($"{where}: the memory holds {depth} words; the file has more", location);
                words.Add(value);
            }
        }
        return words;
    }

    /// <summary>The file the emitter writes beside the Verilog: one zero-padded hex word per line.</summary>
    public static string Text(IReadOnlyList<BigInteger> words, int width)
    {
        var digits = Math.Max(1, (width + 3) / 4);
        return string.Concat(words.Select(w => w.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(digits, '0')[^digits..] + "\n"));
    }
}
