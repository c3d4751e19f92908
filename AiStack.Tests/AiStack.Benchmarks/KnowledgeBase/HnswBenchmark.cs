using System.Diagnostics;
using System.Globalization;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Vectors;
using AiStack.KnowledgeBase.Vectors.Embedded;
using static AiStack.Benchmarks.BenchmarkSupport;

namespace AiStack.Benchmarks.KnowledgeBase;

/// <summary>
/// The embedded index with its HNSW graph against the exact scan, on clustered 384-dimension vectors (topics with noise, closer
/// to real embeddings than uniform noise): build time, search p50/p95/p99 and recall@10 against the exact top 10.
/// </summary>
internal static class HnswBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var counts = IntList(args, "--vectors", "100000");
        var queries = int.Parse(Option(args, "--queries") ?? "200", CultureInfo.InvariantCulture);
        var efs = IntList(args, "--ef", new HnswOptions().ExpansionSearch.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine("| vectors | build (s) | ef | HNSW p50 / p95 / p99 (ms) | exact p50 / p95 (ms) | recall@10 |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var count in counts)
        {
            await MeasureAsync(count, queries, efs);
        }

        return 0;
    }

    // One build per size; each ef is then measured on the same graph, since the graph reads ExpansionSearch at every search.
    private static async Task MeasureAsync(int count, int queryCount, List<int> efs)
    {
        var folder = Path.Combine(Path.GetTempPath(), "aistack-hnsw-bench-" + Environment.ProcessId);
        var random = new Random(count);
        var centres = Enumerable.Range(0, 1000).Select(_ => RandomVector(random)).ToList();
        var records = new List<VectorRecord>(count);
        for (var i = 0; i < count; i++)
        {
            records.Add(new VectorRecord(i + 1, i / 20, "p", Near(centres[random.Next(centres.Count)], random, 0.8f)));
        }

        var exact = EmbeddedVectorIndex.Standalone(new HnswOptions { Threshold = 0 }, folder);
        var graphOptions = new HnswOptions { Threshold = 1, ExpansionSearch = efs[0] };
        var graph = EmbeddedVectorIndex.Standalone(graphOptions, folder);
        foreach (var index in new[] { exact, graph })
        {
            await index.EnsureCollectionAsync("c", 384);
            foreach (var batch in records.Chunk(10_000))
            {
                await index.UpsertAsync("c", batch);
            }
        }

        exact.CompleteLoad("c", "bench");
        var watch = Stopwatch.StartNew();
        graph.CompleteLoad("c", "bench");
        var build = watch.Elapsed.TotalSeconds;

        var queries = Enumerable.Range(0, queryCount).Select(_ => Near(records[random.Next(count)].Vector, random, 0.5f)).ToList();
        var exactTimes = new List<double>();
        var truths = new List<HashSet<long>>();
        foreach (var query in queries)
        {
            watch.Restart();
            var truth = await exact.SearchAsync("c", new VectorQuery(query, 10));
            exactTimes.Add(watch.Elapsed.TotalMilliseconds);
            truths.Add(truth.Select(t => t.ChunkId).ToHashSet());
        }

        exactTimes.Sort();
        foreach (var ef in efs)
        {
            graphOptions.ExpansionSearch = ef;
            var graphTimes = new List<double>();
            double found = 0;
            for (var q = 0; q < queries.Count; q++)
            {
                watch.Restart();
                var approximate = await graph.SearchAsync("c", new VectorQuery(queries[q], 10));
                graphTimes.Add(watch.Elapsed.TotalMilliseconds);
                found += approximate.Count(a => truths[q].Contains(a.ChunkId));
            }

            graphTimes.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {count:N0} | {build:0.0} | {ef} | {Percentile(graphTimes, 50):0.00} / {Percentile(graphTimes, 95):0.00} / {Percentile(graphTimes, 99):0.00} | " +
                $"{Percentile(exactTimes, 50):0.00} / {Percentile(exactTimes, 95):0.00} | {found / (queryCount * 10.0):0.000} |"));
        }

        exact.Dispose();
        graph.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private static float[] Near(float[] centre, Random random, float noise)
    {
        var vector = RandomVector(random);
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = centre[i] + (noise * vector[i]);
        }

        return VectorMath.Normalized(vector);
    }

    private static float[] RandomVector(Random random)
    {
        var vector = new float[384];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return VectorMath.Normalized(vector);
    }
}
