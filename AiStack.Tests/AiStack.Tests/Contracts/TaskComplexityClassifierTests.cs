using AiStack.Contracts.Tasks;

namespace AiStack.Tests.Contracts;

public sealed class TaskComplexityClassifierTests
{
    private static string Words(int count) => string.Join(' ', Enumerable.Repeat("word", count));

    // Each keyword level, with enough neutral words (50..200) that no length bonus applies.
    [Theory]
    [InlineData("fix typo in the readme", TaskComplexity.Simple)]
    [InlineData("add comment to the parser", TaskComplexity.Simple)]
    [InlineData("rename the class", TaskComplexity.Simple)]
    [InlineData("update version of the package", TaskComplexity.Simple)]
    [InlineData("format the file", TaskComplexity.Simple)]
    [InlineData("implement the cache", TaskComplexity.Moderate)]
    [InlineData("add function for parsing", TaskComplexity.Moderate)]
    [InlineData("refactor the router", TaskComplexity.Complex)]
    [InlineData("migrate the database", TaskComplexity.Complex)]
    [InlineData("architecture review", TaskComplexity.Complex)]
    [InlineData("rewrite the engine", TaskComplexity.VeryComplex)]
    [InlineData("security audit of the service", TaskComplexity.VeryComplex)]
    [InlineData("distributed locking", TaskComplexity.VeryComplex)]
    public void Keywords_decide_the_level_without_a_length_bonus(string prompt, TaskComplexity expected)
    {
        var text = prompt + " " + Words(60);
        var assessment = TaskComplexityClassifier.Assess(text);
        Assert.Equal(expected, assessment.Level);
    }

    [Fact]
    public void Substring_matches_count_for_every_level_they_hit()
    {
        // "update version" hits simple once, and its "update" hits moderate once: a tie, which goes to the simpler level.
        var assessment = TaskComplexityClassifier.Assess("update version " + Words(60));
        Assert.Equal(1, assessment.Scores[TaskComplexity.Simple]);
        Assert.Equal(1, assessment.Scores[TaskComplexity.Moderate]);
    }

    [Fact]
    public void No_keyword_and_a_middle_length_is_moderate()
    {
        Assert.Equal(TaskComplexity.Moderate, TaskComplexityClassifier.Classify(Words(100)));
    }

    [Fact]
    public void Under_50_words_adds_one_to_simple()
    {
        var assessment = TaskComplexityClassifier.Assess(Words(49));
        Assert.Equal(1, assessment.Scores[TaskComplexity.Simple]);
        Assert.Equal(TaskComplexity.Simple, assessment.Level);
    }

    [Fact]
    public void Exactly_50_words_gets_no_bonus()
    {
        Assert.Equal(0, TaskComplexityClassifier.Assess(Words(50)).Scores[TaskComplexity.Simple]);
    }

    [Fact]
    public void Over_200_words_adds_one_to_complex()
    {
        var assessment = TaskComplexityClassifier.Assess(Words(201));
        Assert.Equal(1, assessment.Scores[TaskComplexity.Complex]);
        Assert.Equal(TaskComplexity.Complex, assessment.Level);
    }

    [Fact]
    public void Exactly_200_words_gets_no_bonus()
    {
        Assert.Equal(TaskComplexity.Moderate, TaskComplexityClassifier.Classify(Words(200)));
    }

    [Fact]
    public void Over_500_words_adds_two_to_very_complex()
    {
        var assessment = TaskComplexityClassifier.Assess(Words(501));
        Assert.Equal(2, assessment.Scores[TaskComplexity.VeryComplex]);
        Assert.Equal(0, assessment.Scores[TaskComplexity.Complex]);
        Assert.Equal(TaskComplexity.VeryComplex, assessment.Level);
    }

    [Fact]
    public void A_short_moderate_prompt_ties_with_the_simple_bonus_and_the_simpler_level_wins()
    {
        // "implement" scores moderate 1; under 50 words scores simple 1; ties go to the simpler level.
        Assert.Equal(TaskComplexity.Simple, TaskComplexityClassifier.Classify("implement a parser"));
    }

    [Fact]
    public void Two_complex_keywords_beat_one_very_complex_keyword()
    {
        Assert.Equal(TaskComplexity.Complex, TaskComplexityClassifier.Classify("refactor and optimize, then rewrite " + Words(60)));
    }

    [Fact]
    public void Matching_ignores_case()
    {
        Assert.Equal(TaskComplexity.VeryComplex, TaskComplexityClassifier.Classify("REWRITE " + Words(60)));
    }

    [Theory]
    [InlineData(TaskComplexity.Simple, "simple")]
    [InlineData(TaskComplexity.Moderate, "moderate")]
    [InlineData(TaskComplexity.Complex, "complex")]
    [InlineData(TaskComplexity.VeryComplex, "very_complex")]
    public void Levels_have_snake_case_wire_names(TaskComplexity level, string name) => Assert.Equal(name, level.ToWireName());
}
