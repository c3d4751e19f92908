using AiStack.Learning.Patterns;

namespace AiStack.Tests.Learning;

/// <summary>The original's value score and quality filters, against cases computed by hand from its rules.</summary>
public sealed class ValueScoreTests
{
    [Fact]
    public void Success_with_two_reusable_phrases_and_a_short_answer_scores_by_hand()
    {
        // 0.4 (success) + 0.2 x 0.5 ("how to", "configure") + 0.1 x (0.5 x 46 / 2000) + 0.05 (novelty) = 0.55115
        var response = "Use proxy_pass in a location block and reload.";
        Assert.Equal(46, response.Length);
        Assert.Equal(0.55115, ValueScore.Compute(Outcomes.Success, null, "How to configure nginx as a reverse proxy for the dashboard", response), 6);
    }

    [Fact]
    public void Partial_outcome_with_neutral_feedback_scores_by_hand()
    {
        // 0.2 (partial) + 0.1 (feedback 0) + 0 (no phrase) + 0.1 x (0.5 x 19 / 2000) + 0.05 = 0.350475
        Assert.Equal(0.350475, ValueScore.Compute(Outcomes.Partial, 0, "Rename variable x to count in module utils", "Renamed in 3 files."), 6);
    }

    [Fact]
    public void Every_component_at_its_maximum_scores_095()
    {
        // 0.4 + 0.2 (feedback 1) + 0.2 x 1 (five phrases, capped) + 0.1 x 1 (steps 0.3 + two fences 0.3 + length 0.5, capped) + 0.05 = 0.95
        var prompt = "How to install, setup and configure the stack: best practice please";
        var response = "1. first\n2. second\n3. third\n```bash\nmake\n```\n" + new string('x', 2000);
        Assert.Equal(1.0, ValueScore.Reusability(prompt));
        Assert.Equal(1.0, ValueScore.Complexity(response));
        Assert.Equal(0.95, ValueScore.Compute(Outcomes.Success, 1, prompt, response), 6);
    }

    [Fact]
    public void Complexity_counts_steps_fences_and_length()
    {
        // 2 steps (0.2) + one fence (0.15) + 0.5 x 1000 / 2000 (0.25) = 0.6
        var response = "1. a 2. b ```" + new string('y', 1000 - 13);
        Assert.Equal(1000, response.Length);
        Assert.Equal(0.6, ValueScore.Complexity(response), 6);
    }

    [Fact]
    public void A_failure_without_feedback_keeps_only_the_novelty()
    {
        // 0 + 0 + 0 + 0.1 x (0.5 x 2 / 2000) + 0.05 = 0.05005
        Assert.Equal(0.05005, ValueScore.Compute(Outcomes.Failure, null, "Some prompt that is long enough", "ok"), 6);
    }

    [Theory]
    [InlineData("short prompt", "a long enough response", 1, "prompt_too_short")]
    [InlineData("a prompt that is longer than twenty", "too short", 1, "response_too_short")]
    [InlineData("a prompt that is longer than twenty", "a long enough response", 6, "too_many_iterations")]
    [InlineData("a prompt that is longer than twenty", "A prompt that is  LONGER than twenty", 1, "prompt_equals_response")]
    [InlineData("a prompt that is longer than twenty", "a long enough response", 5, null)]
    public void Quality_filters_follow_the_original(string prompt, string response, int iterations, string? rejection)
    {
        var candidate = new PatternCandidate(PatternTypes.TaskCompletion, "task:1", prompt, response, "llm", iterations, Outcomes.Success, null, DateTimeOffset.UtcNow);
        Assert.Equal(rejection, QualityFilter.Reject(candidate, maxIterations: 5));
    }

    [Fact]
    public void The_content_hash_ignores_case_and_whitespace()
    {
        Assert.Equal(PatternCandidate.ContentHash("How To  Fix X\n", "Run   Y"), PatternCandidate.ContentHash("how to fix x", "run y"));
        Assert.NotEqual(PatternCandidate.ContentHash("how to fix x", "run y"), PatternCandidate.ContentHash("how to fix x", "run z"));
    }

    [Theory]
    [InlineData("completed", Outcomes.Success)]
    [InlineData("max_iterations", Outcomes.Failure)]
    [InlineData("partial", Outcomes.Partial)]
    [InlineData(null, Outcomes.Unknown)]
    public void Outcomes_are_normalized_from_their_spellings(string? raw, string expected) => Assert.Equal(expected, Outcomes.Normalize(raw));
}
