using AiStack.KnowledgeBase.Vectors.Embedded;
using AiStack.KnowledgeBase.Vectors.Qdrant;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.KnowledgeBase.Vectors;

/// <summary>The <c>vector_store</c> health entry (critical): the embedded index's size, or a round trip to Qdrant.</summary>
public sealed class VectorStoreHealthCheck(IVectorStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        switch (store)
        {
            case EmbeddedVectorIndex embedded:
                return HealthCheckResult.Healthy($"embedded index, {embedded.TotalCount} vectors in memory");
            case QdrantVectorStore qdrant:
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(3));
                    await qdrant.PingAsync(timeout.Token);
                    return HealthCheckResult.Healthy("qdrant");
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    return HealthCheckResult.Unhealthy(
                        $"Qdrant is unreachable: {ex.Message}. Start Qdrant or fix ConnectionStrings__qdrant (e.g. http://localhost:6333;ApiKey=...).", ex);
                }

            default:
                return HealthCheckResult.Healthy(store.Name);
        }
    }
}
