using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace AiStack.Contracts.KnowledgeBase;

/// <summary><c>POST /vector/embed</c>.</summary>
public sealed record EmbedRequest
{
    [Required]
    public IReadOnlyList<string>? Texts { get; init; }
}

public sealed record EmbedResponse(IReadOnlyList<float[]> Embeddings, int Dimensions, string Model);

/// <summary><c>POST /vector/index</c>: each item becomes a one-chunk-or-more document in the collection, identified by its id.</summary>
public sealed record VectorIndexRequest
{
    public string? Collection { get; init; }

    public string? Project { get; init; }

    public IReadOnlyList<VectorIndexItem>? Items { get; init; }
}

public sealed record VectorIndexItem
{
    /// <summary>Stable id (the document's source); re-indexing the same id replaces it. Generated when absent.</summary>
    public string? Id { get; init; }

    public string? Text { get; init; }

    public JsonElement? Metadata { get; init; }
}

public sealed record VectorIndexedItem(string Id, long DocumentId, int ChunkCount);

public sealed record VectorIndexResponse(string Collection, int Indexed, IReadOnlyList<VectorIndexedItem> Items);

/// <summary><c>POST /vector/search</c>: nearest chunks by cosine similarity to a query text or a vector.</summary>
public sealed record VectorSearchRequest
{
    [Required]
    public string? Collection { get; init; }

    public string? Query { get; init; }

    public float[]? Vector { get; init; }

    public int? Limit { get; init; }

    [Range(-1.0, 1.0)]
    public double? MinScore { get; init; }

    /// <summary>Equality filter; supported keys: project, document_id.</summary>
    public Dictionary<string, JsonElement>? Filter { get; init; }
}

public sealed record VectorSearchResult(
    string Id, long ChunkId, long DocumentId, string Collection, string Project, double Score, string Text, JsonElement Metadata);

public sealed record VectorSearchResponse(string Collection, IReadOnlyList<VectorSearchResult> Results, double TookMs);
