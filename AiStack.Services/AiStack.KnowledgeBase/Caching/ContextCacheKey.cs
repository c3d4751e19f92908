using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Collections;

namespace AiStack.KnowledgeBase.Caching;

/// <summary>
/// The cache key of a /context request: SHA-256 over the normalized request (query lower-cased with whitespace collapsed, since
/// both the embedder and the keyword index ignore case; collections sorted, with their effective defaults) and the embedding model.
/// </summary>
public static class ContextCacheKey
{
    public static string For(ContextRequest request, IEnumerable<KnowledgeCollection> collections, string model)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = string.Join(' ', (request.Query ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
        var normalized = string.Join('\u001f',
            "v1",
            model,
            query,
            // The defaults are part of the key: an answer computed under other per-collection limits is another answer.
            string.Join(',', collections.Select(c => FormattableString.Invariant($"{c.Name}:{c.DefaultLimit}:{c.MinScore:R}")).Order(StringComparer.Ordinal)),
            request.Project ?? "",
            request.Limit?.ToString(CultureInfo.InvariantCulture) ?? "",
            request.MinScore?.ToString("R", CultureInfo.InvariantCulture) ?? "");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normalized))).ToLowerInvariant();
    }
}
