using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Clients;
using AiStack.Learning.Patterns;
using AiStack.Storage;
using AiStack.Tests.KnowledgeBase;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

/// <summary>Learning against a real KnowledgeBase (in-process): embeddings for near-duplicate dedup, and patterns fed back for /context.</summary>
public sealed class KnowledgeBaseFeedbackTests : IAsyncLifetime
{
    private const string Query = "How to configure the reverse proxy in front of the AiStack dashboard?";
    private const string Answer = "Add a server block whose location / has proxy_pass http://127.0.0.1:5000, enable websockets with the Upgrade headers, then reload nginx.";

    private KnowledgeBaseFactory _knowledgeBase = null!;
    private LearningFactory _learning = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _knowledgeBase = new KnowledgeBaseFactory(settings: new Dictionary<string, string?> { ["Security:ApiKey"] = LearningFactory.ApiKey });
        var handler = _knowledgeBase.Server.CreateHandler();
        _learning = new LearningFactory(
            settings: new Dictionary<string, string?> { ["services:knowledgebase:http:0"] = "http://knowledgebase.test/" },
            services: services => services.AddHttpClient<KnowledgeBaseClient>().ConfigurePrimaryHttpMessageHandler(() => handler));
        _client = _learning.CreateApiClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _learning.DisposeAsync();
        await _knowledgeBase.DisposeAsync();
    }

    private async Task<List<PatternRow>> PatternsAsync()
    {
        var database = _learning.Services.GetRequiredService<Database>();
        await using var connection = await database.OpenConnectionAsync();
        return (await connection.QueryAsync<PatternRow>($"SELECT {PatternRow.Columns} FROM patterns ORDER BY id")).AsList();
    }

    [Fact]
    public async Task A_valuable_pattern_reaches_the_knowledge_base_and_context_finds_it()
    {
        await _client.SendAsync(Events.QueryAnswered("i-kb", Query, Answer), Events.Feedback("i-kb", feedback: 1));
        await _client.ProcessAsync();

        var pattern = Assert.Single(await PatternsAsync());
        Assert.True(pattern.Value >= 0.7, $"value {pattern.Value}");
        Assert.Equal(pattern.Value, pattern.PublishedValue);

        using var kb = _knowledgeBase.CreateClient();
        kb.DefaultRequestHeaders.Add("X-API-Key", LearningFactory.ApiKey);
        var documents = await (await kb.GetAsync(new Uri("/documents?project=aistack-learning", UriKind.Relative))).ReadAsync<JsonObject>();
        var document = Assert.Single(documents["documents"]!.AsArray())!;
        Assert.Equal("skills-patterns", document["collection"]!.GetValue<string>());
        Assert.Equal($"pattern:{pattern.Id}", document["source"]!.GetValue<string>());

        using var response = await kb.PostAsJsonAsync(new Uri("/context", UriKind.Relative),
            new { query = "configure reverse proxy for the dashboard with nginx", collections = new[] { "skills-patterns" } }, KnowledgeBaseFactory.Json);
        var context = await response.ReadAsync<JsonObject>();
        Assert.Contains(context["results"]!.AsArray(), r => r!["source"]!.GetValue<string>() == $"pattern:{pattern.Id}");
    }

    [Fact]
    public async Task Near_duplicates_merge_into_the_older_pattern_with_an_80_20_value()
    {
        await _client.SendAsync(Events.QueryAnswered("i-1", Query, Answer), Events.Feedback("i-1", feedback: 1));
        await _client.ProcessAsync();
        var first = Assert.Single(await PatternsAsync());

        await _client.SendAsync(Events.QueryAnswered("i-2", Query, Answer + " Done."));
        await _client.ProcessAsync();

        var merged = Assert.Single(await PatternsAsync());
        Assert.Equal(first.Id, merged.Id);
        Assert.Equal(2, merged.Occurrences);
        var second = ValueScore.Compute(Outcomes.Unknown, null, Query, Answer + " Done.");
        Assert.Equal(Math.Round((0.8 * first.Value) + (0.2 * second), 6), merged.Value, 6);
        var stats = await _client.StatsAsync();
        Assert.Equal(1, stats["deduplication"]!["near"]!.GetValue<long>());

        // Feedback for the merged-away interaction still finds its pattern.
        await _client.SendAsync(Events.Feedback("i-2", feedback: 1));
        await _client.ProcessAsync();
        Assert.Single(await PatternsAsync());
    }
}
