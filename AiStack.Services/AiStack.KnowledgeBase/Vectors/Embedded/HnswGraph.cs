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
