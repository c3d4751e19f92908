using System.Text;

namespace AiStack.Ralph.Workspaces;

/// <summary>A workspace file as the <c>llm</c> backend's prompt lists it.</summary>
public sealed record WorkspaceFile(string Path, long Size, bool IsText);

/// <summary>
/// The files of a workspace for a prompt: their listing (without <c>.git/</c>, build output and links) and their text, read only for
/// files that look like text (UTF-8 without NUL bytes) and are small enough to be worth showing.
/// </summary>
public static class WorkspaceFiles
{
    public const int MaxListed = 500;
    public const long MaxShownBytes = 64 * 1024;

    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "bin", "obj", "node_modules", ".venv", "__pycache__" };

    public static IReadOnlyList<WorkspaceFile> List(string workspace)
    {
        var files = new List<WorkspaceFile>();
        if (Directory.Exists(workspace))
        {
            Walk(new DirectoryInfo(workspace), workspace, files);
        }

        return files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>The file's text, or null when it is not text or is over <see cref="MaxShownBytes"/>.</summary>
    public static string? ReadText(string workspace, WorkspaceFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.IsText || file.Size > MaxShownBytes)
        {
            return null;
        }

        try
        {
            return File.ReadAllText(Path.Combine(workspace, file.Path), Encoding.UTF8);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Walk(DirectoryInfo folder, string workspace, List<WorkspaceFile> files)
    {
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in folder.EnumerateFiles("*", options).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (files.Count >= MaxListed)
            {
                return;
            }

            files.Add(new WorkspaceFile(Path.GetRelativePath(workspace, file.FullName).Replace('\\', '/'), file.Length, LooksLikeText(file)));
        }

        foreach (var child in folder.EnumerateDirectories("*", options).OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            if (!SkippedFolders.Contains(child.Name))
            {
                Walk(child, workspace, files);
            }
        }
    }

    private static bool LooksLikeText(FileInfo file)
    {
        if (file.Length > MaxShownBytes)
        {
            return false;
        }

        try
        {
            using var stream = file.OpenRead();
            Span<byte> head = stackalloc byte[4096];
            var read = stream.Read(head);
            return !head[..read].Contains((byte)0);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
