using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Workspaces;

/// <summary>Where tasks work: a folder under the configured root, the task's own when it names none.</summary>
public sealed class WorkspaceResolver(IOptions<RalphOptions> options, IConfiguration configuration)
{
    public string Root { get; } = Path.GetFullPath(options.Value.WorkspaceRoot ?? Path.Combine(configuration[AiStackPaths.HomeVariable] is { Length: > 0 } home ? home : AiStackPaths.Home, "workspaces"));

    /// <summary>The absolute workspace for a task, or null with a reason when the request points outside the root.</summary>
    public string? Resolve(string? requested, string taskId, out string? problem)
    {
        problem = null;
        Directory.CreateDirectory(Root);
        var candidate = string.IsNullOrWhiteSpace(requested) ? taskId : requested;
        if (!WorkspacePaths.TryResolveInside(Root, candidate, out var resolved))
        {
            problem = $"workspace '{requested}' is outside the workspace root {Root}";
            return null;
        }

        return resolved;
    }
}
