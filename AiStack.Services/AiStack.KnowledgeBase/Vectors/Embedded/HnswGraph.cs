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
    private readonly USearchIndex _index;

    private HnswGraph(USearchIndex index) => _index = index;

    public sealed record Manifest(string Model, long Count, long IdChecksum);

    public static HnswGraph Create(int dimensions, HnswOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HnswGraph(new USearchIndex(MetricKind.Ip, ScalarKind.Float32, (ulong)dimensions,
            (ulong)options.Connectivity, (ulong)options.ExpansionAdd, (ulong)options.ExpansionSearch));
    }

    /// <summary>The saved graph at <paramref name="path"/> if its manifest matches, else null.</summary>
    public static HnswGraph? TryLoad(string path, Manifest expected)
    {
        var manifestPath = path + ".json";
        if (!File.Exists(path) || !File.Exists(manifestPath))
        {
            return null;
        }

        var saved = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath));
        return saved == expected ? new HnswGraph(new USearchIndex(path)) : null;
    }

    public long Count => (long)_index.Size();

    public void Add(long key, float[] vector)
    {
        if (_index.Contains((ulong)key))
        {
            _index.Remove((ulong)key);
        }

        _index.Add((ulong)key, vector);
    }

    /// <summary>
    /// Adds rows <c>0..count</c> of <paramref name="vectors"/> (row-major, <paramref name="dimensions"/> wide) under
    /// <paramref name="keys"/> to an empty graph, on every core. USearch's native add is safe to call concurrently, but its C#
    /// binding grows the capacity inside <c>Add</c> when the index is full, which is not; so each round adds in parallel exactly
    /// as many vectors as the current capacity holds, then one sequential add makes it grow (geometrically) for the next round.
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
        var next = 0;
        while (next < count)
        {
            var room = (int)Math.Min((ulong)(count - next), _index.Capacity() - _index.Size());
            if (room <= 1)
            {
                _index.Add((ulong)keys[next], Row(next));
                next++;
                continue;
            }

            var start = next;
            Parallel.For(start, start + room, slot => _index.Add((ulong)keys[slot], Row(slot)));
            next += room;
        }
    }

    public void Remove(long key) => _index.Remove((ulong)key);

    /// <summary>Up to <paramref name="count"/> nearest keys.</summary>
    public ulong[] Search(float[] query, int count)
    {
        var found = _index.Search(query, count, out var keys, out _);
        return found == keys.Length ? keys : keys[..found];
    }

    public void Save(string path, Manifest manifest)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _index.Save(path);
        File.WriteAllText(path + ".json", JsonSerializer.Serialize(manifest));
    }

    public void Dispose() => _index.Dispose();
}
