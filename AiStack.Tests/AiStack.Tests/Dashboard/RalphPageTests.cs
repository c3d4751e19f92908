using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Dashboard.Components.Pages;
using AiStack.Tests.Ralph;
using Bunit;

namespace AiStack.Tests.Dashboard;

[Collection(DashboardServicesCollection.Name)]
public sealed class RalphPageTests(DashboardServicesFixture services) : DashboardPageTests(services)
{
    private HttpClient RalphApi => ServiceClient(Services.Ralph);

    private async Task<JsonObject> SettingsAsync() => (await RalphApi.GetFromJsonAsync<JsonObject>(new Uri("/settings", UriKind.Relative)))!["settings"]!.AsObject();

    [Fact]
    public async Task The_sliders_show_ralphs_settings_and_apply_a_change_that_ralph_then_reports()
    {
        var before = await SettingsAsync();
        var page = Context.RenderPage<RalphPage>();
        page.WaitForAssertion(() =>
        {
            Assert.Equal(before["base_limits"]!["simple"]!.ToString(), page.Find("[data-testid=value-simple]").TextContent);
            Assert.Equal(before["base_limits"]!["complex"]!.ToString(), page.Find("[data-testid=value-complex]").TextContent);
            Assert.Equal(before["hard_max_iterations"]!.ToString(), page.Find("[data-testid=value-hard_max_iterations]").TextContent);
        }, Wait);

        var simple = before["base_limits"]!["simple"]!.GetValue<int>() + 4;
        try
        {
            await page.InvokeAsync(() => page.Find("input[data-testid=slider-simple]").Input(simple.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await page.InvokeAsync(() => page.Find("[data-testid=apply-settings]").Click());
            var after = await WaitForAsync(async () => await SettingsAsync(), s => s["base_limits"]!["simple"]!.GetValue<int>() == simple);
            Assert.Equal(before["base_limits"]!["complex"]!.GetValue<int>(), after["base_limits"]!["complex"]!.GetValue<int>());
            var updatedBy = (await RalphApi.GetFromJsonAsync<JsonObject>(new Uri("/settings", UriKind.Relative)))!["updated_by"]!.GetValue<string>();
            Assert.Equal("dashboard", updatedBy);
            page.WaitForAssertion(() => Assert.Contains("by dashboard", page.Find("[data-testid=settings-updated]").TextContent, StringComparison.Ordinal), Wait);
        }
        finally
        {
            using var restore = await RalphApi.PutAsJsonAsync(new Uri("/settings", UriKind.Relative), new { base_limits = before["base_limits"] }, RalphFactory.Json);
            restore.EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task The_task_list_is_ralphs_and_a_submitted_task_runs_to_completion()
    {
        var listed = (await RalphApi.GetFromJsonAsync<JsonObject>(new Uri("/tasks?limit=20", UriKind.Relative)))!;
        var page = Context.RenderPage<RalphPage>();
        page.WaitForAssertion(() =>
        {
            Assert.Equal($"{listed["total"]} tasks", page.Find("[data-testid=task-total]").TextContent);
            foreach (var task in listed["tasks"]!.AsArray())
            {
                Assert.Equal(task!["status"]!.GetValue<string>(), page.Find($"[data-testid=task-{task["task_id"]}]").GetAttribute("data-status"));
            }
        }, Wait);

        await page.InvokeAsync(() => page.Find("textarea[data-testid=task-prompt]").Change("Write the notes file from the control center"));
        await page.InvokeAsync(() => page.Find("[data-testid=task-submit]").Click());
        var submitted = await WaitForAsync(
            async () => (await RalphApi.GetFromJsonAsync<JsonObject>(new Uri("/tasks?limit=50", UriKind.Relative)))!["tasks"]!.AsArray()
                .FirstOrDefault(t => t!["prompt"]!.GetValue<string>() == "Write the notes file from the control center"),
            t => t is not null);
        var id = submitted!["task_id"]!.GetValue<string>();
        var finished = await RalphApi.WaitForAsync(id, seconds: 30);
        Assert.Equal("completed", finished.Status());
        page.WaitForAssertion(() => Assert.Equal("completed", page.Find($"[data-testid=task-{id}]").GetAttribute("data-status")), Wait);
    }

    [Fact]
    public async Task Approve_lets_a_gated_task_go_on_and_reject_ends_one()
    {
        var approved = (await RalphApi.SubmitAsync(new { prompt = "Gated work to approve", backend = "agent", max_iterations = 5, require_approval = true })).Id();
        var rejected = (await RalphApi.SubmitAsync(new { prompt = "Gated work to reject", backend = "agent", max_iterations = 5, require_approval = true })).Id();
        foreach (var id in (string[])[approved, rejected])
        {
            await RalphApi.WaitForAsync(id, t => t["approval"]?.GetValue<string>() == "pending", seconds: 30);
        }

        var page = Context.RenderPage<RalphPage>();
        page.WaitForAssertion(() => page.Find($"[data-testid=approve-{approved}]"), Wait);
        await page.InvokeAsync(() => page.Find($"[data-testid=approve-{approved}]").Click());
        page.WaitForAssertion(() => page.Find($"[data-testid=reject-{rejected}]"), Wait);
        await page.InvokeAsync(() => page.Find($"[data-testid=reject-{rejected}]").Click());

        Assert.Equal("rejected", (await RalphApi.WaitForAsync(rejected, seconds: 30)).Status());

        // A gated task asks before every iteration, the first included: approve each later one on the live page too.
        for (var round = 0; round < 5; round++)
        {
            var task = await RalphApi.WaitForAsync(approved, t => t.Status() == "completed" || t["approval"]?.GetValue<string>() == "pending", seconds: 30);
            if (task.Status() == "completed")
            {
                break;
            }

            page.WaitForAssertion(() => page.Find($"[data-testid=approve-{approved}]"), Wait);
            await page.InvokeAsync(() => page.Find($"[data-testid=approve-{approved}]").Click());
            await RalphApi.WaitForAsync(approved, t => t["approval"]?.GetValue<string>() != "pending" || t.Status() == "completed", seconds: 30);
        }

        Assert.Equal("completed", (await RalphApi.WaitForAsync(approved, seconds: 30)).Status());
    }

    [Fact]
    public async Task The_task_page_shows_every_iteration_as_ralph_recorded_it()
    {
        var id = Services.CompletedTasks[0];
        var result = (await RalphApi.GetFromJsonAsync<JsonObject>(new Uri($"/tasks/{id}/result", UriKind.Relative)))!;
        var page = Context.RenderPage<TaskPage>(("TaskId", id));
        page.WaitForAssertion(() =>
        {
            Assert.Equal("completed", page.Find("[data-testid=task-status]").TextContent);
            Assert.Equal(result["total_iterations"]!.ToString(), page.Find("[data-testid=task-iterations]").TextContent);
            foreach (var iteration in result["results"]!.AsArray())
            {
                var n = iteration!["iteration"]!.GetValue<int>();
                Assert.StartsWith(iteration["exit_code"]!.ToString(), page.Find($"[data-testid=exit-{n}]").TextContent, StringComparison.Ordinal);
                Assert.Contains(iteration["output"]!.GetValue<string>().Trim(), page.Find($"[data-testid=output-{n}]").TextContent, StringComparison.Ordinal);
            }

            Assert.Contains("notes.txt", page.Find("[data-testid=iteration-2]").TextContent, StringComparison.Ordinal);
        }, Wait);
    }

    [Fact]
    public async Task An_unreachable_ralph_renders_its_error_state()
    {
        await using var context = new DashboardTestContext(Services, "ralph");
        var page = context.RenderPage<RalphPage>();
        page.WaitForAssertion(() => Assert.All(page.FindAll("[data-testid=error-ralph]"), e => Assert.Contains("ralph is unreachable", e.TextContent, StringComparison.Ordinal)), Wait);
        Assert.Equal(2, page.FindAll("[data-testid=error-ralph]").Count);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        T value;
        do
        {
            value = await read();
            if (until(value))
            {
                return value;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"The expected state did not come within 20 s; last: {value}");
        return value;
    }
}
