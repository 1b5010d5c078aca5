namespace DiffAcc.Cli;

/// <summary>
/// Checks, before any long work, that a command can write its output: a file whose folder exists and
/// takes new files, and that is not a folder itself; or a folder that is not a file and can be made.
/// The message names the option and the path.
/// </summary>
internal static class OutputPath
{
    /// <summary>Why <paramref name="path"/> cannot be written as a file, or null.</summary>
    public static string? FileProblem(string option, string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            return $"{option} {path} is a folder; give a file name";
        var folder = Path.GetDirectoryName(full) ?? full;
        return FolderWritable(folder) ? null : $"{option} {path}: cannot write into {folder}";
    }

    /// <summary>Why <paramref name="path"/> cannot be written as a folder of outputs, or null.</summary>
    public static string? FolderProblem(string option, string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            return $"{option} {path} is a file; give a folder";
        var existing = full;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
                return $"{option} {path}: {existing} is a file";
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        return FolderWritable(existing) ? null : $"{option} {path}: cannot write into {existing}";
    }

    /// <summary>Prints the first problem as one line and returns true when there is one.</summary>
    public static bool Refuses(params string?[] problems)
    {
        if (problems.FirstOrDefault(p => p is not null) is not { } problem)
            return false;
        Console.Error.WriteLine($"error: {problem}");
        return true;
    }

    private static bool FolderWritable(string folder)
    {
        if (!Directory.Exists(folder))
            return false;
        // Permissions alone do not say it (read-only mounts, /proc): try a file.
        var probe = Path.Combine(folder, $".diffacc-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }
}
