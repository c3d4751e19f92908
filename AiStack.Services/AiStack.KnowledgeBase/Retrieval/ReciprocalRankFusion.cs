namespace AiStack.KnowledgeBase.Retrieval;

/// <summary>
/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): an item's fused score is the sum over rankings of 1 / (k + rank),
/// rank starting at 1. It needs no score calibration between rankings, which is why vector and keyword results can be merged.
/// </summary>
public static class ReciprocalRankFusion
{
    public const int DefaultK = 60;

    /// <summary>Fused items, best first; ties keep the order in which items first appear (earlier rankings first).</summary>
    public static IReadOnlyList<(T Item, double Score)> Fuse<T>(IReadOnlyList<IReadOnlyList<T>> rankings, int k = DefaultK)
        where T : notnull =>
        Fuse(rankings, null, k);

    /// <summary>Weighted fusion: ranking r contributes weights[r] / (k + rank); null weights are all 1.</summary>
    public static IReadOnlyList<(T Item, double Score)> Fuse<T>(IReadOnlyList<IReadOnlyList<T>> rankings, IReadOnlyList<double>? weights, int k = DefaultK)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(rankings);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (weights is not null && weights.Count != rankings.Count)
        {
            throw new ArgumentException($"{weights.Count} weights for {rankings.Count} rankings.", nameof(weights));
        }

        var scores = new Dictionary<T, (double Score, int FirstSeen)>();
        var order = 0;
        for (var r = 0; r < rankings.Count; r++)
        {
            var ranking = rankings[r];
            var weight = weights?[r] ?? 1.0;
            for (var i = 0; i < ranking.Count; i++)
            {
                var contribution = weight / (k + i + 1);
                scores[ranking[i]] = scores.TryGetValue(ranking[i], out var existing)
                    ? (existing.Score + contribution, existing.FirstSeen)
                    : (contribution, order++);
            }
        }

        return scores
            .OrderByDescending(s => s.Value.Score)
            .ThenBy(s => s.Value.FirstSeen)
            .Select(s => (s.Key, s.Value.Score))
            .ToList();
    }
}
