using AiStack.Coordinator.Backends;
using AiStack.Coordinator.Budget;
using AiStack.Coordinator.Caching;
using AiStack.Coordinator.Health;
using AiStack.Coordinator.Knowledge;
using AiStack.Coordinator.Queries;
using AiStack.Coordinator.Routing;
using AiStack.Coordinator.Settings;
using AiStack.Coordinator.Telemetry;
using AiStack.Llama.Hosting;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace AiStack.Coordinator;

/// <summary>The Coordinator's composition root: options, backends, the Kernel that routes between them, and the model pipeline.</summary>
public static class CoordinatorServices
{
    public static IHostApplicationBuilder AddCoordinator(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.AddMemoryCache();
        // The exact answer cache's storage: Redis when the stack has one (the full profile: replicas share answers, and they outlive a
        // restart), else in memory. Both through the service's one multiplexer.
        if (builder.AddStackRedisClient())
        {
            services.AddStackExchangeRedisCache(_ => { });
            services.AddOptions<RedisCacheOptions>().Configure<IConnectionMultiplexer>((options, connection) =>
            {
                options.ConnectionMultiplexerFactory = () => Task.FromResult(connection);
                options.InstanceName = "aistack:coordinator:answers:";
            });
        }
        else
        {
            services.AddDistributedMemoryCache();
        }

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

        // OpenAI's SDKs read the error object: every problem under /v1 carries one, whoever writes it.
        services.PostConfigure<ProblemDetailsOptions>(o =>
        {
            var earlier = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                earlier?.Invoke(context);
                OpenAi.OpenAiErrors.AddTo(context);
            };
        });
        services.AddSingleton<CoordinatorTelemetry>();
        services.AddSingleton<RequestLatencyFilter>();
        AddLocalModels(builder);
        services.AddServiceClient<KnowledgeBaseClient>("knowledgebase");
        // The remote model has its own timeout and breaker (Backends:Remote); generations outlast the default HTTP timeouts.
        services.AddHttpClient(ModelBackendFactory.RemoteHttpClient, http => http.Timeout = Timeout.InfiniteTimeSpan).WithoutResilience();
        services.AddSingleton<RetrievalConfidence>();
        services.AddSingleton(sp => new RoutingSettingsStore(sp.GetRequiredService<IOptions<RoutingOptions>>(), sp.GetRequiredService<ServiceDefaults.Telemetry.Events.ITelemetryEvents>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RoutingSettingsStore>>(),
            sp.GetRequiredService<IOptions<RoutingOptions>>().Value.SettingsFile ?? Path.Combine(AiStackPaths.DataDirectory, "coordinator-settings.json")));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<RoutingSettingsStore>();
            return new RemoteBudget(() => (settings.DailyRemoteTokenBudget, settings.DailyRemoteRequestBudget), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IOptions<RoutingOptions>>().Value.BudgetStateFile ?? Path.Combine(AiStackPaths.DataDirectory, "coordinator-remote-budget.json"));
        });
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<RoutingSettingsStore>();
            return new RoutingPolicy(sp.GetRequiredService<IOptions<RoutingOptions>>().Value, () => settings.LocalConfidenceThreshold);
        });
        services.AddHostedService<RemoteBudgetMetrics>();
        services.AddSingleton(ModelBackendFactory.Create);
        services.AddSingleton(CreateKernel);
        services.AddSingleton<HybridRouterChatClient>();
        services.TryAddEmbeddingGenerator();
        services.AddSingleton<CacheRules>();
        services.AddSingleton<IChatClient>(CreatePipeline);
        services.AddSingleton<InteractionLog>();
        services.AddSingleton<QueryService>();

        services.AddHealthChecks()
            .AddCheck<KnowledgeBaseHealthCheck>("knowledgebase")
            .AddCheck<ModelBackendHealthCheck>("local_model")
            .AddCheck<ModelBackendHealthCheck>("remote_model")
            .AddCheck<RoutingSettingsHealthCheck>("routing_settings");
        return builder;
    }

    /// <summary>
    /// The Kernel that routes: each configured backend's pipeline (breaker, OpenTelemetry, logging, model; see
    /// <see cref="ModelBackendFactory"/>) as the keyed chat client <c>local</c> or <c>remote</c>, and the routing policy as its
    /// <see cref="IChatClientSelector"/>.
    /// </summary>
    private static Kernel CreateKernel(IServiceProvider services)
    {
        var kernel = Kernel.CreateBuilder();
        foreach (var backend in services.GetRequiredService<ModelBackends>().All.Where(b => b.IsConfigured))
        {
            kernel.Services.AddKeyedSingleton(backend.Route.ToWireName(), backend.Client!);
        }

        kernel.Services.AddSingleton<IChatClientSelector>(new RoutingSelector(services.GetRequiredService<RoutingPolicy>()));
        return kernel.Build();
    }

    /// <summary>
    /// The pipeline every endpoint uses, outermost first: the exact answer cache (Microsoft.Extensions.AI's distributed cache),
    /// the semantic answer cache, then the router, whose Kernel picks a backend pipeline per request.
    /// </summary>
    private static IChatClient CreatePipeline(IServiceProvider services) =>
        new ChatClientBuilder(services.GetRequiredService<HybridRouterChatClient>())
            .Use((inner, sp) => new ExactResponseCache(inner, sp.GetRequiredService<IDistributedCache>(), sp.GetRequiredService<CacheRules>(),
                sp.GetRequiredService<IOptionsMonitor<ResponseCacheOptions>>(), sp.GetRequiredService<ILogger<ExactResponseCache>>()))
            .Use((inner, sp) => ActivatorUtilities.CreateInstance<SemanticResponseCache>(sp, inner))
            .Build(services);

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
