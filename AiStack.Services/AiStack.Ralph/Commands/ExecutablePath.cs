using AiStack.Ralph.Workspaces;

namespace AiStack.Ralph.Commands;

/// <summary>Finds the file a program name stands for, the way <c>execvp</c> would with Ralph's PATH, and resolves its links.</summary>
public static class ExecutablePath
{
    /// <summary>The real full path of <paramref name="program"/>: an absolute path, or a bare name looked up on PATH; else null.</summary>
    public static string? Resolve(string program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (program.Length == 0 || program.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        if (Path.IsPathRooted(program))
        {
            return IsExecutableFile(program) ? WorkspacePaths.RealPath(Path.GetFullPath(program)) : null;
        }

        // A relative path with a folder in it would be looked up in the workspace, where the agent writes.
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (Path.IsPathRooted(candidate) && IsExecutableFile(candidate))
            {
                return WorkspacePaths.RealPath(Path.GetFullPath(candidate));
            }
        }

        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
