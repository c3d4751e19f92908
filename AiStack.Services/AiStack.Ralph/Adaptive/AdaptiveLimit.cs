using AiStack.Contracts.Tasks;
using AiStack.Ralph.Settings;

namespace AiStack.Ralph.Adaptive;

/// <summary>One finished task, as the adaptive history remembers it.</summary>
public sealed record HistoryOutcome(bool Success, int Iterations);

/// <summary>The explained result of the adaptive algorithm (also the payload of <c>adaptive_limit_calculated</c>).</summary>
public sealed record AdaptiveDecision(TaskComplexity Complexity, int BaseLimit, double HistoryAdjustment, int FinalLimit, string TaskType);

/// <summary>
/// The original's adaptive iteration limit: complexity by keywords and length (shared classifier), a base limit per level from
/// the live settings, and a multiplier from the last 10 outcomes of the same task type on the same backend; clamped to 1..100.
/// </summary>
public static class AdaptiveLimit
{
    public const int HistoryWindow = 10;
    public const int MinLimit = 1;
    public const int MaxLimit = 100;

    // Order matters: the first keyword found names the task type.
    private static readonly string[] TaskTypes = ["refactor", "implement", "fix", "test", "add", "update", "remove", "optimize", "migrate", "document", "review"];

    public static string TaskType(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = prompt.ToLowerInvariant();
        return TaskTypes.FirstOrDefault(t => text.Contains(t, StringComparison.Ordinal)) ?? "general";
    }

    public static int BaseLimit(TaskComplexity level, BaseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return level switch
        {
            TaskComplexity.Simple => limits.Simple,
            TaskComplexity.Moderate => limits.Moderate,
            TaskComplexity.Complex => limits.Complex,
            _ => limits.VeryComplex,
        };
    }

    /// <summary>The multiplier over the newest <see cref="HistoryWindow"/> outcomes (callers pass them newest first or in any order).</summary>
    public static double HistoryMultiplier(IReadOnlyList<HistoryOutcome> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var recent = history.Take(HistoryWindow).ToList();
        if (recent.Count < 3)
        {
            return 1.0;
        }

        var successes = recent.Where(h => h.Success).ToList();
        if (successes.Count == 0)
        {
            return 1.5;
        }

        var rate = (double)successes.Count / recent.Count;
        var averageIterations = successes.Average(h => h.Iterations);
        if (rate > 0.8 && averageIterations < 5)
        {
            return 0.8;
        }

        return rate switch
        {
            > 0.6 => 1.0,
            > 0.4 => 1.2,
            _ => 1.5,
        };
    }

    public static AdaptiveDecision Calculate(string prompt, BaseLimits limits, IReadOnlyList<HistoryOutcome> history)
    {
        var complexity = TaskComplexityClassifier.Classify(prompt);
        var baseLimit = BaseLimit(complexity, limits);
        var multiplier = HistoryMultiplier(history);
        var final = Math.Clamp((int)(baseLimit * multiplier), MinLimit, MaxLimit);
        return new AdaptiveDecision(complexity, baseLimit, multiplier, final, TaskType(prompt));
    }
}
