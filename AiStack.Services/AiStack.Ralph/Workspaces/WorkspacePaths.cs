namespace AiStack.Ralph.Workspaces;

/// <summary>Path containment that also follows symbolic links, so a link inside the root cannot lead out of it.</summary>
public static class WorkspacePaths
{
    /// <summary>True when <paramref name="candidate"/> (absolute, or relative to <paramref name="root"/>) resolves inside <paramref name="root"/>.</summary>
    public static bool TryResolveInside(string root, string candidate, out string resolved)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(candidate);
        resolved = "";
        if (candidate.Length == 0 || candidate.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var realRoot = RealPath(Path.GetFullPath(root));
        var full = Path.GetFullPath(Path.IsPathRooted(candidate) ? candidate : Path.Combine(realRoot, candidate));
        var real = RealPath(full);
        if (!IsUnder(realRoot, real))
        {
            return false;
        }

        resolved = real;
        return true;
    }

    private static bool IsUnder(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
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
