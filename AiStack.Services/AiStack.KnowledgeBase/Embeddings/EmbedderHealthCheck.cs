using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>
/// The <c>embedder</c> health entry: embeds a probe text and names the model. Degraded while the word-hash fallback is in use
/// (search is then lexical only) and while chunks are being re-embedded after a model change (those are found by keywords only
/// until done); the data carries the progress per collection.
/// </summary>
public sealed class EmbedderHealthCheck(KnowledgeEmbedder embedder, ReembeddingProgress progress, IOptions<EmbeddingOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        float[] vector;
        try
        {
            vector = await embedder.EmbedAsync("health probe", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The embedder {embedder.ModelId} failed: {ex.Message}. Check Embeddings:Provider.", ex);
        }

        var data = new Dictionary<string, object>
        {
            ["model"] = embedder.ModelId,
            ["provider"] = options.Value.Provider,
            ["dimensions"] = vector.Length,
        };
        var pending = progress.Pending;
        foreach (var (collection, counts) in pending)
        {
            data["reembedding:" + collection] = $"{counts.Done}/{counts.Total}";
        }

        var description = $"{embedder.ModelId}, {vector.Length} dimensions";
        if (progress.Error is { } error)
        {
            return HealthCheckResult.Degraded($"{description}; re-embedding failed: {error}. It is retried with back-off.", data: data);
        }

        if (pending.Count > 0)
        {
            var done = pending.Values.Sum(c => c.Done);
            var total = pending.Values.Sum(c => c.Total);
            return HealthCheckResult.Degraded(
                $"{description}; re-embedding {done:N0} of {total:N0} chunks ({string.Join(", ", pending.Keys)}): those are found by keywords until done.", data: data);
        }

        if (options.Value.Provider == EmbeddingOptions.HashingProvider)
        {
            data["fallback"] = true;
            return HealthCheckResult.Degraded(
                $"{description}: the word-hash fallback (lexical, no meaning). Set Embeddings:Provider to 'minilm' for semantic search.", data: data);
        }

        return HealthCheckResult.Healthy(description, data);
    }
}
