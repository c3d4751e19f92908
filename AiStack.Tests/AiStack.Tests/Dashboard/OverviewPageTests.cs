using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Dashboard.Components.Pages;
using Bunit;

namespace AiStack.Tests.Dashboard;

[Collection(DashboardServicesCollection.Name)]
public sealed class OverviewPageTests(DashboardServicesFixture services) : DashboardPageTests(services)
{

    [Fact]
    public async Task Each_service_shows_the_status_its_health_endpoint_gives()
    {
        var page = Context.RenderPage<OverviewPage>();
        foreach (var (name, address) in new[] { ("ralph", Services.Ralph), ("coordinator", Services.Coordinator), ("knowledgebase", Services.KnowledgeBase), ("learning", Services.Learning) })
        {
            using var client = Services.Client(address);
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
            var status = (await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>();
            page.WaitForAssertion(() => Assert.Equal(status, page.Find($"[data-testid=health-{name}]").GetAttribute("data-status")), TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Task_counts_and_learning_backlog_are_the_services_figures()
    {
        using var ralph = Services.Client(Services.Ralph);
        var stats = (await ralph.GetFromJsonAsync<JsonObject>(new Uri("/stats", UriKind.Relative)))!;
        using var learning = Services.Client(Services.Learning);
        var learningStats = (await learning.GetFromJsonAsync<JsonObject>(new Uri("/learning/stats", UriKind.Relative)))!;

        var page = Context.RenderPage<OverviewPage>();
        page.WaitForAssertion(() =>
        {
            Assert.Equal($"Running: {stats["running"]}", page.Find("[data-testid=tasks-running]").TextContent.Trim());
            Assert.Equal($"Queued: {stats["queued"]}", page.Find("[data-testid=tasks-queued]").TextContent.Trim());
            Assert.StartsWith($"Backlog: {learningStats["events"]!["lag"]} events", page.Find("[data-testid=learning-backlog]").TextContent.Trim(), StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));
        // The fixture's three queries were answered locally today (route_decided events in Learning).
        page.WaitForAssertion(() => Assert.Contains("local 100%", page.Find("[data-testid=route-share]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_unreachable_service_renders_its_error_state_and_an_alert()
    {
        await using var context = new DashboardTestContext(Services, "ralph");
        var page = context.RenderPage<OverviewPage>();
        page.WaitForAssertion(() =>
        {
            Assert.Equal("unreachable", page.Find("[data-testid=health-ralph]").GetAttribute("data-status"));
            Assert.Contains("ralph is unreachable", page.Find("[data-testid=error-ralph]").TextContent, StringComparison.Ordinal);
            Assert.Contains("ralph cannot be reached.", page.Find("[data-testid=alerts]").TextContent, StringComparison.Ordinal);
            // The other services still show their figures.
            Assert.Equal("healthy", page.Find("[data-testid=health-knowledgebase]").GetAttribute("data-status"));
        }, TimeSpan.FromSeconds(10));
    }
}
