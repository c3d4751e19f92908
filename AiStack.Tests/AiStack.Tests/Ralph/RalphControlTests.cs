using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AiStack.Tests.Ralph;

/// <summary>Stopping, approval and live settings.</summary>
public sealed class RalphControlTests : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private RalphFactory Start(string script, Dictionary<string, string?>? extra = null)
    {
        var folder = _folders.Create("ralph-control");
        var settings = RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(Path.Combine(folder, "bin"), "agent.sh", script));
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return new RalphFactory(settings: settings);
    }

    private const string TwoRuns = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\nif [ $n -lt 2 ]; then exit 2; fi\nexit 0";

    [Fact]
    public async Task Stopping_a_queued_task_stops_it_before_it_runs()
    {
        await using var factory = Start("sleep 30", new() { ["Ralph:Concurrency"] = "1" });
        var client = factory.CreateClient();
        var busy = (await client.SubmitAsync(new { prompt = "occupy the only slot", backend = "agent", max_iterations = 1 })).Id();
        await client.WaitForAsync(busy, t => t.Status() == "running");
        var queued = (await client.SubmitAsync(new { prompt = "wait in the queue", backend = "agent", max_iterations = 1 })).Id();

        var stop = await (await client.PostAsync(new Uri($"/tasks/{queued}/stop", UriKind.Relative), null)).Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal("stopped", stop!["status"]!.GetValue<string>());
        var task = await client.GetJsonAsync($"/tasks/{queued}");
        Assert.Equal("stopped", task.Status());
        Assert.Equal(0, task["iteration"]!.GetValue<int>());
        await client.PostAsync(new Uri($"/tasks/{busy}/stop", UriKind.Relative), null);
    }

    [Fact]
    public async Task Stopping_a_running_task_kills_its_backend_and_ends_it_as_stopped()
    {
        await using var factory = Start("sleep 30");
        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "long work", backend = "agent", max_iterations = 1 })).Id();
        await client.WaitForAsync(id, t => t.Status() == "running");
        await Task.Delay(200);

        var stop = await (await client.PostAsync(new Uri($"/tasks/{id}/stop", UriKind.Relative), null)).Content.ReadFromJsonAsync<JsonObject>();
        var task = await client.WaitForAsync(id, seconds: 5);

        Assert.Equal("stopping", stop!["status"]!.GetValue<string>());
        Assert.Equal("stopped", task.Status());
        Assert.Equal(0, task["iteration"]!.GetValue<int>());
    }

    [Fact]
    public async Task Stopping_an_unknown_task_is_404()
    {
        await using var factory = Start("exit 0");
        var response = await factory.CreateClient().PostAsync(new Uri("/tasks/nope/stop", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_gated_task_runs_nothing_before_approval_and_each_iteration_asks_again()
    {
        await using var factory = Start(TwoRuns);
        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "needs a human", backend = "agent", max_iterations = 5, require_approval = true })).Id();
        var first = await client.WaitForAsync(id, t => t["approval"]?.GetValue<string>() == "pending");
        await Task.Delay(200);
        var stillWaiting = await client.GetJsonAsync($"/tasks/{id}");
        var ranBeforeApproval = File.Exists(Path.Combine(stillWaiting["workspace"]!.GetValue<string>(), "runs"));

        var answer = await client.PostAsync(new Uri($"/tasks/{id}/approve?approved=true", UriKind.Relative), null);
        var second = await client.WaitForAsync(id, t => t["approval"]?.GetValue<string>() == "pending" && t["iteration"]!.GetValue<int>() == 1);
        await client.PostAsync(new Uri($"/tasks/{id}/approve?approved=true", UriKind.Relative), null);
        var task = await client.WaitForAsync(id);

        Assert.Equal(0, first["iteration"]!.GetValue<int>());
        Assert.Equal(0, stillWaiting["iteration"]!.GetValue<int>());
        Assert.False(ranBeforeApproval, "the agent ran before the approval");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(1, second["iteration"]!.GetValue<int>());
        Assert.Equal("completed", task.Status());
        Assert.Equal(2, task["iteration"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_rejected_approval_ends_the_task_as_rejected()
    {
        await using var factory = Start(TwoRuns);
        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "needs a human", backend = "agent", max_iterations = 5, require_approval = true })).Id();
        await client.WaitForAsync(id, t => t["approval"]?.GetValue<string>() == "pending");

        await client.PostAsync(new Uri($"/tasks/{id}/approve?approved=false", UriKind.Relative), null);
        var task = await client.WaitForAsync(id);

        Assert.Equal("rejected", task.Status());
        Assert.Equal(0, task["iteration"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_approval_that_times_out_rejects_the_task()
    {
        await using var factory = Start(TwoRuns, new() { ["Ralph:Defaults:ApprovalTimeoutS"] = "0.3" });
        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "nobody answers", backend = "agent", max_iterations = 5, require_approval = true })).Id();

        var task = await client.WaitForAsync(id);

        Assert.Equal("rejected", task.Status());
        Assert.Contains("timed out", task["completion_reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_changed_through_the_api_apply_to_the_next_task_and_are_recorded()
    {
        await using var factory = Start("exit 0");
        var client = factory.CreateClient();
        var before = await client.SubmitAsync(new { prompt = "fix typo in the readme", backend = "agent" });

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri("/settings", UriKind.Relative))
        {
            Content = JsonContent.Create(new { base_limits = new { simple = 7, moderate = 10, complex = 25, very_complex = 50 } }, options: RalphFactory.Json),
        };
        request.Headers.Add("X-AiStack-User", "alice");
        var put = await client.SendAsync(request);
        var after = await client.SubmitAsync(new { prompt = "fix typo in the readme", backend = "agent" });
        var settings = await client.GetJsonAsync("/settings");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(3, before["max_iterations"]!.GetValue<int>());
        Assert.Equal(7, after["max_iterations"]!.GetValue<int>());
        Assert.Equal("alice", settings["updated_by"]!.GetValue<string>());
        Assert.Equal(7, settings["settings"]!["base_limits"]!["simple"]!.GetValue<int>());
    }

    [Fact]
    public async Task Changing_one_base_limit_keeps_the_others()
    {
        await using var factory = Start("exit 0");
        var client = factory.CreateClient();
        var first = await client.PutAsJsonAsync(new Uri("/settings", UriKind.Relative), new { base_limits = new { complex = 30 } }, RalphFactory.Json);
        var second = await client.PutAsJsonAsync(new Uri("/settings", UriKind.Relative), new { base_limits = new { simple = 4 } }, RalphFactory.Json);
        var limits = (await client.GetJsonAsync("/settings"))["settings"]!["base_limits"]!;

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(4, limits["simple"]!.GetValue<int>());
        Assert.Equal(10, limits["moderate"]!.GetValue<int>());
        Assert.Equal(30, limits["complex"]!.GetValue<int>());
        Assert.Equal(50, limits["very_complex"]!.GetValue<int>());
    }

    [Fact]
    public async Task Invalid_settings_are_refused_with_the_field_named()
    {
        await using var factory = Start("exit 0");
        var response = await factory.CreateClient().PutAsJsonAsync(new Uri("/settings", UriKind.Relative),
            new { base_limits = new { simple = 0, moderate = 10, complex = 25, very_complex = 50 } }, RalphFactory.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("simple", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_default_backend_that_is_not_declared_is_refused()
    {
        await using var factory = Start("exit 0");
        var client = factory.CreateClient();
        var response = await client.PutAsJsonAsync(new Uri("/settings", UriKind.Relative), new { default_backend = "nowhere" }, RalphFactory.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("agent", problem["errors"]!["default_backend"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEqual("nowhere", (await client.GetJsonAsync("/settings"))["settings"]!["default_backend"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_disabled_loop_refuses_new_tasks_with_503()
    {
        await using var factory = Start("exit 0");
        var client = factory.CreateClient();
        await client.PutAsJsonAsync(new Uri("/settings", UriKind.Relative), new { loop_enabled = false }, RalphFactory.Json);

        var response = await client.PostAsJsonAsync(new Uri("/tasks", UriKind.Relative), new { prompt = "x", backend = "agent" }, RalphFactory.Json);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Stats_report_counts_and_the_adaptive_history_per_task_type_and_backend()
    {
        await using var factory = Start("exit 0");
        var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await client.WaitForAsync((await client.SubmitAsync(new { prompt = "fix the bug", backend = "agent" })).Id());
        }

        var stats = await client.GetJsonAsync("/stats");

        Assert.Equal(3, stats["completed"]!.GetValue<long>());
        Assert.Equal(3, stats["total_iterations"]!.GetValue<long>());
        var history = stats["adaptive"]!["history"]!["fix/agent"]!;
        Assert.Equal(3, history["total_tasks"]!.GetValue<int>());
        Assert.Equal(0.8, history["current_adjustment"]!.GetValue<double>());
    }

    [Fact]
    public async Task The_task_list_filters_by_status_backend_and_tag_and_pages()
    {
        await using var factory = Start("exit 0");
        var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await client.WaitForAsync((await client.SubmitAsync(new { prompt = $"task {i}", backend = "agent", tags = i == 1 ? new[] { "blue" } : new[] { "red" } })).Id());
        }

        var red = await client.GetJsonAsync("/tasks?tag=red&status=completed&backend=agent");
        var page = await client.GetJsonAsync("/tasks?limit=2&offset=2");

        Assert.Equal(2, red["total"]!.GetValue<long>());
        Assert.Single(page["tasks"]!.AsArray());
        Assert.Equal(3, page["total"]!.GetValue<long>());
    }
}
