using System.Diagnostics;
using System.Globalization;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Vectors;
using AiStack.KnowledgeBase.Vectors.Embedded;

namespace AiStack.Benchmarks.KnowledgeBase;

/// <summary>The embedded index alone (no HTTP, no SQL): exact top-10 search time over random 384-dimension vectors.</summary>
internal static class VectorIndexBenchmark
{
    public static async Task<string> RunAsync(int count, int searches = 200)
    {
        var random = new Random(count);
        var index = EmbeddedVectorIndex.Standalone(new HnswOptions { Threshold = 0 }, Path.GetTempPath());
        await index.EnsureCollectionAsync("c", 384);
        var batch = new List<VectorRecord>(10_000);
        for (var i = 0; i < count; i++)
        {
            batch.Add(new VectorRecord(i + 1, i / 20, "p" + (i % 10).ToString(CultureInfo.InvariantCulture), RandomVector(random)));
            if (batch.Count == batch.Capacity)
            {
                await index.UpsertAsync("c", batch);
                batch.Clear();
            }
        }

        await index.UpsertAsync("c", batch);
        var queries = Enumerable.Range(0, searches + 50).Select(_ => RandomVector(random)).ToList();
        foreach (var q in queries.Take(50))
        {
            await index.SearchAsync("c", new VectorQuery(q, 10));
        }

        var times = new List<double>();
        foreach (var q in queries.Skip(50))
        {
            var watch = Stopwatch.StartNew();
            await index.SearchAsync("c", new VectorQuery(q, 10));
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"| {count:N0} | {times[times.Count / 2]:0.00} | {times[(int)(times.Count * 0.95)]:0.00} |");
    }

    private static float[] RandomVector(Random random)
    {
        var vector = new float[384];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return VectorMath.Normalized(vector);
    }
}
