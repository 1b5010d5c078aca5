namespace DiffAcc.Hdl.Emit;

/// <summary>
/// Writes a set of files all or nothing: each is written beside its target first and moved into place
/// only when every one was written, so a folder that cannot be written (or a full disk) changes nothing.
/// A process that ends while a set is staged (Ctrl-C, SIGTERM, <c>Environment.Exit</c>) removes the
/// staged files and leaves the targets as they were; one that ends while a set is being moved in
/// waits for the moves, so no set is ever half in place.
/// </summary>
public static class StagedWrite
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Staged = [];
    private static bool exiting;

    static StagedWrite() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Abandon();

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
                lock (Gate)
                {
                    ThrowIfExiting();
                    Staged.Add(temporary);
                }
                staged.Add((temporary, path));
                File.WriteAllBytes(temporary, contents);
            }
        }
        catch
        {
            Discard(staged);
            throw;
        }
        lock (Gate)
        {
            ThrowIfExiting();
            foreach (var (temporary, target) in staged)
            {
                File.Move(temporary, target, overwrite: true);
                Staged.Remove(temporary);
            }
        }
        return [.. staged.Select(s => s.Target)];
    }

    private static void Discard(List<(string Temporary, string Target)> staged)
    {
        lock (Gate)
        {
            foreach (var (temporary, _) in staged)
            {
                if (File.Exists(temporary))
                    File.Delete(temporary);
                Staged.Remove(temporary);
            }
        }
    }

    private static void ThrowIfExiting()
    {
        if (exiting)
            throw new OperationCanceledException("the process is ending; nothing was written");
    }

    /// <summary>At process exit: no set starts moving in after this, and the staged files are removed.</summary>
    private static void Abandon()
    {
        lock (Gate)
        {
            exiting = true;
            foreach (var temporary in Staged)
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The process is ending; a file that cannot be removed is all that can be left.
                }
            }
            Staged.Clear();
        }
    }
}
