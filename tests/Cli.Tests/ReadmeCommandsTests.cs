using System.CommandLine;

namespace DiffAcc.Cli.Tests;

/// <summary>The README's command list names every option each command's help shows, spelled as help spells it.</summary>
public sealed class ReadmeCommandsTests
{
    [Fact]
    public void Every_option_of_every_command_is_in_the_README_command_list()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        const string prefix = "dotnet run --project cli -c Release -- ";
        var lines = File.ReadAllLines(Path.Combine(root, "README.md")).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..]).ToList();
        var missing = new List<string>();
        foreach (var (path, command) in Leaves(DiffAccCommand.Create(), ""))
        {
            var documented = string.Join(" ", lines.Where(l => l == path || l.StartsWith(path + " ", StringComparison.Ordinal)));
            if (documented.Length == 0)
            {
                missing.Add($"{path}: no line");
                continue;
            }
            foreach (var option in command.Options.Where(o => o.Name is not "--help" && !o.Hidden))
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(documented, $@"(^|[\s\[|]){System.Text.RegularExpressions.Regex.Escape(option.Name)}([\s\]|]|$)"))
                    missing.Add($"{path} {option.Name}");
            }
        }
        Assert.True(missing.Count == 0, "not in the README's command list: " + string.Join("; ", missing));
    }

    private static IEnumerable<(string Path, Command Command)> Leaves(Command command, string path)
    {
        if (command.Subcommands.Count == 0)
        {
            yield return (path, command);
            yield break;
        }
        foreach (var sub in command.Subcommands)
        {
            foreach (var leaf in Leaves(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}"))
                yield return leaf;
        }
    }
}
