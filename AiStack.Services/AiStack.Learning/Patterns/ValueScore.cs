namespace AiStack.Learning.Patterns;

/// <summary>
/// The original's value score of an interaction, capped at 1:
/// outcome (success 0.4, partial 0.2) + feedback (1: 0.2, 0: 0.1) + 0.2 x reusability + 0.1 x complexity + novelty 0.05.
/// Reusability: 0.25 for each of the phrases "how to", "best practice", "configure", "setup", "install" found in the prompt or the
/// response (lower-cased), at most 1. Complexity of the response: 0.1 for each numbered-step marker "1.", "2.", "3." it contains,
/// 0.15 for each code fence (every "```"), plus 0.5 x min(length / 2000, 1), at most 1.
/// </summary>
public static class ValueScore
{
    public const double Novelty = 0.05;

    private static readonly string[] ReusablePhrases = ["how to", "best practice", "configure", "setup", "install"];
    private static readonly string[] StepMarkers = ["1.", "2.", "3."];

    public static double Compute(string outcome, int? feedback, string prompt, string response)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(response);
        var score = OutcomeScore(outcome);
        score += feedback switch { 1 => 0.2, 0 => 0.1, _ => 0.0 };
        score += 0.2 * Reusability(prompt + " " + response);
        score += 0.1 * Complexity(response);
        score += Novelty;
        return Math.Round(Math.Min(1.0, score), 6);
    }

    public static double OutcomeScore(string outcome) => outcome switch
    {
        Outcomes.Success => 0.4,
        Outcomes.Partial => 0.2,
        _ => 0.0,
    };

    public static double Reusability(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.ToLowerInvariant();
        return Math.Min(1.0, 0.25 * ReusablePhrases.Count(p => lower.Contains(p, StringComparison.Ordinal)));
    }

    public static double Complexity(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var score = 0.1 * StepMarkers.Count(m => response.Contains(m, StringComparison.Ordinal));
        score += 0.15 * Occurrences(response, "```");
        score += 0.5 * Math.Min(response.Length / 2000.0, 1.0);
        return Math.Min(1.0, score);
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

/// <summary>Outcomes as the pipeline normalizes them from the events' many spellings.</summary>
public static class Outcomes
{
    public const string Success = "success";
    public const string Partial = "partial";
    public const string Failure = "failure";
    public const string Unknown = "unknown";

    public static string Normalize(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "success" or "succeeded" or "successful" or "completed" or "complete" or "done" or "ok" or "passed" => Success,
        "partial" or "partially_completed" or "partial_success" => Partial,
        "failure" or "failed" or "fail" or "error" or "rejected" or "blocked" or "max_iterations" or "iteration_limit" or "timeout" or "stopped" => Failure,
        _ => Unknown,
    };
}

/// <summary>The kinds of pattern (the <c>patterns_by_type</c> keys).</summary>
public static class PatternTypes
{
    public const string TaskCompletion = "task_completion";
    public const string QueryAnswer = "query_answer";
    public const string ErrorFix = "error_fix";
}
