using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Vectors;
using AiStack.KnowledgeBase.Vectors.Qdrant;
using Microsoft.Extensions.Options;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>The Qdrant adapter against a server that speaks Qdrant's documented REST shapes (see <see cref="FakeQdrant"/>).</summary>
public sealed class QdrantVectorStoreTests : IAsyncLifetime
{
    private FakeQdrant _qdrant = null!;
    private HttpClient _http = null!;
    private QdrantVectorStore _store = null!;

    public async Task InitializeAsync()
    {
        _qdrant = await FakeQdrant.StartAsync();
        _http = new HttpClient { BaseAddress = _qdrant.Address };
        _http.DefaultRequestHeaders.Add("api-key", _qdrant.ApiKey);
        _store = new QdrantVectorStore(_http, Options.Create(new QdrantOptions { CollectionPrefix = "t_" }));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _qdrant.DisposeAsync();
    }

    private static float[] Unit(params float[] values) => AiStack.KnowledgeBase.Embeddings.VectorMath.Normalized(values);

    [Fact]
    public async Task Ensuring_a_collection_creates_it_once_with_cosine_distance_and_payload_indexes()
    {
        await _store.EnsureCollectionAsync("skills-patterns", 4);
        await _store.EnsureCollectionAsync("skills-patterns", 4);

        var created = Assert.Single(_qdrant.Requests, r => r.Method == "PUT" && r.Path == "/collections/t_skills-patterns");
        Assert.Equal("""{"vectors":{"size":4,"distance":"Cosine"}}""", FakeQdrant.Json(created.Body));
        Assert.Equal(["document_id", "project"], _qdrant.Collections["t_skills-patterns"].IndexedFields.Order());
    }

    [Fact]
    public async Task Upserts_send_integer_point_ids_with_payload_and_wait()
    {
        await _store.EnsureCollectionAsync("c", 2);

        await _store.UpsertAsync("c", [new VectorRecord(42, 7, "alpha", Unit(1, 0))]);

        var upsert = Assert.Single(_qdrant.Requests, r => r.Path == "/collections/t_c/points");
        Assert.Equal("PUT", upsert.Method);
        Assert.Equal("?wait=true", upsert.Query);
        var point = upsert.Body!["points"]![0]!;
        Assert.Equal(42, point["id"]!.GetValue<long>());
        Assert.Equal("""{"chunk_id":42,"document_id":7,"project":"alpha"}""", FakeQdrant.Json(point["payload"]));
    }

    [Fact]
    public async Task Search_filters_by_project_with_must_match_and_maps_the_hits()
    {
        await _store.EnsureCollectionAsync("c", 2);
        await _store.UpsertAsync("c", [
            new VectorRecord(1, 10, "alpha", Unit(1, 0)),
            new VectorRecord(2, 20, "beta", Unit(1, 0.1f)),
            new VectorRecord(3, 30, "alpha", Unit(0, 1)),
        ]);

        var hits = await _store.SearchAsync("c", new VectorQuery(Unit(1, 0), 5, Project: "alpha", MinScore: 0.5f));

        var hit = Assert.Single(hits);
        Assert.Equal((1L, 10L), (hit.ChunkId, hit.DocumentId));
        Assert.Equal(1f, hit.Score, 4);
        var search = Assert.Single(_qdrant.Requests, r => r.Path == "/collections/t_c/points/search");
        Assert.Equal("""{"must":[{"key":"project","match":{"value":"alpha"}}]}""", FakeQdrant.Json(search.Body!["filter"]));
        Assert.True(search.Body!["with_payload"]!.GetValue<bool>());
        Assert.Equal(0.5f, search.Body!["score_threshold"]!.GetValue<float>());
    }

    [Fact]
    public async Task Deleting_a_document_sends_a_document_id_filter_and_count_reflects_it()
    {
        await _store.EnsureCollectionAsync("c", 2);
        await _store.UpsertAsync("c", [new VectorRecord(1, 10, "p", Unit(1, 0)), new VectorRecord(2, 10, "p", Unit(0, 1)), new VectorRecord(3, 11, "p", Unit(1, 1))]);

        await _store.DeleteDocumentAsync("c", 10);
        await _store.DeleteAsync("c", [3]);

        var byFilter = Assert.Single(_qdrant.Requests, r => r.Path == "/collections/t_c/points/delete" && r.Body!["filter"] is not null);
        Assert.Equal("""{"must":[{"key":"document_id","match":{"value":10}}]}""", FakeQdrant.Json(byFilter.Body!["filter"]));
        Assert.Equal(0, await _store.CountAsync("c"));
        Assert.True(_qdrant.Requests.Single(r => r.Path == "/collections/t_c/points/count").Body!["exact"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_missing_collection_searches_to_nothing_and_a_wrong_key_is_an_error()
    {
        Assert.Empty(await _store.SearchAsync("absent", new VectorQuery(Unit(1, 0), 3)));

        using var wrong = new HttpClient { BaseAddress = _qdrant.Address };
        wrong.DefaultRequestHeaders.Add("api-key", "wrong");
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            new QdrantVectorStore(wrong, Options.Create(new QdrantOptions())).EnsureCollectionAsync("c", 2));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:6333", "http://localhost:6333/", null)]
    [InlineData("http://qdrant:6333;ApiKey=secret", "http://qdrant:6333/", "secret")]
    [InlineData("Endpoint=https://q.example:6334;Key=abc", "https://q.example:6334/", "abc")]
    public void Connection_strings_in_both_forms_are_understood(string connectionString, string endpoint, string? key)
    {
        var parsed = QdrantConnection.Parse(connectionString);

        Assert.Equal((endpoint, key), (parsed.Endpoint.ToString(), parsed.ApiKey));
    }

    [Fact]
    public void A_connection_string_without_an_address_is_refused_with_an_example() =>
        Assert.Contains("http://localhost:6333", Assert.Throws<FormatException>(() => QdrantConnection.Parse("Key=abc")).Message, StringComparison.Ordinal);

    [Fact]
    public async Task An_unreachable_qdrant_stops_start_up_with_a_fix_hint()
    {
        var port = AiStack.AppHost.Infrastructure.LocalServerProcess.FreeTcpPort();
        var error = await KnowledgeBaseFactory.StartFailureAsync(new Dictionary<string, string?> { ["ConnectionStrings:qdrant"] = $"http://127.0.0.1:{port}" });

        Assert.Contains("ConnectionStrings__qdrant", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_qdrant_failure_while_indexing_writes_nothing_to_the_database()
    {
        await using var factory = new KnowledgeBaseFactory(qdrant: $"{_qdrant.Address.ToString().TrimEnd('/')};ApiKey={_qdrant.ApiKey}");
        using var client = factory.CreateApiClient();
        await client.PostJsonAsync("/documents", new { project = "q", title = "Kept", content = "This one is indexed." });
        _qdrant.FailUpserts = true;

        var response = await client.PostJsonAsync("/documents", new { project = "q", title = "Lost", content = "This one fails in Qdrant." });

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("No space left on device", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((1, 1), await factory.CountRowsAsync());
    }

    [Fact]
    public async Task The_knowledge_base_indexes_and_retrieves_through_qdrant()
    {
        await using var factory = new KnowledgeBaseFactory(qdrant: $"{_qdrant.Address.ToString().TrimEnd('/')};ApiKey={_qdrant.ApiKey}");
        using var client = factory.CreateApiClient();

        var added = await (await client.PostJsonAsync("/documents", new { project = "q", title = "Q", collection = "best-practices", content = "Qdrant stores the vectors of the full profile." })).ReadAsync<AddDocumentResponse>();
        var context = await (await client.PostJsonAsync("/context", new { query = "where are vectors stored", min_score = 0 })).ReadAsync<ContextResponse>();
        await client.DeleteAsync(new Uri($"/documents/{added.Id}", UriKind.Relative));

        Assert.Equal(6, _qdrant.Collections.Count(c => c.Key.StartsWith("aistack_", StringComparison.Ordinal)));
        Assert.Equal(added.Id, context.Results[0].DocumentId);
        Assert.Equal(1, context.Results[0].VectorRank);
        Assert.Empty(_qdrant.Collections["aistack_best-practices"].Points);
    }
}
