using System.Text.Json;
using Cloud.Unum.USearch;

namespace AiStack.KnowledgeBase.Vectors.Embedded;

/// <summary>
/// An HNSW graph over one collection's normalized vectors (USearch, inner product, float32), keyed by chunk id. It only
/// proposes candidates: the collection scores them exactly from its own rows. Saved as <c>{name}.usearch</c> with a small
/// manifest (model, count, checksum of the ids) so that a graph is only reused for exactly the vectors it was built from.
/// </summary>
public sealed class HnswGraph : IDisposable
{
    private static readonly System.Reflection.MethodInfo? IncreaseCapacity = typeof(USearchIndex).GetMethod(
        "IncreaseCapacity", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance, [typeof(ulong)]);

    private readonly USearchIndex _index;
    private readonly HnswOptions _options;

    // USearch gives each concurrent operation one of its per-thread contexts, as many as the machine has cores, and misbehaves
    // when more run at once (no context is left to take). Searches share the collection's read lock, so they are gated here;
    // writes hold its write lock, and the parallel build uses at most one thread per core.
    private readonly SemaphoreSlim _searchSlots = new(Environment.ProcessorCount);

    private HnswGraph(USearchIndex index, HnswOptions options)
    {
        _index = index;
        _options = options;
    }

    public sealed record Manifest(string Model, long Count, long IdChecksum);

    public static HnswGraph Create(int dimensions, HnswOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HnswGraph(new USearchIndex(MetricKind.Ip, ScalarKind.Float32, (ulong)dimensions,
            (ulong)options.Connectivity, (ulong)options.ExpansionAdd, (ulong)options.ExpansionSearch), options);
    }

    /// <summary>The saved graph at <paramref name="path"/> if its manifest matches, else null.</summary>
    public static HnswGraph? TryLoad(string path, Manifest expected, HnswOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var manifestPath = path + ".json";
        if (!File.Exists(path) || !File.Exists(manifestPath))
        {
            return null;
        }

        var saved = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath));
        return saved == expected ? new HnswGraph(new USearchIndex(path), options) : null;
    }

    public long Count => (long)_index.Size();

    public void Add(long key, float[] vector)
    {
        if (_index.Contains((ulong)key))
        {
            _index.Remove((ulong)key);
        }

        // The binding grows a full index by exactly one slot, copying the whole graph each time; double it instead.
        if (_index.Capacity() <= _index.Size())
        {
            Reserve(Math.Max(_index.Size(), 1024));
        }

        _index.Add((ulong)key, vector);
    }

    /// <summary>
    /// Adds rows <c>0..count</c> of <paramref name="vectors"/> (row-major, <paramref name="dimensions"/> wide) under
    /// <paramref name="keys"/> to an empty graph. The capacity is reserved once, then the vectors go in on every core: USearch's
    /// native add is safe to call concurrently while no add has to grow the index.
    /// </summary>
    public void AddAll(long[] keys, float[] vectors, int count, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vectors);
        if (_index.Size() != 0)
        {
            throw new InvalidOperationException("AddAll builds a new graph; this one already holds vectors.");
        }

        float[] Row(int slot) => vectors.AsSpan(slot * dimensions, dimensions).ToArray();
        if (Reserve((ulong)count))
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, slot => _index.Add((ulong)keys[slot], Row(slot)));
            return;
        }

        // Without a way to reserve, the batch call reserves once and adds on one thread.
        _index.Add(keys.Take(count).Select(k => (ulong)k).ToArray(), Enumerable.Range(0, count).Select(Row).ToArray());
    }

    /// <summary>
    /// Room for <paramref name="additional"/> more vectors, through the binding's own (non-public) capacity method, because its
    /// public <c>Add</c> reserves one slot at a time: a full copy of the graph per vector, so a 1M-vector build never ends.
    /// False when this version of the binding has no such method.
    /// </summary>
    private bool Reserve(ulong additional)
    {
        if (IncreaseCapacity is null)
        {
            return false;
        }

        IncreaseCapacity.Invoke(_index, [additional]);
        return true;
    }

    public void Remove(long key) => _index.Remove((ulong)key);

    /// <summary>
    /// The nearest keys, at least <paramref name="count"/> of them when the graph holds that many, nearest first. USearch
    /// searches with a candidate list of max(ef, wanted), so asking for <c>ExpansionSearch</c> keys makes the configured ef
    /// hold for every graph: a graph loaded from disk comes back with the binding's default ef, which has no setter, and the
    /// value can change without a rebuild. The extra candidates cost only their exact scores.
    /// </summary>
    public ulong[] Search(float[] query, int count)
    {
        int found;
        ulong[] keys;
        _searchSlots.Wait();
        try
        {
            found = _index.Search(query, Math.Max(count, _options.ExpansionSearch), out keys, out _);
        }
        finally
        {
            _searchSlots.Release();
        }

        return found == keys.Length ? keys : keys[..found];
    }

    public void Save(string path, Manifest manifest)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _index.Save(path);
        File.WriteAllText(path + ".json", JsonSerializer.Serialize(manifest));
    }

    public void Dispose()
    {
        _index.Dispose();
        _searchSlots.Dispose();
    }
}
