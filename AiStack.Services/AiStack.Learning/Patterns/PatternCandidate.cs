using System.Security.Cryptography;
using System.Text;

namespace AiStack.Learning.Patterns;

/// <summary>A pattern the pipeline found in the events, before quality filters and dedup.</summary>
/// <param name="Origin">What produced it (a task, an interaction, a failed iteration); feedback that arrives later finds it by this key.</param>
public sealed record PatternCandidate(
    string Type, string Origin, string Prompt, string Response, string? Backend, int? Iterations, string Outcome, int? Feedback, DateTimeOffset Time)
{
    public double Value => ValueScore.Compute(Outcome, Feedback, Prompt, Response);

    public string Hash => ContentHash(Prompt, Response);

    /// <summary>SHA-256 of the normalized (lower-cased, whitespace-collapsed) prompt and response: the exact-duplicate key.</summary>
    public static string ContentHash(string prompt, string response) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(prompt) + "\n\u0000\n" + Normalize(response))));

    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}

/// <summary>The original's quality filters: prompt longer than 20 characters, response longer than 10, at most N iterations for task patterns, prompt different from response.</summary>
public static class QualityFilter
{
    public static string? Reject(PatternCandidate candidate, int maxIterations)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (candidate.Prompt.Trim().Length <= 20)
        {
            return "prompt_too_short";
        }

        if (candidate.Response.Trim().Length <= 10)
        {
            return "response_too_short";
        }

        if (candidate.Type == PatternTypes.TaskCompletion && candidate.Iterations > maxIterations)
        {
            return "too_many_iterations";
        }

        if (PatternCandidate.Normalize(candidate.Prompt) == PatternCandidate.Normalize(candidate.Response))
        {
            return "prompt_equals_response";
        }

        return null;
    }
}
