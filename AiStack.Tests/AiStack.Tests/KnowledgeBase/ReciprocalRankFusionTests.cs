using AiStack.KnowledgeBase.Retrieval;

namespace AiStack.Tests.KnowledgeBase;

public sealed class ReciprocalRankFusionTests
{
    [Fact]
    public void Scores_are_the_sum_of_one_over_k_plus_rank()
    {
        var fused = ReciprocalRankFusion.Fuse<string>([["a", "b"], ["b", "c"]]);

        var scores = fused.ToDictionary(f => f.Item, f => f.Score);
        Assert.Equal(1.0 / 61, scores["a"], 12);
        Assert.Equal(1.0 / 62 + 1.0 / 61, scores["b"], 12);
        Assert.Equal(1.0 / 62, scores["c"], 12);
    }

    [Fact]
    public void An_item_found_by_both_rankings_beats_the_top_of_one()
    {
        var fused = ReciprocalRankFusion.Fuse<string>([["vector-only", "both"], ["keyword-only", "both"]]);

        Assert.Equal("both", fused[0].Item);
    }

    [Fact]
    public void Ties_keep_the_first_ranking_first()
    {
        var fused = ReciprocalRankFusion.Fuse<string>([["v1"], ["k1"]]);

        Assert.Equal(["v1", "k1"], fused.Select(f => f.Item));
    }

    [Fact]
    public void A_smaller_k_rewards_top_ranks_more()
    {
        // k = 0: first place (1/1) beats second and third place (1/2 + 1/3); k = 60 flattens ranks and "both" wins.
        var sharp = ReciprocalRankFusion.Fuse<string>([["x", "both", "y"], ["z", "w", "both"]], k: 0);
        var smooth = ReciprocalRankFusion.Fuse<string>([["x", "both", "y"], ["z", "w", "both"]]);

        Assert.Equal("x", sharp[0].Item);
        Assert.Equal("both", smooth[0].Item);
    }

    [Fact]
    public void Empty_rankings_fuse_to_nothing() => Assert.Empty(ReciprocalRankFusion.Fuse<int>([[], []]));
}
