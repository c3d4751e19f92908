using System.ComponentModel.DataAnnotations;

namespace AiStack.Contracts.KnowledgeBase;

/// <summary><c>POST /context</c>: the chunks most relevant to a query, for a prompt.</summary>
public sealed record ContextRequest
{
    [Required, MaxLength(ContextLimits.MaxQueryChars)]
    public string? Query { get; init; }

    /// <summary>Collections to search; all when absent.</summary>
    public IReadOnlyList<string>? Collections { get; init; }

    public string? Project { get; init; }

    /// <summary>Results wanted; when absent each collection contributes up to its default count.</summary>
    public int? Limit { get; init; }

    /// <summary>Minimum <see cref="ContextResult.Score"/>; when absent each collection's own minimum applies.</summary>
    [Range(-1.0, 1.0)]
    public double? MinScore { get; init; }
}

/// <summary>
/// One retrieved chunk. <see cref="Score"/> is the cosine similarity between the query's and the chunk's embeddings (the
/// retrieval confidence that callers compare with thresholds); the order is by <see cref="FusedScore"/>, the reciprocal rank
/// fusion of the vector and keyword rankings.
/// </summary>
public sealed record ContextResult
{
    public required long ChunkId { get; init; }

    public required long DocumentId { get; init; }

    public required string Collection { get; init; }

    public required string Project { get; init; }

    public required string Source { get; init; }

    public required string Title { get; init; }

    public required string Content { get; init; }

    public required double Score { get; init; }

    public required double VectorScore { get; init; }

    /// <summary>1-based rank among vector matches; null when the chunk was found by keywords only.</summary>
    public int? VectorRank { get; init; }

    /// <summary>1-based rank among keyword matches; null when no query word matched.</summary>
    public int? KeywordRank { get; init; }

    public required double FusedScore { get; init; }
}

public sealed record ContextResponse(IReadOnlyList<ContextResult> Results, string Query, double TookMs, bool Cached);

/// <summary>
/// A collection with its defaults and contents. <c>EmbeddingModel</c> / <c>Dimensions</c>: the embedder its vectors come from;
/// <c>ReembeddingRemaining</c>: chunks still waiting to be re-embedded after a model change (0 when none).
/// </summary>
public sealed record CollectionInfo(string Name, string Description, int DefaultLimit, double MinScore, long Documents, long Chunks,
    string? EmbeddingModel = null, int? Dimensions = null, long ReembeddingRemaining = 0);

public sealed record CollectionListResponse(IReadOnlyList<CollectionInfo> Collections);

/// <summary>The KnowledgeBase's request limits that callers must respect (its validation refuses more).</summary>
public static class ContextLimits
{
    /// <summary>Longest <see cref="ContextRequest.Query"/>, in characters.</summary>
    public const int MaxQueryChars = 4_000;
}
