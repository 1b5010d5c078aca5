using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace DiffAcc.Cli;

/// <summary>Bounds on numeric options, checked by the parser: a value out of range is a one-line error naming the option, before any work.</summary>
internal static class OptionBounds
{
    public static Option<T> AtLeast<T>(this Option<T> option, T least) where T : INumber<T>
    {
        option.Validators.Add(result => Check(result, option.Name, least));
        return option;
    }

    /// <summary>The same bound on an option that may be left out (null: the command's default).</summary>
    public static Option<T?> AtLeast<T>(this Option<T?> option, T least) where T : struct, INumber<T>
    {
        option.Validators.Add(result => Check(result, option.Name, least));
        return option;
    }

    private static void Check<T>(System.CommandLine.Parsing.OptionResult result, string name, T least) where T : INumber<T>
    {
        // A value that is not a number is the parser's own error; reading it here would throw.
        if (result.Tokens.Count == 0 || !T.TryParse(result.Tokens[^1].Value, CultureInfo.InvariantCulture, out var value))
            return;
        if (T.IsNaN(value) || value < least)
            result.AddError($"{name} must be at least {least.ToString(null, CultureInfo.InvariantCulture)}, not {value.ToString(null, CultureInfo.InvariantCulture)}");
    }
}
