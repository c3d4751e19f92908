using AiStack.Coordinator.Budget;

namespace AiStack.Tests.Coordinator;

public sealed class RemoteBudgetTests
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static string StateFile() => Infrastructure.TestDirectories.NewPath("budget", ".json");

    [Fact]
    public void Token_budget_is_exhausted_once_usage_reaches_the_limit()
    {
        var budget = new RemoteBudget(() => (100L, 0), new Clock(DateTimeOffset.UtcNow), null);
        budget.Record(60);
        Assert.True(budget.Allows());
        budget.Record(40);
        Assert.False(budget.Allows());
        Assert.Equal(2, budget.Usage.RequestsUsed);
    }

    [Fact]
    public void Spent_ratio_is_the_larger_share_and_zero_without_limits()
    {
        var budget = new RemoteBudget(() => (200L, 4), new Clock(DateTimeOffset.UtcNow), null);
        budget.Record(50);
        Assert.Equal(0.25, budget.Usage.SpentRatio);
        budget.Record(130);
        Assert.Equal(0.9, budget.Usage.SpentRatio, 6);

        var unlimited = new RemoteBudget(() => (0L, 0), new Clock(DateTimeOffset.UtcNow), null);
        unlimited.Record(1_000_000);
        Assert.Equal(0, unlimited.Usage.SpentRatio);
    }

    [Fact]
    public void Request_budget_counts_requests()
    {
        var budget = new RemoteBudget(() => (0L, 2), new Clock(DateTimeOffset.UtcNow), null);
        budget.Record(0);
        budget.Record(0);
        Assert.False(budget.Allows());
    }

    [Fact]
    public void The_budget_resets_at_utc_midnight()
    {
        var clock = new Clock(new DateTimeOffset(2026, 11, 21, 23, 59, 0, TimeSpan.Zero));
        var budget = new RemoteBudget(() => (10L, 0), clock, null);
        budget.Record(10);
        Assert.False(budget.Allows());
        clock.Now = clock.Now.AddMinutes(2);
        Assert.True(budget.Allows());
        Assert.Equal(0, budget.Usage.TokensUsed);
    }

    [Fact]
    public void Usage_survives_a_restart_on_the_same_day()
    {
        var file = StateFile();
        var clock = new Clock(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        Func<(long, int)> options = () => (1000L, 0);
        new RemoteBudget(options, clock, file).Record(700);

        var restarted = new RemoteBudget(options, clock, file);
        Assert.Equal(700, restarted.Usage.TokensUsed);

        clock.Now = clock.Now.AddDays(1);
        Assert.Equal(0, new RemoteBudget(options, clock, file).Usage.TokensUsed);
    }
}
