using System.Text.RegularExpressions;

namespace AiStack.Ralph.Workspaces;

public sealed record FileEdit(string Path, string Content);

/// <summary>
/// The edit format of the <c>llm</c> backend: whole-file blocks <c>&lt;file path="relative/path"&gt;\ncontent\n&lt;/file&gt;</c>. A path
/// that is absolute, climbs out with <c>..</c>, or passes through a symbolic link out of the workspace is refused.
/// </summary>
public static partial class FileEdits
{
    public static IReadOnlyList<FileEdit> Parse(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return FileBlock().Matches(answer).Select(m => new FileEdit(m.Groups["path"].Value.Trim(), m.Groups["content"].Value)).ToList();
    }

    /// <summary>Writes the edits that stay inside <paramref name="workspace"/>; returns the relative paths written.</summary>
    public static IReadOnlyList<string> Apply(string workspace, IReadOnlyList<FileEdit> edits, out IReadOnlyList<string> refused)
    {
        ArgumentNullException.ThrowIfNull(edits);
        var written = new List<string>();
        var rejected = new List<string>();
        foreach (var edit in edits)
        {
            if (!WorkspacePaths.TryResolveInside(workspace, edit.Path, out var target))
            {
                rejected.Add($"{edit.Path}: outside the workspace");
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, edit.Content);
            written.Add(Path.GetRelativePath(workspace, target).Replace('\\', '/'));
        }

        refused = rejected;
        return written;
    }

    [GeneratedRegex("<file\\s+path=\"(?<path>[^\"]+)\"\\s*>\\r?\\n?(?<content>.*?)</file>", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex FileBlock();
}
