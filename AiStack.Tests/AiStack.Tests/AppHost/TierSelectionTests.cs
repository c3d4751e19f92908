using AiStack.AppHost.Model;
using static AiStack.Tests.AppHost.TestResources;

namespace AiStack.Tests.AppHost;

public sealed class TierSelectionTests
{
    [Theory]
    [InlineData(4, 2, StackTier.Small)]
    [InlineData(16, 2, StackTier.Small)]
    [InlineData(8, 4, StackTier.Medium)]
    [InlineData(31, 16, StackTier.Medium)]
    [InlineData(64, 4, StackTier.Medium)]
    [InlineData(32, 8, StackTier.Large)]
    public void The_detected_tier_needs_both_the_memory_and_the_cores(int gib, int cores, StackTier expected)
    {
        Assert.Equal(expected, TierSelector.Detect(new MachineCapacity(gib * TierSelector.GiB, cores)));
    }

    [Theory]
    [InlineData("large", StackTier.Large)]
    [InlineData("Small", StackTier.Small)]
    [InlineData(" medium ", StackTier.Medium)]
    public void A_requested_tier_wins_over_detection(string requested, StackTier expected)
    {
        Assert.Equal(expected, TierSelector.Select(requested, new MachineCapacity(2 * TierSelector.GiB, 1)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("auto")]
    public void Without_a_request_the_tier_is_detected(string? requested)
    {
        Assert.Equal(StackTier.Large, TierSelector.Select(requested, new MachineCapacity(64 * TierSelector.GiB, 16)));
    }

    [Fact]
    public void An_unknown_tier_is_rejected_with_the_valid_names()
    {
        var error = Assert.Throws<StackConfigurationException>(() => TierSelector.Select("huge", new MachineCapacity(0, 1)));

        Assert.Contains("small, medium, large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_above_the_tier_does_not_start()
    {
        var learning = Project("learning").WithMinimumTier(StackTier.Medium).Resource;

        Assert.False(learning.IsRunnable(Context(tier: StackTier.Small)));
        Assert.True(learning.IsRunnable(Context(tier: StackTier.Medium)));
        Assert.True(learning.IsRunnable(Context(tier: StackTier.Large)));
    }
}
