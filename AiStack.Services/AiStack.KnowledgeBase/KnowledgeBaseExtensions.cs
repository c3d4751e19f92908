using AiStack.ServiceDefaults;
using AiStack.ServiceDefaults.Hosting;
using System.Text.Json;
using AiStack.KnowledgeBase.Caching;
using AiStack.KnowledgeBase.Chunking;
using AiStack.KnowledgeBase.Collections;
using AiStack.KnowledgeBase.Diagnostics;
using AiStack.KnowledgeBase.Documents;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Retrieval;
using AiStack.KnowledgeBase.Validation;
using AiStack.KnowledgeBase.Vectors;
using AiStack.KnowledgeBase.Vectors.Embedded;
using AiStack.KnowledgeBase.Vectors.Qdrant;
using AiStack.Storage;
using AiStack.Storage.Migrations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase;

public static class KnowledgeBaseExtensions
{
    /// <summary>Registers the knowledge base: storage and schema, embeddings, vector store, cache, retrieval, health checks.</summary>
    public static IHostApplicationBuilder AddKnowledgeBase(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<KnowledgeBaseTelemetry>();

        builder.AddServiceDatabase("knowledgebase", MigrationSet.FromEmbeddedResources("knowledgebase", typeof(KnowledgeBaseExtensions).Assembly));

        services.AddOptions<RequestLimits>().Bind(configuration.GetSection(RequestLimits.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ChunkingOptions>().Bind(configuration.GetSection(ChunkingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CacheOptions>().Bind(configuration.GetSection(CacheOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetrievalOptions>().Bind(configuration.GetSection(RetrievalOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HnswOptions>().Bind(configuration.GetSection(HnswOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QdrantOptions>().Bind(configuration.GetSection(QdrantOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CollectionOptions>().Bind(configuration.GetSection(CollectionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart()
            .Validate(o => o.Overrides.Keys.All(k => KnowledgeCollections.Defaults.Any(c => c.Name == k)),
                "Collections:Overrides names an unknown collection; known: " + string.Join(", ", KnowledgeCollections.Defaults.Select(c => c.Name)) + ".")
            .Validate(o => o.Overrides.Values.All(v =>
                    (v.DefaultLimit is null or (>= 1 and <= 100)) && (v.MinScore is null || (v.MinScore >= -1 && v.MinScore <= 1))),
                "Collections:Overrides:<name>:DefaultLimit must be 1-100 and :MinScore between -1 and 1.");

        services.AddSingleton(sp => new TextChunker(sp.GetRequiredService<IOptions<ChunkingOptions>>().Value));
        services.AddKnowledgeBaseEmbeddings(configuration);
        services.AddSingleton(sp => KnowledgeCollections.Create(
            sp.GetRequiredService<IOptions<CollectionOptions>>().Value,
            MinScoreScales.For(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.Provider)));

        AddVectorStore(services);
        AddCache(builder);

        services.AddSingleton<DocumentRepository>();
        services.AddSingleton<DocumentIngestor>();
        services.AddSingleton<KeywordSearch>();
        services.AddSingleton<ChunkReader>();
        services.AddSingleton<HybridRetriever>();
        services.AddSingleton<ContextService>();
        // After the database migrator (registered by AddServiceDatabase), so the schema exists when the index loads.
        services.AddSingleton<CollectionEmbedders>();
        services.AddSingleton<ReembeddingProgress>();
        services.AddHostedService<VectorIndexLoader>();
        services.AddHostedService<ReembeddingService>();

        services.AddHealthChecks()
            .AddCheck<VectorStoreHealthCheck>("vector_store", tags: [HealthTags.Critical])
            .AddCheck<CacheHealthCheck>("cache")
            .AddCheck<EmbedderHealthCheck>("embedder", tags: [HealthTags.Critical]);
        return builder;
    }

    /// <summary>
    /// Maps the knowledge base's endpoints and returns the expensive ones (they embed or search), so that the "expensive"
    /// rate-limit policy is applied in one place.
    /// </summary>
    public static IReadOnlyList<IEndpointConventionBuilder> MapKnowledgeBaseEndpoints(this IEndpointRouteBuilder app)
    {
        var (documents, addDocument) = app.MapDocumentEndpoints();
        documents.AddEndpointFilter<DependencyFailureFilter>();
        var context = app.MapContextEndpoint().AddEndpointFilter<DependencyFailureFilter>();
        var vectors = app.MapVectorEndpoints().AddEndpointFilter<DependencyFailureFilter>();
        app.MapCollectionEndpoints().AddEndpointFilter<DependencyFailureFilter>();

        IReadOnlyList<IEndpointConventionBuilder> expensive = [addDocument, context, vectors];
        foreach (var endpoint in expensive)
        {
            endpoint.RequireRateLimiting(RateLimitPolicies.Expensive);
        }

        return expensive;
    }

    // Connection strings are read when the services are first resolved, not while registering, so configuration added late
    // (test hosts, AppHost overrides) still decides which implementation runs.
    private static void AddVectorStore(IServiceCollection services)
    {
        services.AddSingleton<EmbeddedVectorIndex>();
        services.AddHttpClient<QdrantVectorStore>((sp, http) =>
        {
            var connection = QdrantConnection.Parse(sp.GetRequiredService<IConfiguration>().GetConnectionString("qdrant")
                ?? throw new InvalidOperationException("ConnectionStrings:qdrant is not set."));
            http.BaseAddress = new Uri(connection.Endpoint.ToString().TrimEnd('/') + "/");
            http.Timeout = sp.GetRequiredService<IOptions<QdrantOptions>>().Value.Timeout;
            if (connection.ApiKey is not null)
            {
                http.DefaultRequestHeaders.Add("api-key", connection.ApiKey);
            }
        });
        services.AddSingleton<IVectorStore>(sp =>
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IConfiguration>().GetConnectionString("qdrant"))
                ? sp.GetRequiredService<EmbeddedVectorIndex>()
                : sp.GetRequiredService<QdrantVectorStore>());
    }

    private static void AddCache(IHostApplicationBuilder builder)
    {
        if (!builder.AddStackRedisClient())
        {
            builder.Services.AddSingleton<IRetrievalCache>(sp => new MemoryRetrievalCache(sp.GetRequiredService<IOptions<CacheOptions>>()));
            return;
        }

        builder.Services.AddSingleton<IRetrievalCache>(sp => new RedisRetrievalCache(
            sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<CacheOptions>>(),
            sp.GetRequiredService<KnowledgeBaseTelemetry>(),
            sp.GetRequiredService<ILogger<RedisRetrievalCache>>()));
    }
}
