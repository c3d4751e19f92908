using AiStack.Contracts.Tasks;
using AiStack.Ralph.Adaptive;
using AiStack.Ralph.Settings;

namespace AiStack.Tests.Ralph;

/// <summary>The original's adaptive rules as a table: keyword levels, length bonuses, ties, history branches, clamping.</summary>
public sealed class AdaptiveLimitTests
{
    private static readonly BaseLimits Defaults = new();

    private static string Words(int count, string filler = "lorem") => string.Join(' ', Enumerable.Repeat(filler, count));

    public static TheoryData<string, TaskComplexity, int> Prompts => new()
    {
        // keyword + the short-prompt bonus (+1 simple)
        { "fix typo in the readme", TaskComplexity.Simple, 3 },
        { "implement and test the parser", TaskComplexity.Moderate, 10 },
        { "refactor and optimize the cache layer", TaskComplexity.Complex, 25 },
        { "rewrite and overhaul the distributed scheduler", TaskComplexity.VeryComplex, 50 },
        // one moderate keyword ties with the short-prompt bonus: the simpler level wins
        { "implement a parser", TaskComplexity.Simple, 3 },
        // a three-way tie (simple bonus, complex, very complex): simple
        { "refactor and rewrite", TaskComplexity.Simple, 3 },
        // no keyword, short: the bonus alone makes it simple
        { "do the thing", TaskComplexity.Simple, 3 },
        // no keyword, 50-200 words: nothing scores, moderate
        { Words(120), TaskComplexity.Moderate, 10 },
        // over 200 words: +1 complex
        { Words(250), TaskComplexity.Complex, 25 },
        // over 500 words: +2 very complex
        { Words(600), TaskComplexity.VeryComplex, 50 },
        // 60 words with one complex and one very complex keyword: tie, the simpler (complex) wins
        { "refactor then rewrite " + Words(58), TaskComplexity.Complex, 25 },
        // over 500 words beats a single complex keyword (2 > 1)
        { "migrate " + Words(600), TaskComplexity.VeryComplex, 50 },
    };

    [Theory]
    [MemberData(nameof(Prompts))]
    public void Keywords_and_length_choose_the_level_and_base_limit(string prompt, TaskComplexity level, int limit)
    {
        var decision = AdaptiveLimit.Calculate(prompt, Defaults, []);

        Assert.Equal(level, decision.Complexity);
        Assert.Equal(limit, decision.BaseLimit);
        Assert.Equal(limit, decision.FinalLimit);
        Assert.Equal(1.0, decision.HistoryAdjustment);
    }

    private static HistoryOutcome[] History(int successes, int failures, int iterations = 3) =>
        [.. Enumerable.Repeat(new HistoryOutcome(true, iterations), successes), .. Enumerable.Repeat(new HistoryOutcome(false, 10), failures)];

    public static TheoryData<HistoryOutcome[], double> Histories => new()
    {
        { [], 1.0 },
        { History(2, 0), 1.0 },                  // fewer than 3 records
        { History(0, 3), 1.5 },                  // no successes
        { History(9, 1, iterations: 2), 0.8 },   // > 0.8 and quick
        { History(10, 0, iterations: 5), 1.0 },  // > 0.8 but not quick (avg 5 is not < 5): falls to > 0.6
        { History(7, 3), 1.0 },                  // 0.7 > 0.6
        { History(5, 5), 1.2 },                  // 0.5 > 0.4
        { History(4, 6), 1.5 },                  // 0.4 is not > 0.4
        { History(1, 4), 1.5 },                  // 0.2
    };

    [Theory]
    [MemberData(nameof(Histories))]
    public void The_history_multiplier_follows_the_success_rate(HistoryOutcome[] history, double multiplier) =>
        Assert.Equal(multiplier, AdaptiveLimit.HistoryMultiplier(history));

    [Fact]
    public void Only_the_newest_ten_outcomes_count()
    {
        // Ten fresh failures first (newest first), then ten old quick successes that must be ignored.
        HistoryOutcome[] history = [.. History(0, 10), .. History(10, 0, iterations: 1)];

        Assert.Equal(1.5, AdaptiveLimit.HistoryMultiplier(history));
    }

    [Fact]
    public void The_multiplier_scales_the_base_limit_and_truncates()
    {
        var decision = AdaptiveLimit.Calculate("refactor and optimize the cache layer", Defaults, History(5, 5));

        Assert.Equal(30, decision.FinalLimit); // int(25 x 1.2)
    }

    [Fact]
    public void The_limit_is_clamped_to_one_hundred()
    {
        var decision = AdaptiveLimit.Calculate(Words(600), Defaults with { VeryComplex = 100 }, History(0, 3));

        Assert.Equal(100, decision.FinalLimit);
    }

    [Fact]
    public void The_limit_is_clamped_to_at_least_one()
    {
        var decision = AdaptiveLimit.Calculate("fix typo", Defaults with { Simple = 1 }, History(10, 0, iterations: 1));

        Assert.Equal(0.8, decision.HistoryAdjustment);
        Assert.Equal(1, decision.FinalLimit);
    }

    [Theory]
    [InlineData("Refactor the test suite", "refactor")]
    [InlineData("fix the failing test", "fix")]
    [InlineData("please document the API", "document")]
    [InlineData("review this change", "review")]
    [InlineData("make it faster", "general")]
    public void The_task_type_is_the_first_listed_keyword_found(string prompt, string taskType) =>
        Assert.Equal(taskType, AdaptiveLimit.TaskType(prompt));
}
