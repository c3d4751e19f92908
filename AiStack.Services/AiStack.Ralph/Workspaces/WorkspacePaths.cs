namespace AiStack.Ralph.Workspaces;

/// <summary>Lexical containment, and the real path of a file through its symbolic links (for paths the operator configured).</summary>
public static class WorkspacePaths
{
    /// <summary>True when the full path <paramref name="path"/> is <paramref name="root"/> or lies below it.</summary>
    internal static bool IsUnder(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative == "." || (relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }

    /// <summary>Resolves every symbolic link along the path, for the parts that exist; the rest is appended as written.</summary>
    internal static string RealPath(string fullPath)
    {
        var parts = new Stack<string>();
        var current = fullPath;
        while (!Path.Exists(current))
        {
            var parent = Path.GetDirectoryName(current);
            if (parent is null)
            {
                return fullPath;
            }

            parts.Push(Path.GetFileName(current));
            current = parent;
        }

        var resolved = ResolveExisting(current);
        while (parts.Count > 0)
        {
            resolved = Path.Combine(resolved, parts.Pop());
        }

        return resolved;
    }

    private static string ResolveExisting(string path)
    {
        var root = Path.GetPathRoot(path)!;
        var result = root;
        foreach (var part in path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(result, part);
            var info = new FileInfo(next);
            var target = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName : null;
            result = target is null ? next : ResolveExisting(Path.GetFullPath(target));
        }

        return result;
    }
}
