namespace DiffAcc.Hdl.Emit;

/// <summary>
/// Writes a set of files all or nothing: each is written beside its target first and moved into place
/// only when every one was written, so a folder that cannot be written (or a full disk) changes nothing.
/// </summary>
public static class StagedWrite
{
    /// <summary>Writes every file; on failure no target changed and the exception is rethrown.</summary>
    public static IReadOnlyList<string> Files(IEnumerable<(string Path, byte[] Contents)> files)
    {
        var staged = new List<(string Temporary, string Target)>();
        try
        {
            foreach (var (path, contents) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
                staged.Add((temporary, path));
                File.WriteAllBytes(temporary, contents);
            }
        }
        catch
        {
            foreach (var (temporary, _) in staged.Where(s => File.Exists(s.Temporary)))
                File.Delete(temporary);
            throw;
        }
        foreach (var (temporary, target) in staged)
            File.Move(temporary, target, overwrite: true);
        return [.. staged.Select(s => s.Target)];
    }
}
