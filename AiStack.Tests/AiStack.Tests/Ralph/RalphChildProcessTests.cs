using AiStack.Contracts.Telemetry;
using AiStack.Ralph.Commands;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Ralph;

/// <summary>
/// What a task's programs see and can make Ralph run: an environment built from an allow-list (none of Ralph's secrets), and git
/// that runs no hook, no fsmonitor and no driver a repository configures, and whose failures end the task visibly.
/// </summary>
public sealed class RalphChildProcessTests : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private const string Counter = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\n";

    // Shaped as the stack's conventions spell secrets (Aspire's service addresses and connection strings, keys, tokens,
    // passwords), under names no service reads: the variables are visible to every test running beside this one.
    private static readonly Dictionary<string, string> Secrets = new(StringComparer.Ordinal)
    {
        ["AISTACK_PROBE_API_KEY"] = "secret-stack-key-7f3a",
        ["Security__ProbeKey"] = "secret-security-key-91c2",
        ["ConnectionStrings__probe"] = "Host=db;Password=secret-connection-5d8e",
        ["services__probe__http__0"] = "http://secret-service-address-4b1f:1",
        ["PROBE_DB_PASSWORD"] = "secret-password-2c6d",
        ["PROBE_SERVICE_KEY"] = "secret-service-key-8e0a",
        ["PROBE_GITHUB_TOKEN"] = "secret-token-3f9b",
        ["PROBE_CLIENT_SECRET"] = "secret-client-6a7c",
    };

    [Fact]
    public async Task A_verify_command_and_an_agent_that_print_their_environment_show_none_of_Ralphs_secrets()
    {
        var bin = _folders.Create("ralph-env-bin");
        var agent = RalphFactory.WriteScript(bin, "agent.sh", "env\nexit 0");
        // Fails on purpose: a failed verify command's output is what the iteration records.
        var printEnv = RalphFactory.WriteScript(bin, "print-env.sh", "env\nexit 3");
        var settings = RalphFactory.CommandBackend("agent", agent);
        settings["Ralph:Commands:Allowed:print-env:Program"] = printEnv;
        settings["Ralph:Commands:PassEnvironment:0"] = "RALPH_PROBE_VISIBLE";
        foreach (var (name, value) in Secrets)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Environment.SetEnvironmentVariable("RALPH_PROBE_VISIBLE", "passed-on");
        try
        {
            await using var factory = new RalphFactory(settings: settings);
            var client = factory.CreateClient();

            var id = (await client.SubmitAsync(new { prompt = "print env", backend = "agent", max_iterations = 1, completion = new { verify_command = new[] { printEnv } } })).Id();
            var task = await client.WaitForAsync(id);
            var iteration = (await client.IterationsAsync(id))[0]!;
            var agentSaw = iteration["output"]!.GetValue<string>();
            var verifySaw = iteration["error"]!.GetValue<string>();

            Assert.Equal("failed", task.Status());
            Assert.Contains("verify command", verifySaw, StringComparison.Ordinal);
            foreach (var seen in new[] { agentSaw, verifySaw })
            {
                Assert.Contains("RALPH_PROBE_VISIBLE=passed-on", seen, StringComparison.Ordinal);
                Assert.Contains("PATH=", seen, StringComparison.Ordinal);
                Assert.Contains($"HOME={Path.Combine(factory.Folder, "ralph-scratch", id, "home")}", seen, StringComparison.Ordinal);
                Assert.DoesNotContain(RalphFactory.ApiKey, seen, StringComparison.Ordinal);
                foreach (var (name, value) in Secrets)
                {
                    Assert.DoesNotContain(value, seen, StringComparison.Ordinal);
                    Assert.DoesNotContain(name + "=", seen, StringComparison.Ordinal);
                }
            }

            Assert.Contains("RALPH_TASK_ID=" + id, agentSaw, StringComparison.Ordinal);
            // Git runs no program a test could make print its environment (that is the point of the hardening), so its
            // environment is read where Ralph builds it.
            var git = factory.Services.GetRequiredService<ChildEnvironment>().ForGit("probe");
            Assert.Equal("1", git["GIT_CONFIG_NOSYSTEM"]);
            Assert.Equal("/dev/null", git["GIT_CONFIG_GLOBAL"]);
            Assert.Empty(Directory.GetFileSystemEntries(git["HOME"]));
            Assert.DoesNotContain(git.Keys, Secrets.ContainsKey);
            Assert.DoesNotContain(git.Values, v => Secrets.ContainsValue(v) || v == RalphFactory.ApiKey);
            // The final state is stored first; the scratch folder goes before the task_completed event.
            await factory.Events.SingleAsync(TelemetryEventTypes.TaskCompleted, id);
            Assert.False(Directory.Exists(Path.Combine(factory.Folder, "ralph-scratch", id)), "the scratch folder goes with the finished task");
        }
        finally
        {
            foreach (var name in Secrets.Keys.Append("RALPH_PROBE_VISIBLE"))
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public async Task Hooks_of_a_git_workspace_never_run_and_every_iteration_still_gets_its_checkpoint()
    {
        var marker = Path.Combine(_folders.Create("ralph-marker"), "hook-ran");
        await using var factory = new RalphFactory(settings: Agent(Counter + "echo change $n > work.txt\nif [ $n -lt 2 ]; then exit 2; fi\nexit 0"));
        var workspace = await GitWorkspaceAsync(factory, "hooked");
        foreach (var hook in new[] { "pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction", "post-index-change", "pre-auto-gc" })
        {
            RalphFactory.WriteScript(Path.Combine(workspace, ".git", "hooks"), hook, $"echo {hook} >> '{marker}'");
        }

        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "work in git", backend = "agent", max_iterations = 5, workspace = "hooked" })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        Assert.False(File.Exists(marker), File.Exists(marker) ? File.ReadAllText(marker) : "");
        var log = await Git(workspace, "log", "--format=%s");
        Assert.Equal(2, log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(s => s.StartsWith("[ralph-wiggum-checkpoint]", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("filter.evil.clean", "MARKER")]
    [InlineData("core.fsmonitor", "MARKER")]
    [InlineData("core.worktree", "/tmp")]
    [InlineData("diff.external", "MARKER")]
    [InlineData("include.path", "/tmp/other.gitconfig")]
    [InlineData("core.sshCommand", "MARKER")]
    public async Task A_repository_configured_to_run_a_program_gets_no_checkpoint_and_the_task_ends_with_the_reason(string key, string value)
    {
        var folder = _folders.Create("ralph-marker");
        var marker = Path.Combine(folder, "ran");
        var program = RalphFactory.WriteScript(folder, "evil.sh", $"echo ran >> '{marker}'\ncat");
        await using var factory = new RalphFactory(settings: Agent(Counter + "exit 2"));
        var workspace = await GitWorkspaceAsync(factory, "configured");
        File.WriteAllText(Path.Combine(workspace, ".gitattributes"), "* filter=evil diff=evil\n");
        await Git(workspace, "config", key, value == "MARKER" ? program : value);

        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "work in git", backend = "agent", max_iterations = 5, workspace = "configured" })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("error", task.Status());
        Assert.Equal(1, task["iteration"]!.GetValue<int>());
        Assert.Contains($".git/config sets {key.ToLowerInvariant()}", task["error"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("git checkpoint refused", (await client.IterationsAsync(id))[0]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        var completed = await factory.Events.SingleAsync(TelemetryEventTypes.TaskCompleted, id);
        Assert.Contains("git checkpoint refused", completed.Payload["task"]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_git_failure_during_a_checkpoint_ends_the_task_with_gits_message()
    {
        await using var factory = new RalphFactory(settings: Agent(Counter + "exit 2"));
        var workspace = await GitWorkspaceAsync(factory, "broken");
        File.WriteAllText(Path.Combine(workspace, ".git", "HEAD"), "this is not a ref\n");

        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "work in git", backend = "agent", max_iterations = 5, workspace = "broken" })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("error", task.Status());
        Assert.Equal("git checkpoint failed", task["completion_reason"]!.GetValue<string>());
        Assert.Contains("git checkpoint failed: git", task["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(await client.IterationsAsync(id));
    }

    [Fact]
    public async Task A_dot_git_that_is_a_link_gets_no_checkpoint()
    {
        await using var factory = new RalphFactory(settings: Agent(Counter + "exit 2"));
        var elsewhere = _folders.Create("ralph-elsewhere-repo");
        await Git(elsewhere, "init", "-q");
        var workspace = Path.Combine(factory.WorkspaceRoot, "linked");
        Directory.CreateDirectory(workspace);
        Directory.CreateSymbolicLink(Path.Combine(workspace, ".git"), Path.Combine(elsewhere, ".git"));

        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "work in git", backend = "agent", max_iterations = 5, workspace = "linked" })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("error", task.Status());
        Assert.Contains(".git is a symbolic link or a file", task["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("checkpoint", await Git(elsewhere, "log", "--all", "--format=%s"), StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Agent(string script) =>
        RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(_folders.Create("ralph-git-bin"), "agent.sh", script));

    private static async Task<string> GitWorkspaceAsync(RalphFactory factory, string name)
    {
        var workspace = Path.Combine(factory.WorkspaceRoot, name);
        Directory.CreateDirectory(workspace);
        await Git(workspace, "init", "-q");
        return workspace;
    }

    private static async Task<string> Git(string workspace, params string[] arguments)
    {
        var outcome = await AiStack.Ralph.Backends.ProcessRunner.RunAsync("git", arguments, workspace, null, TimeSpan.FromSeconds(20), 65536,
            RalphFactory.ToolEnvironment, CancellationToken.None);
        return outcome.StandardOutput + outcome.StandardError;
    }
}
