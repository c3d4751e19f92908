using System.Numerics.Tensors;

namespace AiStack.KnowledgeBase.Vectors.Embedded;

/// <summary>
/// The vectors of one collection in one contiguous float array (row i = slot i), with parallel arrays of chunk, document and
/// project ids. Removal moves the last row into the freed slot, so rows stay dense. Searches share a read lock; writes take the
/// write lock. With an attached <see cref="HnswGraph"/> a search takes its candidates from the graph and scores them exactly
/// here; a filtered search that the graph cannot fill falls back to the exact scan.
/// </summary>
internal sealed class CollectionIndex(int dimensions) : IDisposable
{
    // A project-filtered search asks the graph for this many times the wanted results before it falls back to the scan.
    private const int FilteredOverfetch = 8;

    private const int ParallelThreshold = 32_768;

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<long, int> _slotByChunk = [];
    private float[] _vectors = new float[dimensions * 64];
    private long[] _chunkIds = new long[64];
    private long[] _documentIds = new long[64];
    private int[] _projectIds = new int[64];
    private int _count;
    private HnswGraph? _graph;

    public int Dimensions => dimensions;

    public bool HasGraph => _graph is not null;

    /// <summary>Sum of the chunk ids (with the count, what a saved graph must match to be reused).</summary>
    public long IdChecksum()
    {
        _lock.EnterReadLock();
        try
        {
            return IdChecksumLocked();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private long IdChecksumLocked()
    {
        long sum = 0;
        for (var slot = 0; slot < _count; slot++)
        {
            sum = unchecked(sum + _chunkIds[slot]);
        }

        return sum;
    }

    /// <summary>Uses <paramref name="graph"/> for searches (it must hold exactly this collection's vectors), or builds one when null.</summary>
    public HnswGraph AttachGraph(HnswGraph? graph, Func<HnswGraph> create)
    {
        _lock.EnterWriteLock();
        try
        {
            if (graph is null)
            {
                graph = create();
                graph.AddAll(_chunkIds, _vectors, _count, dimensions);
            }

            _graph?.Dispose();
            _graph = graph;
            return graph;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void SaveGraph(string path, string model)
    {
        _lock.EnterReadLock();
        try
        {
            _graph?.Save(path, new HnswGraph.Manifest(model, _count, IdChecksumLocked()));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _graph?.Dispose();
        _lock.Dispose();
    }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public void Upsert(IEnumerable<(long ChunkId, long DocumentId, int ProjectId, float[] Vector)> records)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var (chunkId, documentId, projectId, vector) in records)
            {
                if (vector.Length != dimensions)
                {
                    throw new ArgumentException($"Vector of chunk {chunkId} has {vector.Length} dimensions; the index has {dimensions}.");
                }

                if (!_slotByChunk.TryGetValue(chunkId, out var slot))
                {
                    EnsureCapacity(_count + 1);
                    slot = _count++;
                    _slotByChunk[chunkId] = slot;
                }

                vector.CopyTo(_vectors.AsSpan(slot * dimensions, dimensions));
                _graph?.Add(chunkId, vector);
                _chunkIds[slot] = chunkId;
                _documentIds[slot] = documentId;
                _projectIds[slot] = projectId;
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Remove(IEnumerable<long> chunkIds)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var chunkId in chunkIds)
            {
                RemoveLocked(chunkId);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void RemoveDocument(long documentId)
    {
        _lock.EnterWriteLock();
        try
        {
            for (var slot = _count - 1; slot >= 0; slot--)
            {
                if (_documentIds[slot] == documentId)
                {
                    RemoveLocked(_chunkIds[slot]);
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Exact top-k by dot product (cosine for normalized vectors), optionally filtered.</summary>
    public List<(long ChunkId, long DocumentId, float Score)> Search(ReadOnlySpan<float> query, int limit, int? projectId, long? documentId, float minScore)
    {
        if (query.Length != dimensions)
        {
            throw new ArgumentException($"The query vector has {query.Length} dimensions; the index has {dimensions}.");
        }

        var queryCopy = query.ToArray();
        _lock.EnterReadLock();
        try
        {
            List<(int Slot, float Score)> best;
            if (_graph is not null && documentId is null && GraphSearch(queryCopy, limit, projectId, minScore) is { } fromGraph)
            {
                best = fromGraph;
            }
            else if (_count < ParallelThreshold)
            {
                var top = new TopK<int>(limit);
                Scan(queryCopy, 0, _count, projectId, documentId, minScore, top);
                best = top.ToSortedList();
            }
            else
            {
                // Large collections: scan partitions on several cores and merge their top-k lists.
                var partitions = Math.Max(2, Environment.ProcessorCount);
                var size = (_count + partitions - 1) / partitions;
                var partial = new TopK<int>[partitions];
                Parallel.For(0, partitions, p =>
                {
                    var top = new TopK<int>(limit);
                    Scan(queryCopy, p * size, Math.Min(_count, (p + 1) * size), projectId, documentId, minScore, top);
                    partial[p] = top;
                });
                var merged = new TopK<int>(limit);
                foreach (var top in partial)
                {
                    foreach (var (slot, score) in top.ToSortedList())
                    {
                        merged.Offer(slot, score);
                    }
                }

                best = merged.ToSortedList();
            }

            return best.Select(b => (_chunkIds[b.Slot], _documentIds[b.Slot], b.Score)).ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    // Null when a filter leaves fewer results than wanted although the collection may hold more: the exact scan decides then.
    private List<(int Slot, float Score)>? GraphSearch(float[] query, int limit, int? projectId, float minScore)
    {
        var wanted = Math.Min(limit, _count);
        var keys = _graph!.Search(query, projectId is null ? wanted : Math.Min(_count, wanted * FilteredOverfetch));
        var top = new TopK<int>(limit);
        var vectors = _vectors.AsSpan();
        foreach (var key in keys)
        {
            if (!_slotByChunk.TryGetValue((long)key, out var slot) || (projectId is { } p && _projectIds[slot] != p))
            {
                continue;
            }

            var score = TensorPrimitives.Dot(vectors.Slice(slot * dimensions, dimensions), query);
            if (score >= minScore)
            {
                top.Offer(slot, score);
            }
        }

        var best = top.ToSortedList();
        return best.Count < wanted && projectId is not null && keys.Length < _count ? null : best;
    }

    private void Scan(float[] query, int from, int to, int? projectId, long? documentId, float minScore, TopK<int> top)
    {
        var vectors = _vectors.AsSpan();
        for (var slot = from; slot < to; slot++)
        {
            if ((projectId is { } p && _projectIds[slot] != p) || (documentId is { } d && _documentIds[slot] != d))
            {
                continue;
            }

            var score = TensorPrimitives.Dot(vectors.Slice(slot * dimensions, dimensions), query);
            if (score >= minScore)
            {
                top.Offer(slot, score);
            }
        }
    }

    private void RemoveLocked(long chunkId)
    {
        if (!_slotByChunk.Remove(chunkId, out var slot))
        {
            return;
        }

        _graph?.Remove(chunkId);

        var last = --_count;
        if (slot != last)
        {
            _vectors.AsSpan(last * dimensions, dimensions).CopyTo(_vectors.AsSpan(slot * dimensions, dimensions));
            _chunkIds[slot] = _chunkIds[last];
            _documentIds[slot] = _documentIds[last];
            _projectIds[slot] = _projectIds[last];
            _slotByChunk[_chunkIds[slot]] = slot;
        }
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= _chunkIds.Length)
        {
            return;
        }

        var capacity = Math.Max(rows, _chunkIds.Length * 2);
        Array.Resize(ref _vectors, capacity * dimensions);
        Array.Resize(ref _chunkIds, capacity);
        Array.Resize(ref _documentIds, capacity);
        Array.Resize(ref _projectIds, capacity);
    }
}
