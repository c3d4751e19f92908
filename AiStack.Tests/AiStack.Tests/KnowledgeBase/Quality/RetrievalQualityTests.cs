using System.Globalization;
using System.Numerics.Tensors;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Coordinator.Caching;
using AiStack.Coordinator.Routing;
using AiStack.KnowledgeBase.Collections;
using Xunit.Abstractions;

namespace AiStack.Tests.KnowledgeBase.Quality;

/// <summary>
/// Retrieval quality on the labelled set (60 questions over 510 chunks) through the real KnowledgeBase, and the thresholds
/// derived from real MiniLM similarities. The figures printed here are the ones in the KnowledgeBase README.
/// </summary>
public sealed class RetrievalQualityTests(LabelledKnowledgeBaseFixture set, ITestOutputHelper output) : IClassFixture<LabelledKnowledgeBaseFixture>
{
    [Fact]
    public async Task MiniLm_and_hybrid_retrieval_beat_the_word_hash_by_a_clear_margin()
    {
        var hashVector = await MeasureAsync(set.Hashing, hybrid: false);
        var hashHybrid = await MeasureAsync(set.Hashing, hybrid: true);
        var miniLmVector = await MeasureAsync(set.MiniLm, hybrid: false);
        var miniLmHybrid = await MeasureAsync(set.MiniLm, hybrid: true);
        output.WriteLine("| retrieval | hit@5 | MRR@10 |");
        output.WriteLine("|---|---:|---:|");
        foreach (var (name, m) in new[] { ("word hash, vector only", hashVector), ("word hash + BM25 (RRF)", hashHybrid),
                     ("MiniLM, vector only", miniLmVector), ("MiniLM + BM25 (RRF), the default", miniLmHybrid) })
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {m.HitAt5:F3} | {m.Mrr:F3} |"));
        }

        Assert.True(miniLmVector.HitAt5 >= hashVector.HitAt5 + 0.15, $"MiniLM {miniLmVector.HitAt5:F3} vs hash {hashVector.HitAt5:F3}");
        Assert.True(miniLmHybrid.HitAt5 >= hashHybrid.HitAt5 + 0.1, $"hybrid MiniLM {miniLmHybrid.HitAt5:F3} vs hybrid hash {hashHybrid.HitAt5:F3}");
        Assert.True(miniLmHybrid.Mrr >= hashHybrid.Mrr + 0.1, $"MRR {miniLmHybrid.Mrr:F3} vs {hashHybrid.Mrr:F3}");
        // The keyword ranking's low weight (Retrieval:KeywordWeight) keeps fusion close to the vector ranking on paraphrased questions.
        Assert.True(miniLmHybrid.HitAt5 >= miniLmVector.HitAt5 - 0.1, $"hybrid {miniLmHybrid.HitAt5:F3} vs vector {miniLmVector.HitAt5:F3}");
    }

    [Fact]
    public async Task The_default_cut_keeps_a_strong_keyword_hit_whose_cosine_is_below_the_minimum()
    {
        using var client = set.MiniLm.CreateApiClient();
        // An exact ticket code inside text about something else: its cosine to the bare code is low, but it is the only keyword match.
        (await client.PostJsonAsync("/documents", new
        {
            project = "quality", collection = "error-solutions", title = "March release notes", source = "notes/march",
            content = "Release notes for March: the dashboard got a dark theme, charts load faster and the sidebar remembers its width. " +
                "Tables can be sorted by any column, the login page shows the product logo again, and tooltips explain each setting. " +
                "Translations were added for German and Spanish, and the footer links point to the new handbook. Fixed ZQX4711.",
        })).EnsureSuccessStatusCode();

        var context = await (await client.PostJsonAsync("/context", new { query = "ZQX4711", collections = new[] { "error-solutions" } }))
            .ReadAsync<ContextResponse>();

        var hit = Assert.Single(context.Results, r => r.Source == "notes/march");
        Assert.Equal(1, hit.KeywordRank);
        var minimum = KnowledgeCollections.Defaults.Single(c => c.Name == "error-solutions").MinScore * MinScoreScales.MiniLm;
        Assert.True(hit.Score < minimum, $"the cosine {hit.Score:F3} should be under the collection's minimum {minimum:F3} for this test to mean anything");
    }

    [Fact]
    public async Task Per_collection_minimum_scores_keep_most_answers_and_drop_most_unrelated_chunks()
    {
        using var client = set.MiniLm.CreateApiClient();
        var answer = new List<double>();
        var bestDistractor = new List<double>();
        foreach (var pair in RetrievalQualitySet.Pairs)
        {
            var results = await VectorSearchAsync(client, pair.Query, 30);
            answer.Add(results.FirstOrDefault(r => r.Id == pair.Id)?.Score ?? -1);
            bestDistractor.Add(results.First(r => r.Id.StartsWith("distractor-", StringComparison.Ordinal)).Score);
        }

        var minimum = KnowledgeCollections.Defaults.Single(c => c.Name == LabelledKnowledgeBaseFixture.Collection).MinScore * MinScoreScales.MiniLm;
        var kept = answer.Count(s => s >= minimum) / (double)answer.Count;
        var dropped = bestDistractor.Count(s => s < minimum) / (double)bestDistractor.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"codebase-context minimum {minimum:F3}: keeps {kept:P0} of the answers, drops the best distractor for {dropped:P0} of the questions; " +
            $"answer cosine p10 {Percentile(answer, 0.10):F3}, median {Percentile(answer, 0.5):F3}; best distractor median {Percentile(bestDistractor, 0.5):F3}"));

        // The scale puts the original's 0.70 at the 10th percentile of the answers' cosines (rounded to 0.05).
        Assert.InRange(MinScoreScales.MiniLm * 0.7, Percentile(answer, 0.10) - 0.035, Percentile(answer, 0.10) + 0.035);
        Assert.True(kept >= 0.85, $"kept {kept:P0}");
        Assert.True(dropped >= 0.33, $"dropped {dropped:P0}");
    }

    [Fact]
    public async Task The_routing_threshold_separates_answerable_from_unanswerable_questions()
    {
        using var client = set.MiniLm.CreateApiClient();
        var answerable = new List<double>();
        foreach (var pair in RetrievalQualitySet.Pairs)
        {
            answerable.Add(await TopScoreAsync(client, pair.Query));
        }

        var unanswerable = new List<double>();
        foreach (var question in CalibrationPairs.Unanswerable)
        {
            unanswerable.Add(await TopScoreAsync(client, question));
        }

        // Youden's J (true-positive rate minus false-positive rate) over thresholds 0.20-0.80.
        double J(double t) => (answerable.Count(s => s >= t) / (double)answerable.Count) - (unanswerable.Count(s => s >= t) / (double)unanswerable.Count);
        // Only thresholds that keep at least three quarters of the unanswerable questions remote are candidates.
        double FalseLocal(double t) => unanswerable.Count(s => s >= t) / (double)unanswerable.Count;
        var candidates = Enumerable.Range(20, 61).Select(i => i / 100.0).Where(t => FalseLocal(t) <= 0.25).ToList();
        var best = candidates.MaxBy(J);
        var configured = new RoutingOptions().LocalConfidenceThreshold;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"routing: best threshold {best:F2} (J {J(best):F3}); configured {configured:F2}: J {J(configured):F3}, " +
            $"{answerable.Count(s => s >= configured)}/{answerable.Count} answerable local, {unanswerable.Count(s => s >= configured)}/{unanswerable.Count} unanswerable local"));

        Assert.True(J(configured) >= J(best) - 0.05, $"configured {configured} has J {J(configured):F3}, best {best} has {J(best):F3}");
        Assert.True(FalseLocal(configured) <= 0.25, "at most a quarter of unanswerable questions may stay local");
    }

    [Fact]
    public async Task The_semantic_cache_threshold_accepts_rewordings_and_never_a_different_question()
    {
        using var client = set.MiniLm.CreateApiClient();
        var same = await CosinesAsync(client, CalibrationPairs.SameQuestion);
        var different = await CosinesAsync(client, CalibrationPairs.DifferentQuestion);
        var threshold = new ResponseCacheOptions().SemanticThreshold;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"semantic cache {threshold:F3}: same question max/min {same.Max():F3}/{same.Min():F3}, accepted {same.Count(s => s >= threshold)}/{same.Count}; " +
            $"different question max {different.Max():F3}, accepted {different.Count(s => s >= threshold)}/{different.Count}"));

        // A cached answer to another question is worse than a miss: the threshold sits just above every different-question pair.
        Assert.All(different, s => Assert.True(s < threshold, $"a different question scores {s:F4} >= {threshold}"));
        Assert.InRange(threshold, different.Max(), different.Max() + 0.005);
        Assert.True(same.Count(s => s >= threshold) >= 3, "some rewordings must still be answered from the cache");
    }

    private sealed record Measure(double HitAt5, double Mrr);

    private async Task<Measure> MeasureAsync(KnowledgeBaseFactory factory, bool hybrid)
    {
        using var client = factory.CreateApiClient();
        double hits = 0, reciprocal = 0;
        foreach (var pair in RetrievalQualitySet.Pairs)
        {
            var ranked = hybrid
                ? (await (await client.PostJsonAsync("/context", new { query = pair.Query, collections = new[] { LabelledKnowledgeBaseFixture.Collection }, limit = 10, min_score = -1 }))
                    .ReadAsync<ContextResponse>()).Results.Select(r => r.Source).ToList()
                : (await VectorSearchAsync(client, pair.Query, 10)).Select(r => r.Id).ToList();
            var rank = ranked.IndexOf(pair.Id) + 1;
            hits += rank is >= 1 and <= 5 ? 1 : 0;
            reciprocal += rank >= 1 ? 1.0 / rank : 0;
        }

        return new Measure(hits / RetrievalQualitySet.Pairs.Count, reciprocal / RetrievalQualitySet.Pairs.Count);
    }

    private static async Task<IReadOnlyList<VectorSearchResult>> VectorSearchAsync(HttpClient client, string query, int limit) =>
        (await (await client.PostJsonAsync("/vector/search", new { collection = LabelledKnowledgeBaseFixture.Collection, query, limit, min_score = -1 }))
            .ReadAsync<VectorSearchResponse>()).Results;

    // As the Coordinator asks for its routing confidence: top score, minimum 0.
    private static async Task<double> TopScoreAsync(HttpClient client, string query)
    {
        var results = (await (await client.PostJsonAsync("/context", new { query, collections = new[] { LabelledKnowledgeBaseFixture.Collection }, limit = 3, min_score = 0 }))
            .ReadAsync<ContextResponse>()).Results;
        return results.Count == 0 ? 0 : results.Max(r => r.Score);
    }

    private static async Task<List<double>> CosinesAsync(HttpClient client, IReadOnlyList<(string A, string B)> pairs)
    {
        var embedded = await (await client.PostJsonAsync("/vector/embed", new { texts = pairs.SelectMany(p => new[] { p.A, p.B }).ToArray() }))
            .ReadAsync<EmbedResponse>();
        return Enumerable.Range(0, pairs.Count)
            .Select(i => (double)TensorPrimitives.CosineSimilarity(embedded.Embeddings[2 * i], embedded.Embeddings[(2 * i) + 1]))
            .ToList();
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Floor(p * (sorted.Count - 1))];
    }
}
