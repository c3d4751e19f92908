using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>The contract on the embedded profile: a SQLite file, the in-memory vector index and the in-process cache.</summary>
public sealed class KnowledgeBaseSqliteTests : KnowledgeBaseApiContract
{
    protected override Task<KnowledgeBaseFactory> CreateFactoryAsync(IReadOnlyDictionary<string, string?> settings) =>
        Task.FromResult(new KnowledgeBaseFactory(settings: settings));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Infrastructure.TestDirectories.Delete(Path.GetDirectoryName(Factory.SqlitePath)!);
    }

    [Fact]
    public async Task Documents_and_their_vectors_survive_a_restart_on_the_same_file()
    {
        await AddCorpusAsync();
        Factory.PreserveFilesOnDispose = true;
        await Factory.DisposeAsync();

        await using var restarted = new KnowledgeBaseFactory(sqlitePath: Factory.SqlitePath);
        using var client = restarted.CreateApiClient();
        var list = await (await client.GetAsync("/documents")).ReadAsync<DocumentListResponse>();
        var context = await (await client.PostJsonAsync("/context", new { query = "connection refused on port 5432", min_score = 0 })).ReadAsync<ContextResponse>();

        Assert.Equal(5, list.Total);
        Assert.Equal("errors/connection-refused", context.Results[0].Source);
        Assert.NotNull(context.Results[0].VectorRank); // found by the index loaded from the file, not only by keywords
    }

    [Fact]
    public async Task Chunks_embedded_by_another_model_are_re_embedded_at_start_up()
    {
        await AddCorpusAsync();
        Factory.PreserveFilesOnDispose = true;
        await Factory.DisposeAsync();

        await using var restarted = new KnowledgeBaseFactory(sqlitePath: Factory.SqlitePath,
            settings: new Dictionary<string, string?> { ["Embeddings:Dimensions"] = "256" });
        using var client = restarted.CreateApiClient();
        var embedded = await (await client.PostJsonAsync("/vector/embed", new { texts = new[] { "x" } })).ReadAsync<EmbedResponse>();
        var context = await (await client.PostJsonAsync("/context", new { query = "retry with jittered backoff", min_score = 0 })).ReadAsync<ContextResponse>();

        Assert.Equal(256, embedded.Dimensions);
        Assert.Equal("patterns/retry", context.Results[0].Source);
        Assert.Equal(1, context.Results[0].VectorRank);
    }

    [Fact]
    public async Task An_unknown_embedding_provider_stops_start_up_with_a_clear_message()
    {
        var error = await KnowledgeBaseFactory.StartFailureAsync(new Dictionary<string, string?> { ["Embeddings:Provider"] = "nonexistent" });

        Assert.Contains("Embeddings:Provider is 'nonexistent'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Default_min_scores_keep_good_matches_and_drop_unrelated_chunks()
    {
        await AddCorpusAsync();

        var context = await (await Client.PostJsonAsync("/context", new { query = "connection refused on port 5432, how to start postgres" })).ReadAsync<ContextResponse>();

        Assert.Equal("errors/connection-refused", context.Results[0].Source);
        Assert.DoesNotContain(context.Results, r => r.Source == "practices/testing.md");
    }
}
