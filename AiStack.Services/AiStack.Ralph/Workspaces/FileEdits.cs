using System.Text.RegularExpressions;

namespace AiStack.Ralph.Workspaces;

public sealed record FileEdit(string Path, string Content);

/// <summary>
/// The edit format of the <c>llm</c> backend: whole-file blocks <c>&lt;file path="relative/path"&gt;\ncontent\n&lt;/file&gt;</c>. A path
/// that is absolute, climbs out with <c>..</c>, passes through a symbolic link (even one that stays inside), or lands in <c>.git/</c> (git runs
/// what <c>.git/config</c> and hooks say) is refused.
/// </summary>
public static partial class FileEdits
{
    /// <summary>The format as the model is told it (the iteration prompt quotes this text, so prompt and parser cannot drift apart).</summary>
    public const string FormatDescription =
        "To create or replace a file, write its whole new content in a block of exactly this form (the path relative to the workspace):\n" +
        "<file path=\"relative/path/to/file.ext\">\nthe complete new content of the file\n</file>\n" +
        "Write one block per file; files you do not write stay as they are. Paths outside the workspace and under .git/ are refused.";

    public static IReadOnlyList<FileEdit> Parse(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return FileBlock().Matches(answer).Select(m => new FileEdit(m.Groups["path"].Value.Trim(), m.Groups["content"].Value)).ToList();
    }

    /// <summary>Writes the edits that stay inside <paramref name="workspace"/>; returns the relative paths written.</summary>
    public static IReadOnlyList<string> Apply(string workspace, IReadOnlyList<FileEdit> edits, out IReadOnlyList<string> refused)
    {
        ArgumentNullException.ThrowIfNull(edits);
        var root = Path.GetFullPath(workspace);
        var written = new List<string>();
        var rejected = new List<string>();
        foreach (var edit in edits)
        {
            if (Refusal(root, edit.Path, out var target) is { } reason)
            {
                rejected.Add($"{edit.Path}: {reason}");
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, edit.Content);
            written.Add(Path.GetRelativePath(root, target).Replace('\\', '/'));
        }

        refused = rejected;
        return written;
    }

    /// <summary>
    /// Why an edit may not be written, or null. Any symbolic link on the way is refused, even one that stays inside: the agent can
    /// swap its target between the check and the write, and a link into <c>.git/</c> would be an edit of git's configuration.
    /// </summary>
    private static string? Refusal(string root, string path, out string target)
    {
        target = "";
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal) || Path.IsPathRooted(path))
        {
            return "outside the workspace";
        }

        var full = Path.GetFullPath(Path.Combine(root, path));
        if (!WorkspacePaths.IsUnder(root, full))
        {
            return "outside the workspace";
        }

        var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
        if (relative == ".")
        {
            return "not a file";
        }

        if (IsGitPath(relative))
        {
            return "inside .git/";
        }

        var current = root;
        foreach (var part in relative.Split('/'))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is not null)
            {
                return "through a symbolic link";
            }
        }

        if (Directory.Exists(full))
        {
            return "a folder, not a file";
        }

        target = full;
        return null;
    }

    private static bool IsGitPath(string relative) =>
        relative.Split('/').Any(part => string.Equals(part, ".git", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex("<file\\s+path=\"(?<path>[^\"]+)\"\\s*>\\r?\\n?(?<content>.*?)</file>", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex FileBlock();
}
