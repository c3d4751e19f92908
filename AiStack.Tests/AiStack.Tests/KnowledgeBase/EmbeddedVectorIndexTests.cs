using System.Numerics.Tensors;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Vectors;
using AiStack.KnowledgeBase.Vectors.Embedded;

namespace AiStack.Tests.KnowledgeBase;

public sealed class EmbeddedVectorIndexTests
{
    private static float[] RandomUnitVector(Random random, int dimensions)
    {
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return VectorMath.Normalized(vector);
    }

    private static async Task<(EmbeddedVectorIndex Index, List<VectorRecord> Records)> FilledAsync(int count, int dimensions, int seed)
    {
        var random = new Random(seed);
        var records = Enumerable.Range(1, count)
            .Select(i => new VectorRecord(i, i / 10, i % 3 == 0 ? "alpha" : "beta", RandomUnitVector(random, dimensions)))
            .ToList();
        var index = EmbeddedVectorIndex.Standalone(new HnswOptions { Threshold = 0 }, Infrastructure.TestDirectories.Create("hnsw"));
        await index.EnsureCollectionAsync("c", dimensions);
        await index.UpsertAsync("c", records);
        return (index, records);
    }

    private static List<long> BruteForce(IEnumerable<VectorRecord> records, float[] query, int k) =>
        records.Select(r => (r.ChunkId, Score: TensorPrimitives.Dot(r.Vector, query)))
            .OrderByDescending(r => r.Score).Take(k).Select(r => r.ChunkId).ToList();

    [Theory]
    [InlineData(5_000, 64)]
    [InlineData(40_000, 32)] // above the threshold where the scan is split across cores
    public async Task Search_returns_exactly_the_brute_force_top_k(int count, int dimensions)
    {
        var (index, records) = await FilledAsync(count, dimensions, seed: count);
        var random = new Random(7);

        for (var q = 0; q < 5; q++)
        {
            var query = RandomUnitVector(random, dimensions);
            var hits = await index.SearchAsync("c", new VectorQuery(query, 10));

            Assert.Equal(BruteForce(records, query, 10), hits.Select(h => h.ChunkId));
            Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        }
    }

    [Fact]
    public async Task Project_filter_keeps_only_that_project()
    {
        var (index, records) = await FilledAsync(2_000, 32, seed: 3);
        var query = RandomUnitVector(new Random(9), 32);

        var hits = await index.SearchAsync("c", new VectorQuery(query, 15, Project: "alpha"));

        Assert.Equal(BruteForce(records.Where(r => r.Project == "alpha"), query, 15), hits.Select(h => h.ChunkId));
    }

    [Fact]
    public async Task Min_score_drops_weaker_hits()
    {
        var (index, _) = await FilledAsync(2_000, 16, seed: 4);

        var hits = await index.SearchAsync("c", new VectorQuery(RandomUnitVector(new Random(1), 16), 100, MinScore: 0.5f));

        Assert.All(hits, h => Assert.True(h.Score >= 0.5f));
    }

    [Fact]
    public async Task Deleted_vectors_are_no_longer_found_and_the_rest_still_are()
    {
        var (index, records) = await FilledAsync(1_000, 16, seed: 5);
        var deleted = records.Where(r => r.ChunkId % 2 == 0).Select(r => r.ChunkId).ToList();
        await index.DeleteAsync("c", deleted);
        await index.DeleteDocumentAsync("c", 3); // chunks 30..39
        var remaining = records.Where(r => r.ChunkId % 2 == 1 && r.DocumentId != 3).ToList();

        Assert.Equal(remaining.Count, await index.CountAsync("c"));
        foreach (var record in remaining.Take(50))
        {
            var hit = (await index.SearchAsync("c", new VectorQuery(record.Vector, 1)))[0];
            Assert.Equal(record.ChunkId, hit.ChunkId);
        }
    }

    [Fact]
    public async Task Upserting_an_existing_chunk_replaces_its_vector()
    {
        var index = EmbeddedVectorIndex.Standalone(new HnswOptions { Threshold = 0 }, Infrastructure.TestDirectories.Create("hnsw"));
        var random = new Random(11);
        var replacement = RandomUnitVector(random, 8);
        await index.UpsertAsync("c", [new VectorRecord(1, 1, "p", RandomUnitVector(random, 8))]);
        await index.UpsertAsync("c", [new VectorRecord(1, 1, "p", replacement)]);

        var hit = Assert.Single(await index.SearchAsync("c", new VectorQuery(replacement, 5)));

        Assert.Equal(1f, hit.Score, 4);
    }

    [Fact]
    public async Task Concurrent_writers_and_searchers_stay_consistent()
    {
        var index = EmbeddedVectorIndex.Standalone(new HnswOptions { Threshold = 0 }, Infrastructure.TestDirectories.Create("hnsw"));
        await index.EnsureCollectionAsync("c", 16);
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = 0; i < 500; i++)
            {
                await index.UpsertAsync("c", [new VectorRecord(w * 10_000 + i, w, "p", RandomUnitVector(random, 16))]);
                if (i % 5 == 0)
                {
                    await index.DeleteAsync("c", [w * 10_000 + i]);
                }
            }
        }));
        var searchers = Enumerable.Range(0, 4).Select(s => Task.Run(async () =>
        {
            var random = new Random(100 + s);
            for (var i = 0; i < 300; i++)
            {
                var hits = await index.SearchAsync("c", new VectorQuery(RandomUnitVector(random, 16), 5));
                Assert.Equal(hits.Count, hits.Select(h => h.ChunkId).Distinct().Count());
            }
        }));

        await Task.WhenAll(writers.Concat(searchers));

        Assert.Equal(4 * 400, await index.CountAsync("c"));
    }

    [Fact]
    public async Task Above_the_threshold_an_hnsw_graph_answers_with_recall_at_10_of_at_least_095_and_is_reused_after_a_restart()
    {
        var folder = Infrastructure.TestDirectories.Create("hnsw");
        var random = new Random(7);
        // Clustered like real embeddings (topics), not uniform noise.
        var centres = Enumerable.Range(0, 50).Select(_ => RandomUnitVector(random, 64)).ToList();
        var records = Enumerable.Range(1, 6_000).Select(i =>
        {
            var centre = centres[i % centres.Count];
            var noise = RandomUnitVector(random, 64);
            return new VectorRecord(i, i, i % 2 == 0 ? "alpha" : "beta", VectorMath.Normalized(centre.Zip(noise, (c, n) => c + (0.6f * n)).ToArray()));
        }).ToList();
        var options = new HnswOptions { Threshold = 5_000 };
        var exact = EmbeddedVectorIndex.Standalone(new HnswOptions { Threshold = 0 }, folder);
        var graph = EmbeddedVectorIndex.Standalone(options, folder);
        foreach (var index in new[] { exact, graph })
        {
            await index.EnsureCollectionAsync("c", 64);
            await index.UpsertAsync("c", records);
            index.CompleteLoad("c", "test-model");
        }

        var queries = Enumerable.Range(0, 100).Select(_ => RandomUnitVector(random, 64)).ToList();
        double found = 0;
        foreach (var query in queries)
        {
            var truth = (await exact.SearchAsync("c", new VectorQuery(query, 10))).Select(m => m.ChunkId).ToHashSet();
            found += (await graph.SearchAsync("c", new VectorQuery(query, 10))).Count(m => truth.Contains(m.ChunkId));
        }

        var filtered = await graph.SearchAsync("c", new VectorQuery(queries[0], 10, Project: "alpha"));
        graph.Dispose();
        var restarted = EmbeddedVectorIndex.Standalone(options, folder);
        await restarted.EnsureCollectionAsync("c", 64);
        await restarted.UpsertAsync("c", records);
        restarted.CompleteLoad("c", "test-model");

        Assert.True(graph is not null && restarted.HasGraph("c") && !exact.HasGraph("c"));
        Assert.True(found / (queries.Count * 10) >= 0.95, $"recall@10 {found / (queries.Count * 10):F3}");
        Assert.Equal(10, filtered.Count);
        Assert.All(filtered, m => Assert.Equal(0, m.ChunkId % 2));
        Assert.True(File.Exists(Path.Combine(folder, "knowledgebase-hnsw", "c.usearch.json")));
        Assert.Equal(
            (await exact.SearchAsync("c", new VectorQuery(queries[1], 10))).Select(m => m.ChunkId).Take(3),
            (await restarted.SearchAsync("c", new VectorQuery(queries[1], 10))).Select(m => m.ChunkId).Take(3));
        restarted.Dispose();
        exact.Dispose();
        Infrastructure.TestDirectories.Delete(folder);
    }

    [Fact]
    public void Building_a_graph_on_every_core_adds_each_vector_once_under_its_own_key()
    {
        const int count = 20_000, dimensions = 32;
        var random = new Random(11);
        var keys = Enumerable.Range(0, count).Select(i => 1_000_000L + (i * 7L)).ToArray();
        var vectors = Enumerable.Range(0, count).SelectMany(_ => RandomUnitVector(random, dimensions)).ToArray();
        using var graph = HnswGraph.Create(dimensions, new HnswOptions());

        graph.AddAll(keys, vectors, count, dimensions);

        Assert.Equal(count, graph.Count);
        var selfHits = Enumerable.Range(0, 200).Select(_ => random.Next(count))
            .Count(slot => graph.Search(vectors.AsSpan(slot * dimensions, dimensions).ToArray(), 1)[0] == (ulong)keys[slot]);
        Assert.True(selfHits >= 198, $"{selfHits} of 200 vectors found themselves first");
    }

    [Fact]
    public async Task Many_more_concurrent_graph_searches_than_cores_each_find_their_own_vector()
    {
        const int count = 5_000, dimensions = 32;
        var random = new Random(12);
        var keys = Enumerable.Range(1, count).Select(i => (long)i).ToArray();
        var vectors = Enumerable.Range(0, count).SelectMany(_ => RandomUnitVector(random, dimensions)).ToArray();
        using var graph = HnswGraph.Create(dimensions, new HnswOptions());
        graph.AddAll(keys, vectors, count, dimensions);
        var misses = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                var slot = ((worker * 997) + (i * 31)) % count;
                if (graph.Search(vectors.AsSpan(slot * dimensions, dimensions).ToArray(), 1)[0] != (ulong)keys[slot])
                {
                    Interlocked.Increment(ref misses);
                }
            }
        })));

        Assert.True(misses <= 16, $"{misses} of 3,200 concurrent searches missed their own vector");
    }

    [Fact]
    public void A_graph_loaded_from_disk_searches_with_the_configured_candidate_list_not_the_bindings_default()
    {
        const int count = 2_000, dimensions = 16;
        var random = new Random(13);
        var keys = Enumerable.Range(1, count).Select(i => (long)i).ToArray();
        var vectors = Enumerable.Range(0, count).SelectMany(_ => RandomUnitVector(random, dimensions)).ToArray();
        var folder = Infrastructure.TestDirectories.Create("hnsw");
        var path = Path.Combine(folder, "c.usearch");
        var manifest = new HnswGraph.Manifest("m", count, 1);
        using (var built = HnswGraph.Create(dimensions, new HnswOptions()))
        {
            built.AddAll(keys, vectors, count, dimensions);
            built.Save(path, manifest);
        }

        using var loaded = HnswGraph.TryLoad(path, manifest, new HnswOptions { ExpansionSearch = 300 });

        var candidates = loaded!.Search(vectors.AsSpan(0, dimensions).ToArray(), 1);
        Assert.Equal(300, candidates.Length);
        Assert.Equal((ulong)keys[0], candidates[0]);
        Infrastructure.TestDirectories.Delete(folder);
    }
}
