using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace DiffAcc.Cli;

/// <summary>Bounds on numeric options, checked by the parser: a value out of range is a one-line error naming the option, before any work.</summary>
internal static class OptionBounds
{
    public static Option<T> AtLeast<T>(this Option<T> option, T least) where T : INumber<T>
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (T.IsNaN(value) || value < least)
                result.AddError($"{option.Name} must be at least {least.ToString(null, CultureInfo.InvariantCulture)}, not {value.ToString(null, CultureInfo.InvariantCulture)}");
        });
        return option;
    }
}
