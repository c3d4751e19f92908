using AiStack.Coordinator.Backends;
using AiStack.Coordinator.Budget;
using AiStack.Coordinator.Caching;
using AiStack.Coordinator.Health;
using AiStack.Coordinator.Knowledge;
using AiStack.Coordinator.Queries;
using AiStack.Coordinator.Routing;
using AiStack.Coordinator.Telemetry;
using AiStack.Llama.Hosting;
using AiStack.ServiceDefaults.Hosting;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator;

/// <summary>The Coordinator's composition root: options, backends, the routing pipeline and its collaborators.</summary>
public static class CoordinatorServices
{
    public static IHostApplicationBuilder AddCoordinator(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.AddMemoryCache();

        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ResponseCacheOptions>().BindConfiguration(ResponseCacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QueryOptions>().BindConfiguration(QueryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RemoteModelOptions>().BindConfiguration(RemoteModelOptions.Section)
            .Validate(o => o.Endpoint is null || o.Endpoint.IsAbsoluteUri, "Remote:Endpoint must be an absolute URL such as https://api.openai.com/v1.")
            .Validate(o => (o.Endpoint is null) == string.IsNullOrWhiteSpace(o.Model), "Set both Remote:Endpoint and Remote:Model, or neither.")
            .ValidateOnStart();
        services.AddOptions<BackendResilienceOptions>("Local").Configure(o => Copy(BackendResilienceOptions.LocalDefaults(), o))
            .BindConfiguration("Backends:Local").ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BackendResilienceOptions>("Remote").Configure(o => Copy(BackendResilienceOptions.RemoteDefaults(), o))
            .BindConfiguration("Backends:Remote").ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<CoordinatorTelemetry>();
        services.AddSingleton<RequestLatencyFilter>();
        AddLocalModels(builder);
        services.AddServiceClient<KnowledgeBaseClient>("knowledgebase");
        // The remote model has its own timeout and breaker (Backends:Remote); generations outlast the default HTTP timeouts.
        services.AddHttpClient(ModelBackendFactory.RemoteHttpClient, http => http.Timeout = Timeout.InfiniteTimeSpan).WithoutResilience();
        services.AddSingleton<RetrievalConfidence>();
        services.AddSingleton(sp => new RemoteBudget(sp.GetRequiredService<IOptionsMonitor<RoutingOptions>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<RoutingOptions>>().Value.BudgetStateFile ?? Path.Combine(AiStackPaths.DataDirectory, "coordinator-remote-budget.json")));
        services.AddHostedService<RemoteBudgetMetrics>();
        services.AddSingleton(sp => new RoutingPolicy(sp.GetRequiredService<IOptionsMonitor<RoutingOptions>>().CurrentValue));
        services.AddSingleton(ModelBackendFactory.Create);
        services.AddSingleton<HybridRouterChatClient>();
        services.TryAddEmbeddingGenerator();
        services.AddSingleton(sp => new ResponseCacheChatClient(
            sp.GetRequiredService<HybridRouterChatClient>(),
            sp.GetService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetRequiredService<IOptionsMonitor<ResponseCacheOptions>>(),
            sp.GetRequiredService<CoordinatorTelemetry>(),
            sp.GetRequiredService<ITelemetryEvents>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ResponseCacheChatClient>>()));
        // The pipeline every endpoint uses: cache -> router -> (per backend) breaker -> telemetry -> model.
        services.AddSingleton<IChatClient>(sp => sp.GetRequiredService<ResponseCacheChatClient>());
        services.AddSingleton<InteractionLog>();
        services.AddSingleton<QueryService>();

        services.AddHealthChecks()
            .AddCheck<KnowledgeBaseHealthCheck>("knowledgebase")
            .AddCheck<ModelBackendHealthCheck>("local_model")
            .AddCheck<ModelBackendHealthCheck>("remote_model");
        return builder;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>The llama.cpp chat model when Inference:ModelPath is set, and its embedder when Inference:EmbeddingModelPath is.</summary>
    private static void AddLocalModels(IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!string.IsNullOrWhiteSpace(configuration["Inference:ModelPath"]))
        {
            builder.Services.AddLlamaChatClient(configuration);
        }

        if (!string.IsNullOrWhiteSpace(configuration["Inference:EmbeddingModelPath"]))
        {
            builder.Services.AddLlamaEmbeddingGenerator(configuration);
        }
    }

    private static void TryAddEmbeddingGenerator(this IServiceCollection services)
    {
        // A local embedding model wins; otherwise the KnowledgeBase embeds, so cache similarity matches retrieval.
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
            sp.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(LlamaServiceCollectionExtensions.ServiceKey)
            ?? ActivatorUtilities.CreateInstance<KnowledgeBaseEmbeddingGenerator>(sp));
    }

    private static void Copy(BackendResilienceOptions from, BackendResilienceOptions to)
    {
        to.FailuresToOpen = from.FailuresToOpen;
        to.BreakDuration = from.BreakDuration;
        to.Timeout = from.Timeout;
        to.SamplingDuration = from.SamplingDuration;
    }
}
