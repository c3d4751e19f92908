using System.ComponentModel.DataAnnotations;

namespace AiStack.Coordinator.Queries;

/// <summary>Limits and defaults of /query and /augment_query (section <c>Queries</c>).</summary>
public sealed class QueryOptions
{
    public const string Section = "Queries";

    /// <summary>Longest accepted prompt, in characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxPromptChars { get; set; } = AiStack.Contracts.Coordinator.CoordinatorLimits.MaxPromptChars;

    [Range(1, 100)]
    public int DefaultContextLimit { get; set; } = 5;

    [Range(1, 100)]
    public int MaxContextLimit { get; set; } = 50;

    /// <summary>Collections searched for the prompt's context when the request names none.</summary>
    [MinLength(1)]
    public string[] DefaultCollections { get; set; } = ["codebase-context", "skills-patterns", "error-solutions", "best-practices"];

    /// <summary>Answer length when the request sets none.</summary>
    [Range(1, 32_768)]
    public int DefaultMaxTokens { get; set; } = 512;

    /// <summary>Characters of each context chunk put into the prompt.</summary>
    [Range(100, 100_000)]
    public int MaxChunkCharsInPrompt { get; set; } = 1_500;
}
