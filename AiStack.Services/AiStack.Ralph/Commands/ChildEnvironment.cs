using System.Text.RegularExpressions;
using AiStack.Ralph.Workspaces;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Commands;

/// <summary>
/// The environment of every child process (agent, verify command, git): built from an allow-list, never inherited, so the stack's
/// API key, connection strings, passwords and service addresses that Ralph itself holds never reach a program a task runs. HOME
/// and TMPDIR are a scratch folder of the task, outside its workspace (so nothing there is committed or shown to the model).
/// </summary>
public sealed partial class ChildEnvironment
{
    /// <summary>Passed on when Ralph has them.</summary>
    public static readonly IReadOnlyList<string> PassedByDefault = ["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TERM", "TZ", "DOTNET_ROOT"];

    private readonly IReadOnlyList<string> _passed;

    public ChildEnvironment(IOptions<RalphOptions> options, WorkspaceResolver workspaces)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(workspaces);
        ScratchRoot = workspaces.ScratchRoot;
        _passed = PassedByDefault.Concat(options.Value.Commands.PassEnvironment).Distinct(StringComparer.Ordinal).ToList();
    }

    public string ScratchRoot { get; }

    /// <summary>True for a name that holds a secret by the stack's conventions (keys, tokens, passwords, connection strings, service addresses).</summary>
    public static bool LooksSecret(string name) => SecretName().IsMatch(name ?? "");

    /// <summary>The environment of a task's agent and verify command; creates the task's scratch HOME and TMPDIR.</summary>
    public Dictionary<string, string> ForTask(string taskId)
    {
        var scratch = ScratchOf(taskId);
        var home = Directory.CreateDirectory(Path.Combine(scratch, "home")).FullName;
        var temp = Directory.CreateDirectory(Path.Combine(scratch, "tmp")).FullName;
        var environment = Passed();
        environment["HOME"] = home;
        environment["TMPDIR"] = temp;
        return environment;
    }

    /// <summary>
    /// The environment of git: no system or global configuration (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null), an empty HOME
    /// of its own (the agent's HOME may hold a .gitconfig it wrote), and never a prompt for credentials.
    /// </summary>
    public Dictionary<string, string> ForGit(string taskId)
    {
        var environment = Passed();
        environment["HOME"] = Directory.CreateDirectory(Path.Combine(ScratchOf(taskId), "git-home")).FullName;
        environment["GIT_CONFIG_NOSYSTEM"] = "1";
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        environment["GIT_TERMINAL_PROMPT"] = "0";
        return environment;
    }

    /// <summary>The file that carries the iteration input for the <c>{input_file}</c> placeholder.</summary>
    public string InputFile(string taskId, int iteration)
    {
        var folder = Directory.CreateDirectory(Path.Combine(ScratchOf(taskId), "input")).FullName;
        return Path.Combine(folder, $"iteration-{iteration}.txt");
    }

    /// <summary>Removes a finished task's scratch folder.</summary>
    public void Release(string taskId)
    {
        var scratch = ScratchOf(taskId);
        try
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
        catch (IOException)
        {
            // A process of the task still holds a file; the folder is removed with the next finish or by hand.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private string ScratchOf(string taskId) => Path.Combine(ScratchRoot, Path.GetFileName(taskId));

    private Dictionary<string, string> Passed()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in _passed)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        return environment;
    }

    [GeneratedRegex("KEY|TOKEN|SECRET|PASSW|PWD|CREDENTIAL|^CONNECTIONSTRINGS|^SERVICES__|^SECURITY__|^AISTACK_",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SecretName();
}
