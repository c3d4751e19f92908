namespace AiStack.Ralph.Workspaces;

/// <summary>
/// The original's context-recovery hook done for real: in a workspace that is a git repository each iteration ends with a commit
/// tagged <c>[ralph-wiggum-checkpoint]</c>, and a failed iteration can be rolled back to the previous checkpoint.
/// </summary>
public static class GitCheckpoints
{
    public const string Tag = "[ralph-wiggum-checkpoint]";
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(60);

    public static bool IsRepository(string workspace) => Directory.Exists(Path.Combine(workspace, ".git"));

    /// <summary>Commits everything in the workspace (an empty commit when nothing changed, so every iteration has its checkpoint).</summary>
    public static async Task<bool> CommitAsync(string workspace, string taskId, int iteration, int exitCode, CancellationToken cancellationToken)
    {
        var add = await GitAsync(workspace, cancellationToken, "add", "-A");
        if (add.ExitCode != 0)
        {
            return false;
        }

        var commit = await GitAsync(workspace, cancellationToken, "-c", "user.name=Ralph", "-c", "user.email=ralph@aistack.local",
            "commit", "--allow-empty", "--no-verify", "-q", "-m", $"{Tag} task {taskId} iteration {iteration} exit {exitCode}");
        return commit.ExitCode == 0;
    }

    /// <summary>Drops every change since the last commit (tracked and untracked files).</summary>
    public static async Task<bool> RollbackAsync(string workspace, CancellationToken cancellationToken)
    {
        var reset = await GitAsync(workspace, cancellationToken, "reset", "--hard", "-q");
        var clean = await GitAsync(workspace, cancellationToken, "clean", "-fdq");
        return reset.ExitCode == 0 && clean.ExitCode == 0;
    }

    private static Task<Backends.ProcessOutcome> GitAsync(string workspace, CancellationToken cancellationToken, params string[] arguments) =>
        Backends.ProcessRunner.RunAsync("git", arguments, workspace, null, GitTimeout, 16_384, null, cancellationToken);
}
