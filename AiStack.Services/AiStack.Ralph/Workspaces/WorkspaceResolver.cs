using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Workspaces;

/// <summary>
/// Where tasks work: a sub-folder of the configured root (the task's own when it names none), never the root itself, reached
/// without any symbolic link below the root. Checked at submission and again around every iteration (<see cref="Check"/>), so a
/// folder swapped for a link between iterations stops the task.
/// </summary>
public sealed class WorkspaceResolver(IOptions<RalphOptions> options, IConfiguration configuration)
{
    private static string HomeOf(IConfiguration configuration) =>
        configuration[AiStackPaths.HomeVariable] is { Length: > 0 } home ? home : AiStackPaths.Home;

    /// <summary>The configured root with its own links resolved once (the operator chose it; only what lies below it is distrusted).</summary>
    public string Root { get; } = WorkspacePaths.RealPath(Path.GetFullPath(options.Value.WorkspaceRoot ?? Path.Combine(HomeOf(configuration), "workspaces")));

    /// <summary>Where child processes get their HOME and TMPDIR (<see cref="Commands.ChildEnvironment"/>).</summary>
    public string ScratchRoot { get; } = Path.GetFullPath(options.Value.Commands.ScratchRoot ?? Path.Combine(HomeOf(configuration), "ralph-scratch"));

    /// <summary>The absolute workspace for a task, or null with a reason when the request is not a plain sub-folder of the root.</summary>
    public string? Resolve(string? requested, string taskId, out string? problem)
    {
        Directory.CreateDirectory(Root);
        var candidate = string.IsNullOrWhiteSpace(requested) ? taskId : requested;
        if (candidate.Contains('\0', StringComparison.Ordinal))
        {
            problem = $"workspace '{requested}' contains a NUL character";
            return null;
        }

        var full = Path.GetFullPath(Path.IsPathRooted(candidate) ? candidate : Path.Combine(Root, candidate));
        problem = Check(full);
        if (problem is not null && !WorkspacePaths.IsUnder(Root, full))
        {
            problem = $"workspace '{requested}' is outside the workspace root {Root}";
        }

        return problem is null ? full : null;
    }

    /// <summary>Null when <paramref name="workspace"/> is still a sub-folder of the root with no link on the way; else what is wrong.</summary>
    public string? Check(string workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var full = Path.GetFullPath(workspace);
        if (!WorkspacePaths.IsUnder(Root, full))
        {
            return $"workspace {workspace} is outside the workspace root {Root}";
        }

        var relative = Path.GetRelativePath(Root, full);
        if (relative == ".")
        {
            return $"workspace {workspace} is the workspace root itself; a task works in a sub-folder of it";
        }

        var current = Root;
        foreach (var part in relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null)
            {
                return $"workspace {workspace} passes through the symbolic link {current}; links are refused";
            }

            if (info.Exists)
            {
                return $"workspace {workspace}: {current} is a file, not a folder";
            }

            if (!Directory.Exists(current))
            {
                break;
            }
        }

        return null;
    }
}
