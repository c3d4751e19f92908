using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Dashboard.Components.Pages;
using Bunit;

namespace AiStack.Tests.Dashboard;

/// <summary>Every chart draws as many points as the services' own figures give.</summary>
[Collection(DashboardServicesCollection.Name)]
public sealed class TelemetryPageTests(DashboardServicesFixture services) : DashboardPageTests(services)
{

    private static int Points(Bunit.IRenderedComponent<Bunit.Rendering.ContainerFragment> page, string chart) =>
        int.Parse(page.Find($"[data-testid=chart-{chart}]").GetAttribute("data-points")!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_charts_have_the_points_that_learning_and_the_coordinator_report()
    {
        using var learning = Services.Client(Services.Learning);
        using var coordinator = Services.Client(Services.Coordinator);
        var page = Context.RenderPage<TelemetryPage>();

        page.WaitForAssertion(() => Assert.True(Points(page, "iterations") > 0), Wait);
        // Read the services after the page has loaded: other tests of the collection may have finished tasks meanwhile.
        var completed = (await DashboardServicesFixture.EventsAsync(learning, "task_completed")).Select(e => e!["payload"]!.AsObject())
            .GroupBy(p => p["task_id"]!.GetValue<string>()).Select(g => g.First()).ToList();
        var answered = await DashboardServicesFixture.EventsAsync(learning, "query_answered");
        var stats = (await coordinator.GetFromJsonAsync<JsonObject>(new Uri("/stats", UriKind.Relative)))!;
        var hours = completed.Count == 0 ? 0 : 1; // every task of the fixture finished within the same hour or the next one
        var statuses = completed.Select(p => p["status"]!.GetValue<string>()).Distinct().Count();
        var iterationCounts = completed.Select(p => p["total_iterations"]!.GetValue<int>()).Distinct().Count();
        var routes = stats["routes"]!.AsObject().Count(r => r.Value!.GetValue<long>() > 0);
        var answeredRoutes = answered.Select(e => e!["payload"]!["route"]!.GetValue<string>()).Distinct().Count();

        page.WaitForAssertion(() =>
        {
            Assert.Equal(iterationCounts, Points(page, "iterations"));
            Assert.Equal(Math.Min(completed.Count, AiStack.Dashboard.Telemetry.TelemetryCharts.CompletionTimePoints), Points(page, "completion-times"));
            Assert.InRange(Points(page, "tasks-over-time"), statuses * hours, statuses * (hours + 1));
            Assert.Equal(routes, Points(page, "routes"));
            Assert.Equal(2 * answeredRoutes, Points(page, "latency"));
            Assert.Equal(2, Points(page, "cache"));
            Assert.Contains($"({stats["cache"]!["hits"]} hits, {stats["cache"]!["misses"]} misses)", page.Find("[data-testid=cache-hit-rate]").TextContent, StringComparison.Ordinal);
        }, Wait);
        Assert.True(routes > 0 && answeredRoutes > 0, "the fixture's queries were routed");
    }

    [Fact]
    public void A_failed_task_is_listed_with_its_error()
    {
        var page = Context.RenderPage<TelemetryPage>();
        page.WaitForAssertion(() =>
        {
            var row = page.Find($"[data-testid=failure-{Services.FailedTask}]");
            Assert.Contains("broken", row.TextContent, StringComparison.Ordinal);
        }, Wait);
    }

    [Fact]
    public async Task Without_learning_the_charts_say_so_and_the_coordinators_figures_remain()
    {
        await using var context = new DashboardTestContext(Services, "learning");
        var page = context.RenderPage<TelemetryPage>();
        page.WaitForAssertion(() =>
        {
            Assert.Contains("learning is unreachable", page.Find("[data-testid=error-learning]").TextContent, StringComparison.Ordinal);
            Assert.Equal(0, Points(page, "iterations"));
            Assert.NotNull(page.Find("[data-testid=chart-iterations-empty]"));
            Assert.True(Points(page, "routes") > 0);
        }, Wait);
    }
}
