using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>The <c>embedder</c> health entry: embeds a probe text.</summary>
public sealed class EmbedderHealthCheck(KnowledgeEmbedder embedder) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var vector = await embedder.EmbedAsync("health probe", cancellationToken);
            return HealthCheckResult.Healthy($"{embedder.ModelId}, {vector.Length} dimensions");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The embedder {embedder.ModelId} failed: {ex.Message}. Check Embeddings:Provider.", ex);
        }
    }
}
