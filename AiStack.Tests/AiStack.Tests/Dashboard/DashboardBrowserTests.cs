using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Tests.Ralph;
using Microsoft.Playwright;

namespace AiStack.Tests.Dashboard;

/// <summary>The control center in headless Chromium against the stack started through the AppHost.</summary>
[Collection(BrowserStackCollection.Name)]
public sealed class DashboardBrowserTests(BrowserStackFixture stack) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _consoleErrors = new();
    private IPage _page = null!;

    public async Task InitializeAsync() => _page = await stack.SignedInPageAsync(_consoleErrors);

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        Assert.True(_consoleErrors.IsEmpty, "browser console errors:\n" + string.Join("\n", _consoleErrors));
    }

    private static Task Expect(ILocator locator, string attribute, string value, float timeout = 30_000) =>
        Assertions.Expect(locator).ToHaveAttributeAsync(attribute, value, new LocatorAssertionsToHaveAttributeOptions { Timeout = timeout });

    [Fact]
    public async Task Signing_in_with_the_key_shows_every_service_green()
    {
        foreach (var service in (string[])["knowledgebase", "coordinator", "learning", "ralph"])
        {
            await Expect(_page.Locator($"[data-testid=health-{service}]"), "data-status", "healthy");
        }

        await BrowserStackFixture.ScreenshotAsync(_page, "overview");
        // Without the cookie the same page asks for the key again.
        var stranger = await stack.NewPageAsync(_consoleErrors);
        await stranger.GotoAsync(stack.Dashboard.ToString());
        await stranger.WaitForURLAsync("**/signin**");
        await stranger.FillAsync("#key", "not-the-key");
        await stranger.ClickAsync("#sign-in");
        await Assertions.Expect(stranger.Locator("[data-testid=signin-failed]")).ToBeVisibleAsync();
        await stranger.Context.CloseAsync();
    }

    [Fact]
    public async Task Moving_a_slider_and_applying_changes_ralphs_settings()
    {
        using var ralph = stack.Host.ServiceClient("ralph");
        var before = (await ralph.GetFromJsonAsync<JsonObject>(new Uri("/settings", UriKind.Relative)))!["settings"]!["base_limits"]!["moderate"]!.GetValue<int>();
        await stack.GotoAsync(_page, "ralph");
        var slider = _page.Locator("input[data-testid=slider-moderate]");
        await Assertions.Expect(slider).ToHaveValueAsync(before.ToString(CultureInfo.InvariantCulture));
        await slider.FocusAsync();
        for (var i = 0; i < 3; i++)
        {
            await slider.PressAsync("ArrowRight");
        }

        await Assertions.Expect(_page.Locator("[data-testid=value-moderate]")).ToHaveTextAsync((before + 3).ToString(CultureInfo.InvariantCulture));
        await _page.Locator("[data-testid=apply-settings]").ClickAsync();
        await Poll(async () => (await ralph.GetFromJsonAsync<JsonObject>(new Uri("/settings", UriKind.Relative)))!["settings"]!["base_limits"]!["moderate"]!.GetValue<int>() == before + 3,
            "Ralph's GET /settings never showed the new limit");
        await Assertions.Expect(_page.Locator("[data-testid=settings-updated]")).ToContainTextAsync("by dashboard");
        await BrowserStackFixture.ScreenshotAsync(_page, "ralph");
    }

    [Fact]
    public async Task A_submitted_task_runs_to_done_with_its_iterations_shown_live()
    {
        const string Prompt = "Write the notes file, submitted from the browser";
        await stack.GotoAsync(_page, "ralph");
        await _page.Locator("textarea[data-testid=task-prompt]").FillAsync(Prompt);
        await _page.Locator("input[data-testid=task-backend]").FillAsync("agent");
        await _page.Locator("[data-testid=task-submit]").ClickAsync();

        using var ralph = stack.Host.ServiceClient("ralph");
        string? id = null;
        await Poll(async () =>
        {
            var tasks = (await ralph.GetFromJsonAsync<JsonObject>(new Uri("/tasks?limit=100", UriKind.Relative)))!["tasks"]!.AsArray();
            id = tasks.FirstOrDefault(t => t!["prompt"]!.GetValue<string>() == Prompt)?["task_id"]?.GetValue<string>();
            return id is not null;
        }, "the task never reached Ralph");

        await _page.Locator($"[data-testid=task-{id}] a").ClickAsync();
        await Assertions.Expect(_page.Locator("[data-testid=task-status]")).ToHaveTextAsync("completed", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        await Assertions.Expect(_page.Locator("[data-testid=task-iterations]")).ToHaveTextAsync("2");
        await Assertions.Expect(_page.Locator("[data-testid=output-1]")).ToContainTextAsync("run 1 of the agent");
        await Assertions.Expect(_page.Locator("[data-testid=exit-2]")).ToHaveTextAsync("0");
        await Assertions.Expect(_page.Locator("[data-testid=iteration-2]")).ToContainTextAsync("notes.txt");
        await BrowserStackFixture.ScreenshotAsync(_page, "task");
    }

    [Fact]
    public async Task Approving_a_gated_task_lets_it_finish()
    {
        using var ralph = stack.Host.ServiceClient("ralph");
        var id = (await ralph.SubmitAsync(new { prompt = "Gated change to approve in the browser", backend = "agent", max_iterations = 5, require_approval = true })).Id();
        await ralph.WaitForAsync(id, t => t["approval"]?.GetValue<string>() == "pending", seconds: 30);

        // A gated task asks before every iteration, the first included: approve each one in the browser until it is done.
        for (var round = 0; round < 5; round++)
        {
            await stack.GotoAsync(_page, "ralph");
            await _page.Locator($"[data-testid=approve-{id}]").ClickAsync();
            await ralph.WaitForAsync(id, t => t["approval"]?.GetValue<string>() != "pending" || t.Status() == "completed", seconds: 30);
            var task = await ralph.WaitForAsync(id, t => t.Status() == "completed" || t["approval"]?.GetValue<string>() == "pending", seconds: 30);
            if (task.Status() == "completed")
            {
                break;
            }
        }

        Assert.Equal("completed", (await ralph.WaitForAsync(id, seconds: 30)).Status());
        await Expect(_page.Locator($"[data-testid=task-{id}]"), "data-status", "completed");
    }

    [Fact]
    public async Task Restarting_a_service_shows_it_go_down_and_come_back()
    {
        var before = await stack.Host.GetResourceAsync("learning");
        await stack.GotoAsync(_page, "services");
        var card = _page.Locator("[data-testid=service-learning]");
        await Expect(card, "data-state", "Ready");

        // Watch the AppHost's own view while the browser's button does the restart.
        var seen = new List<string>();
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                seen.Add((await stack.Host.GetResourceAsync("learning")).GetProperty("state").GetString()!);
                await Task.Delay(50);
            }
        });
        await _page.Locator("[data-testid=restart-learning]").ClickAsync();
        await Assertions.Expect(_page.Locator("[data-testid=restarting]")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("[data-testid=restarting]")).ToBeHiddenAsync(new LocatorAssertionsToBeHiddenOptions { Timeout = 90_000 });
        await Expect(card, "data-state", "Ready");
        await Expect(card, "data-health", "healthy");
        await watching.CancelAsync();
        await watcher;

        var after = await stack.Host.GetResourceAsync("learning");
        Assert.Contains(seen, s => s != "Ready");
        Assert.NotEqual(before.GetProperty("pid").GetInt32(), after.GetProperty("pid").GetInt32());
        await Assertions.Expect(card).ToContainTextAsync($"pid {after.GetProperty("pid").GetInt32()}");
        await BrowserStackFixture.ScreenshotAsync(_page, "services");
    }

    [Fact]
    public async Task Every_chart_draws_the_points_that_the_services_report()
    {
        using var ralph = stack.Host.ServiceClient("ralph");
        using var coordinator = stack.Host.ServiceClient("coordinator");
        using var learning = stack.Host.ServiceClient("learning");
        var id = (await ralph.SubmitAsync(new { prompt = "Write the notes file for the charts", backend = "agent", max_iterations = 5 })).Id();
        await ralph.WaitForAsync(id, seconds: 30);
        foreach (var prompt in (string[])["How do I configure the cache?", "How do I configure the cache?"])
        {
            using var answer = await coordinator.PostAsJsonAsync(new Uri("/query", UriKind.Relative), new { prompt, max_tokens = 4, temperature = 0.0 }, RalphFactory.Json);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        }

        await Poll(async () => (await DashboardServicesFixture.EventsAsync(learning, "task_completed")).Any(e => e!["task_id"]?.GetValue<string>() == id)
                               && (await DashboardServicesFixture.EventsAsync(learning, "query_answered")).Count >= 2, "the events never reached Learning");
        var completed = (await DashboardServicesFixture.EventsAsync(learning, "task_completed")).Select(e => e!["payload"]!.AsObject())
            .GroupBy(p => p["task_id"]!.GetValue<string>()).Select(g => g.First()).ToList();
        var answered = await DashboardServicesFixture.EventsAsync(learning, "query_answered");
        var stats = (await coordinator.GetFromJsonAsync<JsonObject>(new Uri("/stats", UriKind.Relative)))!;

        await stack.GotoAsync(_page, "telemetry");
        await ExpectPoints("iterations", completed.Select(p => p["total_iterations"]!.GetValue<int>()).Distinct().Count());
        await ExpectPoints("completion-times", Math.Min(completed.Count, AiStack.Dashboard.Telemetry.TelemetryCharts.CompletionTimePoints));
        await ExpectPoints("routes", stats["routes"]!.AsObject().Count(r => r.Value!.GetValue<long>() > 0));
        await ExpectPoints("latency", 2 * answered.Select(e => e!["payload"]!["route"]!.GetValue<string>()).Distinct().Count());
        await ExpectPoints("cache", 2);
        // The drawn chart has as many bars as points: MudBlazor draws one path per bar.
        var bars = await _page.Locator("[data-testid=chart-iterations] svg path.mud-chart-bar").CountAsync();
        Assert.Equal(int.Parse((await _page.Locator("[data-testid=chart-iterations]").GetAttributeAsync("data-points"))!, CultureInfo.InvariantCulture), bars);
        await BrowserStackFixture.ScreenshotAsync(_page, "telemetry");
    }

    [Fact]
    public async Task The_learning_and_knowledgebase_pages_show_their_services()
    {
        using var kb = stack.Host.ServiceClient("knowledgebase");
        using (var added = await kb.PostAsJsonAsync(new Uri("/documents", UriKind.Relative), new
               {
                   project = "browser", title = "Response cache", source = "docs/cache.md", collection = "best-practices",
                   content = "To configure the response cache set ResponseCache:Enabled in appsettings.",
               }, RalphFactory.Json))
        {
            added.EnsureSuccessStatusCode();
        }

        await stack.GotoAsync(_page, "knowledge");
        await Expect(_page.Locator("[data-testid=probe-ready]"), "data-status", "healthy");
        await _page.Locator("input[data-testid=kb-query]").FillAsync("configure the response cache");
        await _page.Locator("[data-testid=kb-search-button]").ClickAsync();
        await Assertions.Expect(_page.Locator("[data-testid=kb-search] tbody tr").First).ToContainTextAsync("Response cache");
        await BrowserStackFixture.ScreenshotAsync(_page, "knowledgebase");

        await stack.GotoAsync(_page, "learning");
        await Assertions.Expect(_page.Locator("[data-testid=learning-backpressure]")).ToContainTextAsync("events");
        await BrowserStackFixture.ScreenshotAsync(_page, "learning");
    }

    private async Task ExpectPoints(string chart, int expected)
    {
        Assert.True(expected > 0, $"the services gave no data for chart {chart}");
        await Expect(_page.Locator($"[data-testid=chart-{chart}]"), "data-points", expected.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task Poll(Func<Task<bool>> condition, string failure, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail(failure);
    }
}
