using AiStack.Coordinator.Routing;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator.Knowledge;

/// <summary>
/// The routing confidence of a chat request that /query did not retrieve for (the OpenAI-compatible endpoint): the top retrieval score across the confidence collections (skills-patterns,
/// error-solutions, best-practices), 0 when nothing matches. Null only when the KnowledgeBase cannot answer, so routing falls back to its no-context rule
/// instead of failing the request.
/// </summary>
public sealed class RetrievalConfidence(
    KnowledgeBaseClient knowledgeBase,
    IMemoryCache cache,
    IOptionsMonitor<RoutingOptions> options,
    ILogger<RetrievalConfidence> logger)
{
    public async Task<double?> GetAsync(string text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var key = ("confidence", text);
        if (cache.TryGetValue(key, out double? cached))
        {
            return cached;
        }

        try
        {
            var query = text.Length > AiStack.Contracts.KnowledgeBase.ContextLimits.MaxQueryChars ? text[..AiStack.Contracts.KnowledgeBase.ContextLimits.MaxQueryChars] : text;
            var results = await knowledgeBase.GetContextAsync(query, options.CurrentValue.ConfidenceCollections, null, 3, 0, cancellationToken);
            // The KnowledgeBase answered: nothing relevant is a confidence of 0, not an unknown one.
            double? confidence = results.Count == 0 ? 0 : results.Max(r => r.Score);
            cache.Set(key, confidence, options.CurrentValue.ConfidenceCacheDuration);
            return confidence;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or Polly.ExecutionRejectedException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            logger.LogWarning("No retrieval confidence: the KnowledgeBase did not answer ({Error})", ex.Message);
            return null;
        }
    }
}
