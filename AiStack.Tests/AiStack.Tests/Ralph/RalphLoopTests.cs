using AiStack.Contracts.Telemetry;

namespace AiStack.Tests.Ralph;

/// <summary>The loop with real processes: scripts stand in for agent CLIs.</summary>
public sealed class RalphLoopTests : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private async Task<RalphFactory> StartAsync(string script, double timeoutSeconds = 30, Dictionary<string, string?>? extra = null)
    {
        var folder = _folders.Create("ralph-loop");
        var settings = RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(Path.Combine(folder, "bin"), "agent.sh", script), timeoutSeconds);
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var factory = new RalphFactory(settings: settings);
        _ = factory.Server;
        await Task.CompletedTask;
        return factory;
    }

    // Counts its runs in the workspace (the current directory); exit code per run decided by the script body.
    private const string Counter = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\n";

    [Fact]
    public async Task Exit_code_2_blocks_the_exit_until_the_third_run_succeeds()
    {
        await using var factory = await StartAsync(Counter + "echo run $n\nif [ $n -lt 3 ]; then exit 2; fi\nexit 0");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "implement the thing", backend = "agent", max_iterations = 10 })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        Assert.Equal(3, task["iteration"]!.GetValue<int>());
        Assert.Equal(2, task["exit_blocks"]!.GetValue<int>());
        var iterations = await client.IterationsAsync(id);
        Assert.Equal([2, 2, 0], iterations.Select(i => i!["exit_code"]!.GetValue<int>()));
        Assert.Equal([true, true, false], iterations.Select(i => i!["exit_blocked"]!.GetValue<bool>()));
        Assert.Equal(2, factory.Events.Of(TelemetryEventTypes.ExitBlocked, id).Count);
    }

    [Fact]
    public async Task A_verify_command_completes_the_task_only_after_the_file_appears()
    {
        await using var factory = await StartAsync(Counter + "if [ $n -ge 2 ]; then touch done.txt; fi\nexit 0");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new
        {
            prompt = "create done.txt",
            backend = "agent",
            max_iterations = 5,
            completion = new { verify_command = new[] { "test", "-f", "done.txt" } },
        })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        Assert.Equal(2, task["iteration"]!.GetValue<int>());
        Assert.Equal("verify command exited 0", task["completion_reason"]!.GetValue<string>());
        var iterations = await client.IterationsAsync(id);
        Assert.False(iterations[0]!["completed"]!.GetValue<bool>());
        Assert.Contains("done.txt", iterations[1]!["files_changed"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    [Fact]
    public async Task A_promise_completes_when_it_matches_after_whitespace_normalization()
    {
        await using var factory = await StartAsync("printf '<promise>  ALL   TESTS\\n PASS </promise>'\nexit 0");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "make the tests pass", backend = "agent", max_iterations = 3, completion = new { promise = "ALL TESTS PASS" } })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        Assert.Equal(1, task["iteration"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_near_miss_promise_does_not_complete_the_task()
    {
        await using var factory = await StartAsync("printf '<promise>ALL TESTS PASSED</promise>'\nexit 0");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "make the tests pass", backend = "agent", max_iterations = 2, completion = new { promise = "ALL TESTS PASS" } })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("failed", task.Status());
        Assert.Equal(2, task["iteration"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_hanging_backend_is_killed_with_its_children_at_the_timeout()
    {
        await using var factory = await StartAsync("sleep 300 &\necho $! > child.pid\nsleep 300", timeoutSeconds: 1);
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "hang", backend = "agent", max_iterations = 1 })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("failed", task.Status());
        var iteration = (await client.IterationsAsync(id))[0]!;
        Assert.Equal(124, iteration["exit_code"]!.GetValue<int>());
        Assert.Contains("timed out", iteration["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var child = int.Parse(File.ReadAllText(Path.Combine(task["workspace"]!.GetValue<string>(), "child.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ProcessIsGone(child), $"child process {child} of the backend is still alive");
    }

    [Fact]
    public async Task A_backend_that_never_reads_a_large_input_still_meets_its_timeout()
    {
        await using var factory = await StartAsync("sleep 300", timeoutSeconds: 1);
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = new string('x', 150_000), backend = "agent", max_iterations = 1 })).Id();
        var task = await client.WaitForAsync(id, seconds: 15);

        Assert.Equal("failed", task.Status());
        Assert.Equal(124, (await client.IterationsAsync(id))[0]!["exit_code"]!.GetValue<int>());
    }

    private static bool ProcessIsGone(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        for (var i = 0; i < 50; i++)
        {
            // A killed child may linger as a zombie until init reaps it; it no longer runs.
            if (!File.Exists(stat) || File.ReadAllText(stat).Split(") ")[1].StartsWith('Z'))
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return false;
    }

    [Fact]
    public async Task A_fixed_limit_ends_as_failed_with_the_reason_and_errors_feed_the_next_input()
    {
        await using var factory = await StartAsync("echo 'compile error: missing semicolon' >&2\nexit 1");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "implement the feature", backend = "agent", max_iterations = 3 })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("failed", task.Status());
        Assert.Equal(3, task["iteration"]!.GetValue<int>());
        Assert.Contains("iteration limit of 3", task["completion_reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var second = await client.GetJsonAsync($"/tasks/{id}/iterations/2");
        Assert.Contains("compile error: missing semicolon", second["input"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unlimited_task_stops_at_the_hard_backstop()
    {
        await using var factory = await StartAsync("exit 2", extra: new() { ["Ralph:Defaults:HardMaxIterations"] = "4" });
        var client = factory.CreateClient();

        var submitted = await client.SubmitAsync(new { prompt = "never done", backend = "agent", max_iterations = 0 });
        var task = await client.WaitForAsync(submitted.Id());

        Assert.Equal("unlimited", submitted["iteration_mode"]!.GetValue<string>());
        Assert.Equal("failed", task.Status());
        Assert.Equal(4, task["iteration"]!.GetValue<int>());
        Assert.Contains("hard backstop of 4 iterations", task["completion_reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_git_workspace_gets_a_tagged_checkpoint_commit_per_iteration()
    {
        await using var factory = await StartAsync(Counter + "if [ $n -lt 2 ]; then exit 2; fi\nexit 0");
        var workspace = Path.Combine(factory.WorkspaceRoot, "repo");
        Directory.CreateDirectory(workspace);
        var init = await AiStack.Ralph.Backends.ProcessRunner.RunAsync("git", ["init", "-q"], workspace, null, TimeSpan.FromSeconds(20), 4096, RalphFactory.ToolEnvironment, CancellationToken.None);
        Assert.Equal(0, init.ExitCode);
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "work in git", backend = "agent", max_iterations = 5, workspace = "repo" })).Id();
        Assert.Equal("completed", (await client.WaitForAsync(id)).Status());

        var log = await AiStack.Ralph.Backends.ProcessRunner.RunAsync("git", ["log", "--format=%s"], workspace, null, TimeSpan.FromSeconds(20), 65536, RalphFactory.ToolEnvironment, CancellationToken.None);
        var subjects = log.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, subjects.Length);
        Assert.All(subjects, s => Assert.StartsWith("[ralph-wiggum-checkpoint]", s, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_iteration_in_a_git_workspace_is_rolled_back_when_configured()
    {
        await using var factory = await StartAsync(Counter + "echo broken > junk.txt\nif [ $n -lt 2 ]; then exit 1; fi\nrm junk.txt\necho good > result.txt\nexit 0",
            extra: new() { ["Ralph:RollbackFailedIterations"] = "true" });
        var workspace = Path.Combine(factory.WorkspaceRoot, "repo");
        Directory.CreateDirectory(workspace);
        File.WriteAllText(Path.Combine(workspace, "runs"), "0\n");
        await Git(workspace, "init", "-q");
        await Git(workspace, "add", "-A");
        await Git(workspace, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "work in git", backend = "agent", max_iterations = 5, workspace = "repo" })).Id();
        var task = await client.WaitForAsync(id);

        // Iteration 1 failed and was reset (its runs counter too), so every run after it starts from the checkpoint again:
        // the script sees n=1 forever and the fixed limit ends the task.
        Assert.Equal("failed", task.Status());
        Assert.False(File.Exists(Path.Combine(workspace, "junk.txt")));
        Assert.Equal("0", File.ReadAllText(Path.Combine(workspace, "runs")).Trim());
    }

    private static async Task Git(string workspace, params string[] arguments)
    {
        var outcome = await AiStack.Ralph.Backends.ProcessRunner.RunAsync("git", arguments, workspace, null, TimeSpan.FromSeconds(20), 4096, RalphFactory.ToolEnvironment, CancellationToken.None);
        Assert.True(outcome.ExitCode == 0, outcome.StandardError);
    }

    [Fact]
    public async Task A_wall_time_budget_ends_the_task_as_failed_with_the_reason()
    {
        await using var factory = await StartAsync("sleep 0.3\nexit 2");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "slow work", backend = "agent", max_iterations = 0, budget = new { max_wall_s = 1 } })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("failed", task.Status());
        Assert.Contains("wall-time budget of 1 s", task["completion_reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.InRange(task["iteration"]!.GetValue<int>(), 2, 4);
    }

    [Fact]
    public async Task Telemetry_hashes_prompt_and_output_when_privacy_is_on()
    {
        await using var factory = await StartAsync("echo secret-output\nexit 0", extra: new() { ["Ralph:Defaults:HashContent"] = "true" });
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "secret prompt text", backend = "agent" })).Id();
        await client.WaitForAsync(id);

        var completed = (await factory.Events.SingleAsync(TelemetryEventTypes.TaskCompleted, id)).Payload;
        Assert.StartsWith("sha256:", completed["task"]!["prompt"]!.GetValue<string>(), StringComparison.Ordinal);
        var iteration = Assert.Single(factory.Events.Of(TelemetryEventTypes.IterationCompleted, id)).Payload;
        Assert.DoesNotContain("secret-output", iteration.ToJsonString(), StringComparison.Ordinal);
        Assert.StartsWith("sha256:", Assert.Single(factory.Events.Of(TelemetryEventTypes.AdaptiveLimitCalculated, id)).Payload["prompt_preview"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(factory.Events.Of(TelemetryEventTypes.TaskSubmitted, id));
    }

    [Fact]
    public async Task The_submitting_requests_trace_id_follows_the_task_into_its_events()
    {
        await using var factory = await StartAsync("exit 0");
        var client = factory.CreateClient();
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { prompt = "trace me", backend = "agent" }, options: RalphFactory.Json),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        var response = await client.SendAsync(request);
        var id = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["task_id"]!.GetValue<string>();
        var task = await client.WaitForAsync(id);

        Assert.Equal(traceId, task["trace_id"]!.GetValue<string>());
        Assert.Equal(traceId, Assert.Single(factory.Events.Of(TelemetryEventTypes.TaskSubmitted, id)).TraceId);
        Assert.Equal(traceId, Assert.Single(factory.Events.Of(TelemetryEventTypes.IterationCompleted, id)).TraceId);
        Assert.Equal(traceId, (await factory.Events.SingleAsync(TelemetryEventTypes.TaskCompleted, id)).TraceId);
    }

    [Fact]
    public async Task Metrics_count_tasks_iterations_and_exit_blocks()
    {
        await using var factory = await StartAsync(Counter + "if [ $n -lt 2 ]; then exit 2; fi\nexit 0");
        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "count me", backend = "agent", max_iterations = 5 })).Id();
        await client.WaitForAsync(id);

        // The task's end is stored before its counters move (and the exporter caches a scrape briefly): read until they have.
        var metrics = "";
        for (var attempt = 0; attempt < 100 && !metrics.Contains("ralph_tasks_total{backend=\"agent\",status=\"completed\"} 1", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 100);
            metrics = AiStack.Tests.Infrastructure.PrometheusText.WithoutScope(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        }

        Assert.Contains("ralph_tasks_total{backend=\"agent\",status=\"completed\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ralph_iterations_total{backend=\"agent\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("ralph_exit_blocks_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ralph_task_duration_seconds_count{backend=\"agent\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ralph_active_tasks 0", metrics, StringComparison.Ordinal);
        Assert.Contains("ralph_loop_enabled 1", metrics, StringComparison.Ordinal);
    }

}
