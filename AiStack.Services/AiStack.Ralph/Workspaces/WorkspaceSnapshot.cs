namespace AiStack.Ralph.Workspaces;

/// <summary>Sizes and write times of a workspace's files (without <c>.git</c>), to name the files an iteration changed.</summary>
public sealed class WorkspaceSnapshot
{
    private const int MaxFiles = 20_000;
    private readonly Dictionary<string, (long Size, DateTime Written)> _files;

    private WorkspaceSnapshot(Dictionary<string, (long, DateTime)> files) => _files = files;

    public static WorkspaceSnapshot Take(string workspace)
    {
        var files = new Dictionary<string, (long, DateTime)>(StringComparer.Ordinal);
        if (!Directory.Exists(workspace))
        {
            return new WorkspaceSnapshot(files);
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in new DirectoryInfo(workspace).EnumerateFiles("*", options))
        {
            var relative = Path.GetRelativePath(workspace, file.FullName).Replace('\\', '/');
            if (relative.StartsWith(".git/", StringComparison.Ordinal))
            {
                continue;
            }

            files[relative] = (file.Length, file.LastWriteTimeUtc);
            if (files.Count >= MaxFiles)
            {
                break;
            }
        }

        return new WorkspaceSnapshot(files);
    }

    /// <summary>Files added, changed or removed since <paramref name="before"/>, sorted.</summary>
    public IReadOnlyList<string> ChangedSince(WorkspaceSnapshot before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var changed = _files.Where(f => !before._files.TryGetValue(f.Key, out var old) || old != f.Value).Select(f => f.Key)
            .Concat(before._files.Keys.Where(k => !_files.ContainsKey(k)));
        return changed.Distinct().Order(StringComparer.Ordinal).ToList();
    }
}
