using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AiStack.KnowledgeBase.Diagnostics;

/// <summary>The service's own traces (ActivitySource) and metrics (Meter), both named <see cref="Name"/>.</summary>
public sealed class KnowledgeBaseTelemetry
{
    public const string Name = "AiStack.KnowledgeBase";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _cacheErrors;
    private readonly Histogram<double> _contextDuration;
    private readonly Counter<long> _documentsIndexed;
    private readonly Counter<long> _chunksIndexed;
    private long _chunks;

    public KnowledgeBaseTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _cacheHits = meter.CreateCounter<long>("aistack_kb_cache_hits", description: "Context requests answered from the cache.");
        _cacheMisses = meter.CreateCounter<long>("aistack_kb_cache_misses", description: "Context requests that had to be retrieved.");
        _cacheErrors = meter.CreateCounter<long>("aistack_kb_cache_errors", description: "Cache operations that failed and were bypassed.");
        _contextDuration = meter.CreateHistogram<double>("aistack_kb_context_duration", unit: "ms",
            description: "Time to answer POST /context.");
        _documentsIndexed = meter.CreateCounter<long>("aistack_kb_documents_indexed", description: "Documents added or replaced.");
        _chunksIndexed = meter.CreateCounter<long>("aistack_kb_chunks_indexed", description: "Chunks embedded and indexed.");
        meter.CreateObservableGauge("aistack_kb_chunks", () => Interlocked.Read(ref _chunks), description: "Chunks in the vector index.");
    }

    public void CacheHit() => _cacheHits.Add(1);

    public void CacheMiss() => _cacheMisses.Add(1);

    public void CacheError(string operation) => _cacheErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void ContextAnswered(double milliseconds, bool cached) =>
        _contextDuration.Record(milliseconds, new KeyValuePair<string, object?>("cached", cached));

    public void DocumentIndexed(int chunks)
    {
        _documentsIndexed.Add(1);
        _chunksIndexed.Add(chunks);
    }

    public void SetChunkCount(long chunks) => Interlocked.Exchange(ref _chunks, chunks);
}
