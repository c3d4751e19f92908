namespace AiStack.Contracts.Tasks;

/// <summary>How demanding a task or query looks, by the original stack's keyword rules.</summary>
public enum TaskComplexity
{
    Simple,
    Moderate,
    Complex,
    VeryComplex,
}

/// <summary>The per-level scores behind a classification, kept so a decision can explain itself.</summary>
public sealed record ComplexityAssessment(TaskComplexity Level, IReadOnlyDictionary<TaskComplexity, int> Scores, int WordCount);

/// <summary>
/// Classifies a prompt by the original's rules: lower-case substring keywords per level, a length bonus
/// (over 500 words +2 very complex, over 200 words +1 complex, under 50 words +1 simple), highest score wins,
/// ties go to the simpler level, no score at all means moderate. Ralph's adaptive limits and the Coordinator's
/// routing share this one rule.
/// </summary>
public static class TaskComplexityClassifier
{
    private static readonly (TaskComplexity Level, string[] Keywords)[] KeywordsByLevel =
    [
        (TaskComplexity.Simple, ["fix typo", "add comment", "rename", "update version", "format"]),
        (TaskComplexity.Moderate, ["add function", "implement", "create", "update", "modify", "test"]),
        (TaskComplexity.Complex, ["refactor", "redesign", "migrate", "optimize", "architecture", "integration"]),
        (TaskComplexity.VeryComplex, ["rewrite", "overhaul", "security audit", "performance tuning", "distributed"]),
    ];

    public static ComplexityAssessment Assess(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = prompt.ToLowerInvariant();
        var scores = new Dictionary<TaskComplexity, int>();
        foreach (var (candidateLevel, keywords) in KeywordsByLevel)
        {
            scores[candidateLevel] = keywords.Count(k => text.Contains(k, StringComparison.Ordinal));
        }

        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        if (words > 500)
        {
            scores[TaskComplexity.VeryComplex] += 2;
        }
        else if (words > 200)
        {
            scores[TaskComplexity.Complex] += 1;
        }
        else if (words < 50)
        {
            scores[TaskComplexity.Simple] += 1;
        }

        var level = TaskComplexity.Moderate;
        var best = 0;
        foreach (var (candidate, _) in KeywordsByLevel)
        {
            // Strictly greater: on a tie the simpler level, visited first, keeps the win.
            if (scores[candidate] > best)
            {
                best = scores[candidate];
                level = candidate;
            }
        }

        return new ComplexityAssessment(level, scores, words);
    }

    public static TaskComplexity Classify(string prompt) => Assess(prompt).Level;

    /// <summary>snake_case name used on the wire and in telemetry (simple, moderate, complex, very_complex).</summary>
    public static string ToWireName(this TaskComplexity level) => level switch
    {
        TaskComplexity.Simple => "simple",
        TaskComplexity.Moderate => "moderate",
        TaskComplexity.Complex => "complex",
        TaskComplexity.VeryComplex => "very_complex",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };
}
