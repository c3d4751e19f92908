using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Dashboard.Components.Pages;
using AiStack.Tests.Ralph;
using Bunit;

namespace AiStack.Tests.Dashboard;

[Collection(DashboardServicesCollection.Name)]
public sealed class KnowledgePageTests(DashboardServicesFixture services) : DashboardPageTests(services)
{
    private HttpClient KnowledgeBaseApi => ServiceClient(Services.KnowledgeBase);

    [Fact]
    public async Task Collections_and_probes_are_the_knowledgebases()
    {
        var collections = (await KnowledgeBaseApi.GetFromJsonAsync<JsonObject>(new Uri("/collections", UriKind.Relative)))!["collections"]!.AsArray();
        var page = Context.RenderPage<KnowledgePage>();
        page.WaitForAssertion(() =>
        {
            foreach (var collection in collections)
            {
                Assert.Equal(collection!["documents"]!.ToString(), page.Find($"[data-testid=documents-{collection["name"]}]").TextContent);
            }

            foreach (var probe in (string[])["live", "ready", "startup"])
            {
                Assert.Equal("healthy", page.Find($"[data-testid=probe-{probe}]").GetAttribute("data-status"));
            }
        }, Wait);
        Assert.Equal("1", page.Find("[data-testid=documents-best-practices]").TextContent);
    }

    [Fact]
    public async Task A_search_shows_the_hybrid_results_with_their_scores()
    {
        using var expected = await KnowledgeBaseApi.PostAsJsonAsync(new Uri("/context", UriKind.Relative), new { query = "configure the response cache", limit = 10 }, RalphFactory.Json);
        var results = (await expected.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray();
        Assert.NotEmpty(results);

        var page = Context.RenderPage<KnowledgePage>();
        page.WaitForAssertion(() => page.Find("input[data-testid=kb-query]"), Wait);
        await page.InvokeAsync(() => page.Find("input[data-testid=kb-query]").Input("configure the response cache"));
        await page.InvokeAsync(() => page.Find("[data-testid=kb-search-button]").Click());
        page.WaitForAssertion(() =>
        {
            Assert.StartsWith($"{results.Count} results", page.Find("[data-testid=kb-result-count]").TextContent, StringComparison.Ordinal);
            foreach (var result in results)
            {
                var row = page.Find($"[data-testid=kb-result-{result!["chunk_id"]}]");
                Assert.Contains(result["score"]!.GetValue<double>().ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), row.TextContent, StringComparison.Ordinal);
                Assert.Contains(result["title"]!.GetValue<string>(), row.TextContent, StringComparison.Ordinal);
            }
        }, Wait);
    }

    [Fact]
    public async Task An_unreachable_knowledgebase_renders_its_error_state()
    {
        await using var context = new DashboardTestContext(Services, "knowledgebase");
        var page = context.RenderPage<KnowledgePage>();
        page.WaitForAssertion(() =>
        {
            Assert.Contains("knowledgebase is unreachable", page.Find("[data-testid=error-knowledgebase]").TextContent, StringComparison.Ordinal);
            Assert.Equal("unreachable", page.Find("[data-testid=probe-ready]").GetAttribute("data-status"));
        }, Wait);
    }
}
