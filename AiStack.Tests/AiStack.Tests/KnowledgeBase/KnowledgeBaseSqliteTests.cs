using AiStack.Contracts.KnowledgeBase;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task Changing_the_model_re_embeds_in_the_background_with_progress_in_health_and_never_mixes_vectors()
    {
        Factory.PreserveFilesOnDispose = true;
        await Factory.DisposeAsync();
        // Written by the word-hash fallback: enough chunks that re-embedding with MiniLM takes a few seconds.
        await using (var hashed = new KnowledgeBaseFactory(sqlitePath: Factory.SqlitePath,
            settings: new Dictionary<string, string?> { ["Embeddings:Provider"] = "hashing" }))
        {
            hashed.PreserveFilesOnDispose = true;
            using var client = hashed.CreateApiClient();
            foreach (var document in Corpus)
            {
                (await client.PostJsonAsync("/documents", document)).EnsureSuccessStatusCode();
            }

            var filler = string.Join("\n\n", Enumerable.Range(0, 400).Select(i => $"Note {i} about the build, the tests and deployment step {i * 7}."));
            (await client.PostJsonAsync("/documents", new { project = "alpha", title = "Notes", content = filler })).EnsureSuccessStatusCode();
        }

        await using var restarted = new KnowledgeBaseFactory(sqlitePath: Factory.SqlitePath);
        using var api = restarted.CreateApiClient();
        var health = await api.GetStringAsync(new Uri("/health", UriKind.Relative));
        Assert.Contains("re-embedding", health, StringComparison.Ordinal);
        // Until the re-embedding is done, hashed vectors are out of the index: a hit comes from keywords, never from a hash vector.
        // (a chunk once re-embedded stays so, so reading its model after the query is safe).
        var during = await (await api.PostJsonAsync("/context", new { query = "note about the build and deployment", min_score = -1, limit = 50 })).ReadAsync<ContextResponse>();
        foreach (var hit in during.Results.Where(r => r.VectorRank is not null))
        {
            Assert.Equal("all-MiniLM-L6-v2", await ModelOfAsync(restarted, hit.ChunkId));
        }

        var deadline = DateTime.UtcNow.AddSeconds(90);
        CollectionListResponse collections;
        do
        {
            await Task.Delay(250);
            collections = await (await api.GetAsync(new Uri("/collections", UriKind.Relative))).ReadAsync<CollectionListResponse>();
        }
        while (collections.Collections.Any(c => c.ReembeddingRemaining > 0) && DateTime.UtcNow < deadline);

        Assert.All(collections.Collections, c => Assert.Equal((0L, "all-MiniLM-L6-v2", 384), (c.ReembeddingRemaining, c.EmbeddingModel, c.Dimensions)));
        var models = await CountModelsAsync(restarted);
        Assert.Equal(["all-MiniLM-L6-v2"], models);
        var context = await (await api.PostJsonAsync("/context", new { query = "How should I repeat failed web calls?", min_score = 0 })).ReadAsync<ContextResponse>();
        Assert.Equal("patterns/retry", context.Results[0].Source);
        Assert.NotNull(context.Results[0].VectorRank);
        Assert.DoesNotContain("re-embedding", await api.GetStringAsync(new Uri("/health", UriKind.Relative)), StringComparison.Ordinal);
    }

    private static async Task<string> ModelOfAsync(KnowledgeBaseFactory factory, long chunkId)
    {
        var database = factory.Services.GetRequiredService<AiStack.Storage.Database>();
        await using var connection = await database.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT embedding_model FROM chunks WHERE id = @chunkId", new { chunkId }) ?? "";
    }

    private static async Task<List<string>> CountModelsAsync(KnowledgeBaseFactory factory)
    {
        var database = factory.Services.GetRequiredService<AiStack.Storage.Database>();
        await using var connection = await database.OpenConnectionAsync();
        return (await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT DISTINCT embedding_model FROM chunks")).ToList();
    }

    [Fact]
    public async Task An_unknown_embedding_provider_stops_start_up_with_a_clear_message()
    {
        var error = await KnowledgeBaseFactory.StartFailureAsync(new Dictionary<string, string?> { ["Embeddings:Provider"] = "nonexistent" });

        Assert.Contains("Embeddings:Provider is 'nonexistent'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_file_that_is_not_sqlite_stops_start_up_at_once_with_what_to_do()
    {
        var folder = Infrastructure.TestDirectories.Create("kb-notadb");
        var file = Path.Combine(folder, "knowledgebase.db");
        await File.WriteAllBytesAsync(file, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 % 251))]);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var error = await KnowledgeBaseFactory.StartFailureAsync(new Dictionary<string, string?>
        {
            ["Storage:SqlitePath"] = file,
            ["Storage:StartupTimeout"] = "00:01:00",
        });

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}: it waited for a file that cannot become a database");
        Assert.Contains($"SQLite {file}) cannot be used: SQLite Error 26: 'file is not a database'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Move the file away", error.Message, StringComparison.Ordinal);
        Infrastructure.TestDirectories.Delete(folder);
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
