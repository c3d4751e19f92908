using System.Text.RegularExpressions;
using AiStack.Ralph.Backends;

namespace AiStack.Ralph.Workspaces;

/// <summary>
/// The original's context-recovery hook done for real: in a workspace that is a git repository each iteration ends with a commit
/// tagged <c>[ralph-wiggum-checkpoint]</c>, and a failed iteration can be rolled back to the previous checkpoint.
/// The repository belongs to the task's agent, so nothing in it may make git run a program: hooks and fsmonitor are switched off on
/// every call, system and global configuration are not read (<see cref="Commands.ChildEnvironment.ForGit"/>), and a repository whose
/// own configuration holds any key outside a short list of inert ones (filters, diff and merge drivers, includes, worktree moves,
/// editors, pagers, ssh commands...) gets no checkpoint: the failure is returned for the task to record, never only logged.
/// </summary>
public static partial class GitCheckpoints
{
    public const string Tag = "[ralph-wiggum-checkpoint]";
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(60);

    private static readonly string[] Hardening =
    [
        "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.sshCommand=false", "-c", "commit.gpgSign=false",
        "-c", "protocol.allow=never", "-c", "submodule.recurse=false",
    ];

    /// <summary>True when the workspace has a <c>.git</c> of any kind (folder, file or link); only a plain folder gets checkpoints.</summary>
    public static bool IsRepository(string workspace)
    {
        var git = Path.Combine(workspace, ".git");
        return Path.Exists(git) || new FileInfo(git).LinkTarget is not null;
    }

    /// <summary>Commits everything in the workspace (an empty commit when nothing changed, so every iteration has its checkpoint); null, or what failed.</summary>
    public static async Task<string?> CommitAsync(string workspace, IReadOnlyDictionary<string, string> environment, string taskId, int iteration, int exitCode,
        CancellationToken cancellationToken)
    {
        if (await UnsafeAsync(workspace, environment, cancellationToken) is { } problem)
        {
            return problem;
        }

        var add = await GitAsync(workspace, environment, cancellationToken, "add", "-A");
        if (add.ExitCode != 0)
        {
            return Failure("git add -A", add);
        }

        var commit = await GitAsync(workspace, environment, cancellationToken, "-c", "user.name=Ralph", "-c", "user.email=ralph@aistack.local",
            "commit", "--allow-empty", "--no-verify", "-q", "-m", $"{Tag} task {taskId} iteration {iteration} exit {exitCode}");
        return commit.ExitCode == 0 ? null : Failure("git commit", commit);
    }

    /// <summary>Drops every change since the last commit (tracked and untracked files); null, or what failed.</summary>
    public static async Task<string?> RollbackAsync(string workspace, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        if (await UnsafeAsync(workspace, environment, cancellationToken) is { } problem)
        {
            return problem;
        }

        var reset = await GitAsync(workspace, environment, cancellationToken, "reset", "--hard", "-q");
        if (reset.ExitCode != 0)
        {
            return Failure("git reset --hard", reset);
        }

        var clean = await GitAsync(workspace, environment, cancellationToken, "clean", "-fdq");
        return clean.ExitCode == 0 ? null : Failure("git clean -fd", clean);
    }

    private static async Task<string?> UnsafeAsync(string workspace, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var git = new DirectoryInfo(Path.Combine(workspace, ".git"));
        if (git.LinkTarget is not null || !git.Exists)
        {
            return "git checkpoint refused: .git is a symbolic link or a file, not the workspace's own repository folder";
        }

        var config = new FileInfo(Path.Combine(git.FullName, "config"));
        if (config.LinkTarget is not null)
        {
            return "git checkpoint refused: .git/config is a symbolic link";
        }

        if (!config.Exists)
        {
            return null;
        }

        var keys = await GitAsync(workspace, environment, cancellationToken, "config", "--file", config.FullName, "--no-includes", "--list", "--name-only");
        if (keys.ExitCode != 0)
        {
            return Failure("git config --list", keys);
        }

        var unsafeKeys = keys.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(key => !InertKey().IsMatch(key)).Distinct(StringComparer.Ordinal).ToList();
        return unsafeKeys.Count == 0
            ? null
            : $"git checkpoint refused: .git/config sets {string.Join(", ", unsafeKeys)}, outside the keys Ralph lets git read (a key like these can make git run a program)";
    }

    private static string Failure(string step, ProcessOutcome outcome)
    {
        var said = (outcome.StandardError + "\n" + outcome.StandardOutput).Trim();
        return $"git checkpoint failed: {step} exited {outcome.ExitCode}" + (said.Length > 0 ? ": " + (said.Length > 1000 ? said[..1000] : said) : "");
    }

    /// <summary>Git on exactly the workspace's repository: no search of parent folders, no <c>core.worktree</c> elsewhere.</summary>
    private static Task<ProcessOutcome> GitAsync(string workspace, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken,
        params string[] arguments)
    {
        var pinned = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            ["GIT_DIR"] = Path.Combine(workspace, ".git"),
            ["GIT_WORK_TREE"] = workspace,
        };
        return ProcessRunner.RunAsync("git", [.. Hardening, .. arguments], workspace, null, GitTimeout, 16_384, pinned, cancellationToken);
    }

    // What `git init` and `git clone` write, plus names, remotes and branches: none of them names a program.
    [GeneratedRegex(@"\A(?:core\.(?:repositoryformatversion|filemode|bare|logallrefupdates|ignorecase|precomposeunicode|symlinks|autocrlf|safecrlf|eol|quotepath|checkstat|trustctime)" +
                    @"|extensions\.objectformat|user\.(?:name|email)|init\.defaultbranch|remote\.[^\n]+\.(?:url|pushurl|fetch|tagopt|prune|mirror)" +
                    @"|branch\.[^\n]+\.(?:remote|merge|rebase|pushremote)|submodule\.[^\n]+\.(?:url|active|branch)|i18n\.[a-z]+|color\.[a-z.]+|advice\.[a-z]+)\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex InertKey();
}
