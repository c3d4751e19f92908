using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Dashboard.Components.Pages;
using Bunit;

namespace AiStack.Tests.Dashboard;

[Collection(DashboardServicesCollection.Name)]
public sealed class LearningPageTests(DashboardServicesFixture services) : DashboardPageTests(services)
{
    private HttpClient LearningApi => ServiceClient(Services.Learning);

    [Fact]
    public async Task Patterns_dataset_backpressure_and_checkpoint_are_learnings_figures()
    {
        var stats = (await LearningApi.GetFromJsonAsync<JsonObject>(new Uri("/learning/stats", UriKind.Relative)))!;
        var patterns = (await LearningApi.GetFromJsonAsync<JsonObject>(new Uri("/learning/patterns?limit=20", UriKind.Relative)))!["patterns"]!.AsArray();
        Assert.NotEmpty(patterns);

        var page = Context.RenderPage<LearningPage>();
        page.WaitForAssertion(() =>
        {
            Assert.Equal(stats["finetuning_dataset_size"]!.ToString(), page.Find("[data-testid=dataset-size]").TextContent);
            Assert.Equal(stats["total_patterns_learned"]!.ToString(), page.Find("[data-testid=patterns-total]").TextContent);
            Assert.Equal(stats["backpressure"]!["active"]!.GetValue<bool>() ? "true" : "false", page.Find("[data-testid=learning-backpressure]").GetAttribute("data-active"));
            Assert.Contains($"Batch {stats["checkpoint"]!["batch"]}", page.Find("[data-testid=learning-checkpoint]").TextContent, StringComparison.Ordinal);
            Assert.Equal(stats["patterns_by_type"]!.AsObject().Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                page.Find("[data-testid=chart-patterns-by-type]").GetAttribute("data-points"));
            foreach (var pattern in patterns)
            {
                var row = page.Find($"[data-testid=pattern-{pattern!["id"]}]");
                Assert.Contains(pattern["value"]!.GetValue<double>().ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), row.TextContent, StringComparison.Ordinal);
                Assert.Contains(pattern["pattern_type"]!.GetValue<string>(), row.TextContent, StringComparison.Ordinal);
            }
        }, Wait);
    }

    [Fact]
    public async Task Export_writes_the_dataset_through_learning()
    {
        var page = Context.RenderPage<LearningPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=export-dataset]"), Wait);
        await page.InvokeAsync(() => page.Find("[data-testid=export-dataset]").Click());
        page.WaitForAssertion(() =>
        {
            var text = page.Find("[data-testid=export-result]").TextContent;
            var path = text[(text.LastIndexOf(" to ", StringComparison.Ordinal) + 4)..].Trim();
            Assert.True(File.Exists(path), $"{path} was not written");
            Assert.Contains($"Exported {File.ReadAllLines(path).Length} examples", text, StringComparison.Ordinal);
        }, Wait);
    }

    [Fact]
    public async Task An_unreachable_learning_renders_its_error_state()
    {
        await using var context = new DashboardTestContext(Services, "learning");
        var page = context.RenderPage<LearningPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=error-learning]").Count), Wait);
        Assert.Contains("learning is unreachable", page.Find("[data-testid=error-learning]").TextContent, StringComparison.Ordinal);
    }
}
