using System.Collections.Concurrent;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>
/// Where the background re-embedding stands, per collection (for /health and /collections). A collection is "pending" while
/// some of its chunks still carry another model's vector: those chunks are out of the vector index and found by keywords only.
/// </summary>
public sealed class ReembeddingProgress
{
    private readonly ConcurrentDictionary<string, Counts> _collections = new(StringComparer.Ordinal);

    public sealed record Counts(long Total, long Done)
    {
        public long Remaining => Math.Max(0, Total - Done);
    }

    public void Start(string collection, long total) => _collections[collection] = new Counts(total, 0);

    public void Advance(string collection, long count) =>
        _collections.AddOrUpdate(collection, _ => new Counts(count, count), (_, c) => c with { Done = c.Done + count });

    public void Finish(string collection) => _collections.TryRemove(collection, out _);

    /// <summary>Collections still being re-embedded, with their counts.</summary>
    public IReadOnlyDictionary<string, Counts> Pending => new Dictionary<string, Counts>(_collections, StringComparer.Ordinal);

    public bool IsPending(string collection) => _collections.ContainsKey(collection);

    /// <summary>The last failure of the background run, if it stopped on one.</summary>
    public string? Error { get; set; }
}
