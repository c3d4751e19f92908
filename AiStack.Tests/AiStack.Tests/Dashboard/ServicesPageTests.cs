using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Dashboard.Components.Pages;
using Bunit;

namespace AiStack.Tests.Dashboard;

/// <summary>The services page's health part; its restarts go through the AppHost and are the browser tests' part.</summary>
[Collection(DashboardServicesCollection.Name)]
public sealed class ServicesPageTests(DashboardServicesFixture services) : DashboardPageTests(services)
{

    [Fact]
    public async Task Health_entries_and_circuit_breakers_are_each_services_own()
    {
        using var coordinator = Services.Client(Services.Coordinator);
        using var response = await coordinator.GetAsync(new Uri("/health", UriKind.Relative));
        var health = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        var page = Context.RenderPage<ServicesPage>();
        page.WaitForAssertion(() =>
        {
            var card = page.Find("[data-testid=service-coordinator]");
            Assert.Equal(health["status"]!.GetValue<string>(), card.GetAttribute("data-health"));
            foreach (var check in health["checks"]!.AsArray())
            {
                Assert.Contains(check!["name"]!.GetValue<string>(), card.TextContent, StringComparison.Ordinal);
            }

            foreach (var (breaker, state) in health["circuit_breakers"]!.AsObject())
            {
                Assert.Contains($"{breaker}: {state}", page.Find($"[data-testid='breaker-coordinator-{breaker}']").TextContent, StringComparison.Ordinal);
            }
        }, Wait);
    }

    [Fact]
    public void Without_an_apphost_the_page_says_so_and_still_shows_health()
    {
        var page = Context.RenderPage<ServicesPage>();
        page.WaitForAssertion(() =>
        {
            Assert.Contains("apphost is unreachable", page.Find("[data-testid=error-apphost]").TextContent, StringComparison.Ordinal);
            Assert.Equal("healthy", page.Find("[data-testid=service-knowledgebase]").GetAttribute("data-health"));
        }, Wait);
    }
}
