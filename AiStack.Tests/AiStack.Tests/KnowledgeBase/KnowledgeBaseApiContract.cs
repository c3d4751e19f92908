using System.Net;
using System.Text;
using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>The KnowledgeBase's HTTP contract; each subclass runs it on one storage profile.</summary>
public abstract class KnowledgeBaseApiContract : IAsyncLifetime
{
    protected KnowledgeBaseFactory Factory { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    protected abstract Task<KnowledgeBaseFactory> CreateFactoryAsync(IReadOnlyDictionary<string, string?> settings);

    public async Task InitializeAsync()
    {
        Factory = await CreateFactoryAsync(new Dictionary<string, string?>());
        Client = Factory.CreateApiClient();
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }

    public static readonly object[] Corpus =
    [
        new { project = "alpha", collection = "codebase-context", source = "docs/postgres.md", title = "PostgreSQL setup",
              content = "To configure PostgreSQL connection pooling, set Maximum Pool Size in the connection string. The knowledge base opens its connections through one NpgsqlDataSource per service." },
        new { project = "alpha", collection = "codebase-context", source = "docs/redis.md", title = "Redis cache",
              content = "Redis caches the answers of the context endpoint. When Redis is down the cache is bypassed and every request is still answered." },
        new { project = "alpha", collection = "error-solutions", source = "errors/connection-refused", title = "Connection refused on 5432",
              content = "Error: connection refused on port 5432. Solution: start the postgres service with systemctl start postgresql, then verify the port it listens on." },
        new { project = "beta", collection = "best-practices", source = "practices/testing.md", title = "Testing",
              content = "Name tests for the behaviour they prove. Run them against real databases and real servers instead of mocks." },
        new { project = "beta", collection = "skills-patterns", source = "patterns/retry", title = "Retry with backoff",
              content = "Retry idempotent HTTP requests with jittered exponential backoff, and keep a circuit breaker per destination." },
    ];

    protected async Task<List<AddDocumentResponse>> AddCorpusAsync()
    {
        var added = new List<AddDocumentResponse>();
        foreach (var document in Corpus)
        {
            added.Add(await (await Client.PostJsonAsync("/documents", document)).ReadAsync<AddDocumentResponse>());
        }

        return added;
    }

    protected async Task<ContextResponse> ContextAsync(object request) =>
        await (await Client.PostJsonAsync("/context", request)).ReadAsync<ContextResponse>();

    [Fact]
    public async Task Posting_a_document_returns_201_with_its_id_and_chunk_count()
    {
        var response = await Client.PostJsonAsync("/documents", new
        {
            project = "p", title = "Long", source = "long.md", metadata = new { lang = "en" },
            content = string.Join("\n\n", Enumerable.Range(0, 12).Select(i => $"Paragraph {i}: " + string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 20)))),
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadAsync<AddDocumentResponse>();
        Assert.True(body.Id > 0);
        Assert.True(body.ChunkCount > 1, $"{body.ChunkCount} chunks");
        Assert.Equal($"/documents/{body.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal((1, body.ChunkCount), await Factory.CountRowsAsync());
    }

    [Fact]
    public async Task Reposting_the_same_source_replaces_the_document_and_its_chunks()
    {
        var first = await (await Client.PostJsonAsync("/documents", new { project = "p", title = "T", source = "s.md", content = "The old text mentions zeppelins." })).ReadAsync<AddDocumentResponse>();

        var response = await Client.PostJsonAsync("/documents", new { project = "p", title = "T2", source = "s.md", content = "The new text mentions submarines." });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var second = await response.ReadAsync<AddDocumentResponse>();
        Assert.True(second.Replaced);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal((1, 1), await Factory.CountRowsAsync());
        var old = await ContextAsync(new { query = "zeppelins", min_score = -1 });
        Assert.DoesNotContain(old.Results, r => r.Content.Contains("zeppelins", StringComparison.Ordinal));
        var current = await ContextAsync(new { query = "submarines", min_score = 0 });
        Assert.Equal("The new text mentions submarines.", current.Results[0].Content);
        Assert.Equal("T2", current.Results[0].Title);
    }

    [Fact]
    public async Task The_same_source_in_another_project_is_another_document()
    {
        await Client.PostJsonAsync("/documents", new { project = "one", title = "T", source = "same.md", content = "first" });
        var response = await Client.PostJsonAsync("/documents", new { project = "two", title = "T", source = "same.md", content = "second" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, (await Factory.CountRowsAsync()).Documents);
    }

    [Fact]
    public async Task Listing_filters_by_project_and_really_searches()
    {
        await AddCorpusAsync();

        var alpha = await (await Client.GetAsync("/documents?project=alpha")).ReadAsync<DocumentListResponse>();
        var searched = await (await Client.GetAsync("/documents?search=circuit%20breaker")).ReadAsync<DocumentListResponse>();
        var stemmed = await (await Client.GetAsync("/documents?search=caching&project=alpha")).ReadAsync<DocumentListResponse>();
        var byTitle = await (await Client.GetAsync("/documents?search=Retry%20with")).ReadAsync<DocumentListResponse>();
        var nothing = await (await Client.GetAsync("/documents?search=xylophone")).ReadAsync<DocumentListResponse>();

        Assert.Equal(3, alpha.Total);
        Assert.Equal("alpha", alpha.Project);
        Assert.All(alpha.Documents, d => Assert.Null(d.Content));
        Assert.Equal("patterns/retry", Assert.Single(searched.Documents).Source);
        Assert.Equal("docs/redis.md", Assert.Single(stemmed.Documents).Source);
        Assert.Equal("patterns/retry", Assert.Single(byTitle.Documents).Source);
        Assert.Equal(0, nothing.Total);
    }

    [Fact]
    public async Task Listing_pages_with_limit_and_offset_and_can_include_content()
    {
        await AddCorpusAsync();

        var page = await (await Client.GetAsync("/documents?limit=2&offset=1&include_content=true")).ReadAsync<DocumentListResponse>();

        Assert.Equal(5, page.Total);
        Assert.Equal(2, page.Documents.Count);
        Assert.All(page.Documents, d => Assert.False(string.IsNullOrEmpty(d.Content)));
    }

    [Fact]
    public async Task A_document_can_be_read_with_its_content_and_unknown_ids_are_404()
    {
        var added = await AddCorpusAsync();

        var document = await (await Client.GetAsync($"/documents/{added[3].Id}")).ReadAsync<DocumentView>();
        var missing = await Client.GetAsync("/documents/999999");

        Assert.Equal("practices/testing.md", document.Source);
        Assert.StartsWith("Name tests", document.Content, StringComparison.Ordinal);
        Assert.Equal("best-practices", document.Collection);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Deleting_a_document_removes_its_chunks_and_vectors()
    {
        var added = await AddCorpusAsync();

        var deleted = await (await Client.DeleteAsync(new Uri($"/documents/{added[2].Id}", UriKind.Relative))).ReadAsync<DeleteDocumentResponse>();

        Assert.True(deleted.Deleted);
        Assert.Equal((4, 4), await Factory.CountRowsAsync());
        var context = await ContextAsync(new { query = "connection refused on port 5432", min_score = -1, limit = 10 });
        Assert.DoesNotContain(context.Results, r => r.DocumentId == added[2].Id);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync(new Uri($"/documents/{added[2].Id}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Context_finds_the_chunk_that_answers_the_query()
    {
        await AddCorpusAsync();

        var context = await ContextAsync(new { query = "How do I fix connection refused on port 5432?" });

        var top = context.Results[0];
        Assert.Equal("errors/connection-refused", top.Source);
        Assert.Equal("error-solutions", top.Collection);
        Assert.NotNull(top.KeywordRank);
        Assert.Equal(1, top.VectorRank);
        Assert.Equal(top.VectorScore, top.Score);
        Assert.False(context.Cached);
    }

    [Fact]
    public async Task Context_keeps_to_the_requested_collections_and_project()
    {
        await AddCorpusAsync();

        var codebase = await ContextAsync(new { query = "postgres connection refused port", collections = new[] { "codebase-context" }, min_score = -1 });
        var beta = await ContextAsync(new { query = "postgres connection tests retry", project = "beta", min_score = -1, limit = 10 });

        Assert.NotEmpty(codebase.Results);
        Assert.All(codebase.Results, r => Assert.Equal("codebase-context", r.Collection));
        Assert.Equal(["best-practices", "skills-patterns"], beta.Results.Select(r => r.Collection).Order());
        Assert.All(beta.Results, r => Assert.Equal("beta", r.Project));
    }

    [Fact]
    public async Task Context_drops_results_below_min_score()
    {
        await AddCorpusAsync();

        var all = await ContextAsync(new { query = "redis cache bypassed", min_score = -1, limit = 10 });
        var strict = await ContextAsync(new { query = "redis cache bypassed", min_score = 0.3, limit = 10 });
        var impossible = await ContextAsync(new { query = "redis cache bypassed", min_score = 0.999 });

        Assert.Equal(5, all.Results.Count);
        Assert.NotEmpty(strict.Results);
        Assert.True(strict.Results.Count < all.Results.Count);
        Assert.All(strict.Results, r => Assert.True(r.Score >= 0.3));
        Assert.Empty(impossible.Results);
    }

    [Fact]
    public async Task A_repeated_context_query_is_cached_until_a_document_changes()
    {
        await AddCorpusAsync();
        var request = new { query = "Retry HTTP requests with backoff", min_score = 0 };

        var first = await ContextAsync(request);
        var second = await ContextAsync(new { query = "  retry http   REQUESTS with backoff ", min_score = 0 });
        await Client.PostJsonAsync("/documents", new { project = "gamma", title = "Backoff", source = "b.md", content = "Backoff and retry for HTTP requests." });
        var third = await ContextAsync(request);

        Assert.False(first.Cached);
        Assert.True(second.Cached);
        Assert.Equal(first.Results.Select(r => r.ChunkId), second.Results.Select(r => r.ChunkId));
        Assert.False(third.Cached);
        Assert.Contains(third.Results, r => r.Source == "b.md");
    }

    [Fact]
    public async Task Collections_are_listed_with_their_defaults_and_counts()
    {
        await AddCorpusAsync();

        var list = await (await Client.GetAsync("/collections")).ReadAsync<CollectionListResponse>();

        Assert.Equal(["codebase-context", "skills-patterns", "error-solutions", "best-practices", "interaction-history", "learning-feedback"],
            list.Collections.Select(c => c.Name));
        var codebase = list.Collections[0];
        Assert.Equal((5, 2L, 2L), (codebase.DefaultLimit, codebase.Documents, codebase.Chunks));
        Assert.Equal(3, list.Collections[1].DefaultLimit);
        Assert.True(list.Collections[2].MinScore > list.Collections[0].MinScore); // error-solutions is the strictest, as in the original
    }

    [Fact]
    public async Task Vector_endpoints_embed_index_and_search()
    {
        var embedded = await (await Client.PostJsonAsync("/vector/embed", new { texts = new[] { "alpha", "beta" } })).ReadAsync<EmbedResponse>();
        var indexed = await (await Client.PostJsonAsync("/vector/index", new
        {
            collection = "interaction-history",
            items = new object[]
            {
                new { id = "q1", text = "How to rotate the API key of the stack", metadata = new { agent = "ralph" } },
                new { id = "q2", text = "Which port does the dashboard use" },
            },
        })).ReadAsync<VectorIndexResponse>();
        var byText = await (await Client.PostJsonAsync("/vector/search", new { collection = "interaction-history", query = "rotate api key", limit = 1, min_score = 0 })).ReadAsync<VectorSearchResponse>();
        var byVector = await (await Client.PostJsonAsync("/vector/search", new
        {
            collection = "interaction-history", vector = embedded.Embeddings[0], limit = 5, min_score = -1, filter = new { project = "default" },
        })).ReadAsync<VectorSearchResponse>();

        Assert.Equal((2, 384), (embedded.Embeddings.Count, embedded.Dimensions));
        Assert.Equal(384, embedded.Embeddings[1].Length);
        Assert.Equal("all-MiniLM-L6-v2", embedded.Model);
        Assert.Equal(2, indexed.Indexed);
        var hit = Assert.Single(byText.Results);
        Assert.Equal("q1", hit.Id);
        Assert.Equal("ralph", hit.Metadata.GetProperty("agent").GetString());
        Assert.Equal(2, byVector.Results.Count);
    }

    [Fact]
    public async Task Unicode_text_round_trips_and_is_searchable()
    {
        const string content = "Zürich café naïve — 日本語のテキスト — עברית — emoji 😀🎉 — combining e\u0301";
        var added = await (await Client.PostJsonAsync("/documents", new { project = "u", title = "Ünïcödé 😀", content })).ReadAsync<AddDocumentResponse>();

        var document = await (await Client.GetAsync($"/documents/{added.Id}")).ReadAsync<DocumentView>();
        var context = await ContextAsync(new { query = "zurich cafe", min_score = 0 });

        Assert.Equal(content, document.Content);
        Assert.Equal("Ünïcödé 😀", document.Title);
        Assert.Equal(added.Id, context.Results[0].DocumentId);
    }

    public static TheoryData<string, string, string, int> BadRequests => new()
    {
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": ", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": 42}", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\"}", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": \"   \"}", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": \"x\", \"metadata\": [1, 2]}", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": \"x\", \"collection\": \"nope\"}", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": \"nul \\u0000 inside\"}", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": \"lone \\ud800 surrogate\"}", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": \"x\"}", "text/plain", 415 },
        { "/documents", "null", "application/json", 400 },
        { "/documents", "[]", "application/json", 400 },
        { "/documents", "{\"project\": \"p\", \"title\": \"t\", \"content\": \"" + new string('a', 1_000_001) + "\"}", "application/json", 400 },
        { "/context", "{\"query\": \"\"}", "application/json", 400 },
        { "/context", "{\"query\": \"" + new string('q', 4_001) + "\"}", "application/json", 400 },
        { "/context", "{\"query\": \"q\", \"limit\": 0}", "application/json", 400 },
        { "/context", "{\"query\": \"q\", \"limit\": \"ten\"}", "application/json", 400 },
        { "/context", "{\"query\": \"q\", \"min_score\": 2}", "application/json", 400 },
        { "/context", "{\"query\": \"q\", \"collections\": [\"codebase-context\", \"unknown\"]}", "application/json", 400 },
        { "/vector/embed", "{\"texts\": []}", "application/json", 400 },
        { "/vector/index", "{\"collection\": \"skills-patterns\", \"items\": [{\"id\": \"ok\", \"text\": \"fine\"}, {\"id\": \"bad\"}]}", "application/json", 400 },
        { "/vector/search", "{\"collection\": \"skills-patterns\", \"query\": \"q\", \"vector\": [1, 2]}", "application/json", 400 },
        { "/vector/search", "{\"collection\": \"skills-patterns\", \"vector\": [1, 2]}", "application/json", 400 },
        { "/vector/search", "{\"collection\": \"skills-patterns\", \"query\": \"q\", \"filter\": {\"color\": \"red\"}}", "application/json", 400 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_gets_a_problem_and_writes_nothing(string path, string body, string contentType, int status)
    {
        await Client.PostJsonAsync("/documents", new { project = "keep", title = "kept", content = "already here" });
        var before = await Factory.CountRowsAsync();

        var response = await Client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", problem, StringComparison.Ordinal); // never a stack trace
        Assert.Equal(before, await Factory.CountRowsAsync());
    }

    [Fact]
    public async Task A_validation_problem_names_the_field()
    {
        var response = await Client.PostJsonAsync("/documents", new { project = "p", content = "x" });

        var problem = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"title\"", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_type_names_its_json_path()
    {
        var response = await Client.PostAsync(new Uri("/context", UriKind.Relative),
            new StringContent("{\"query\": \"q\", \"limit\": \"ten\"}", Encoding.UTF8, "application/json"));

        Assert.Contains("$.limit", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_list_parameters_get_a_problem()
    {
        var response = await Client.GetAsync("/documents?limit=abc&offset=-1&include_content=maybe");

        var problem = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"limit\"", problem, StringComparison.Ordinal);
        Assert.Contains("\"offset\"", problem, StringComparison.Ordinal);
        Assert.Contains("\"include_content\"", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Words_found_in_too_many_chunks_are_left_out_of_the_keyword_query()
    {
        await using var factory = await CreateFactoryAsync(new Dictionary<string, string?>
        {
            ["Retrieval:CommonWordMinimumChunks"] = "0",
            ["Retrieval:CommonWordRatio"] = "0.5",
        });
        using var client = factory.CreateApiClient();
        for (var i = 0; i < 6; i++)
        {
            await client.PostJsonAsync("/documents", new { project = "z", title = $"Zebra {i}", content = $"Every zebra note number {i} is here." });
        }

        await client.PostJsonAsync("/documents", new { project = "z", title = "Rare", content = "A zebra met a quokka and a wombat." });

        var context = await (await client.PostJsonAsync("/context", new { query = "zebra quokka wombat", min_score = -1, limit = 10 })).ReadAsync<ContextResponse>();

        var keywordHits = context.Results.Where(r => r.KeywordRank is not null).ToList();
        Assert.Equal("Rare", Assert.Single(keywordHits).Title);
        Assert.Equal("Rare", context.Results[0].Title);
    }

    [Fact]
    public async Task A_document_with_hundreds_of_chunks_keeps_each_vector_with_its_own_chunk()
    {
        await using var factory = await CreateFactoryAsync(new Dictionary<string, string?> { ["Chunking:Size"] = "40", ["Chunking:Overlap"] = "0" });
        using var client = factory.CreateApiClient();
        var content = string.Join("\n\n", Enumerable.Range(0, 600).Select(i => $"Section {i} is about topic{i}x only."));

        var added = await (await client.PostJsonAsync("/documents", new { project = "big", title = "Big", content })).ReadAsync<AddDocumentResponse>();
        var context = await (await client.PostJsonAsync("/context", new { query = "topic457x", min_score = 0, limit = 1 })).ReadAsync<ContextResponse>();

        Assert.Equal(600, added.ChunkCount);
        Assert.Equal((1L, 600L), await factory.CountRowsAsync());
        var hit = Assert.Single(context.Results);
        Assert.Equal("Section 457 is about topic457x only.", hit.Content);
        Assert.Equal(1, hit.VectorRank);
    }

    [Fact]
    public async Task Readiness_reports_healthy()
    {
        // Start-up dependency checks run beside the listening server, so readiness may take a moment on a loaded machine.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpResponseMessage response;
        while ((response = await Client.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}
