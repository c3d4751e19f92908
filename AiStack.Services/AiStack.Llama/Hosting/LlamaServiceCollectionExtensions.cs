using AiStack.Llama.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AiStack.Llama.Hosting;

/// <summary>Registers the local llama.cpp backend behind Microsoft.Extensions.AI abstractions.</summary>
public static class LlamaServiceCollectionExtensions
{
    /// <summary>Service key of the local <see cref="IChatClient"/> and <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>.</summary>
    public const string ServiceKey = "llama";

    /// <summary>
    /// Binds and validates the "Inference" section and registers <see cref="LlamaModelHost"/> (loads at start-up when
    /// Inference:LoadOnStartup, never failing the start) and the keyed ("llama") <see cref="IChatClient"/>.
    /// </summary>
    public static IServiceCollection AddLlamaChatClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLlamaInference(configuration);
        services.AddSingleton(new LlamaPreloadTarget(LlamaModelKind.Chat));
        services.TryAddSingleton(sp => new LlamaChatClient(
            sp.GetRequiredService<LlamaModelHost>(), sp.GetRequiredService<IOptions<LlamaInferenceOptions>>().Value.MaxOutputTokens));
        services.TryAddKeyedSingleton<IChatClient>(ServiceKey, (sp, _) => sp.GetRequiredService<LlamaChatClient>());
        return services;
    }

    /// <summary>Registers the keyed ("llama") embedding generator over Inference:EmbeddingModelPath (or ModelPath).</summary>
    public static IServiceCollection AddLlamaEmbeddingGenerator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLlamaInference(configuration);
        services.AddSingleton(new LlamaPreloadTarget(LlamaModelKind.Embedding));
        services.TryAddSingleton(sp => new LlamaEmbeddingGenerator(sp.GetRequiredService<LlamaModelHost>()));
        services.TryAddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(
            ServiceKey, (sp, _) => sp.GetRequiredService<LlamaEmbeddingGenerator>());
        return services;
    }

    /// <summary>Adds a health entry "llama" that is Degraded (never Unhealthy) when the local backend is unavailable.</summary>
    public static IHealthChecksBuilder AddLlamaHealthCheck(this IHealthChecksBuilder builder, string name = "llama") =>
        builder.AddCheck<LlamaHealthCheck>(name, HealthStatus.Degraded, ["llama", "local-model"]);

    private static void AddLlamaInference(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LlamaInferenceOptions>()
            .Bind(configuration.GetSection(LlamaInferenceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<LlamaModelHost>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LlamaPreloadService>());
    }
}

/// <summary>A model kind that a registration asked for, so start-up loads only what the service uses.</summary>
internal sealed record LlamaPreloadTarget(LlamaModelKind Kind);

/// <summary>Loads the registered models in the background at start-up so the first request is fast.</summary>
internal sealed class LlamaPreloadService(
    LlamaModelHost host, IOptions<LlamaInferenceOptions> options, IEnumerable<LlamaPreloadTarget> targets) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.LoadOnStartup
            ? Task.Run(() => host.Preload(targets.Select(t => t.Kind).Distinct().ToArray()), stoppingToken)
            : Task.CompletedTask;
}

/// <summary>Reports the local models the service registered: Healthy when loaded, the failure status (Degraded) with the reason otherwise.</summary>
internal sealed class LlamaHealthCheck(LlamaModelHost host, IEnumerable<LlamaPreloadTarget> targets) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var kinds = targets.Select(t => t.Kind).Distinct().DefaultIfEmpty(LlamaModelKind.Chat);
        var statuses = kinds.Select(k => host.GetStatus(k)).ToList();
        var detail = string.Join("; ", statuses.Select(s => s.Detail));
        return Task.FromResult(statuses.TrueForAll(s => s.Available)
            ? HealthCheckResult.Healthy(detail)
            : new HealthCheckResult(context.Registration.FailureStatus, "local backend unavailable: " + detail));
    }
}
