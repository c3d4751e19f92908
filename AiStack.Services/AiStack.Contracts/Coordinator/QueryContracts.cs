using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Contracts.Coordinator;

// The Coordinator's public contract, kept from the original hybrid coordinator (snake_case on the wire).

/// <summary>POST /query. Either <see cref="Prompt"/> or <see cref="Query"/> carries the text.</summary>
public sealed record QueryRequest
{
    [MaxLength(CoordinatorLimits.MaxPromptChars)]
    public string? Prompt { get; init; }

    [MaxLength(CoordinatorLimits.MaxPromptChars)]
    public string? Query { get; init; }

    public string? Mode { get; init; }
    public bool PreferLocal { get; init; }
    public bool Private { get; init; }
    public JsonElement? Context { get; init; }
    [Range(1, 100)]
    public int? Limit { get; init; }
    public int? KeywordLimit { get; init; }
    [Range(0.0, 1.0)]
    public double? ScoreThreshold { get; init; }
    public bool GenerateResponse { get; init; } = true;
    public IReadOnlyList<string>? Collections { get; init; }
    public string? Project { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public string? AgentType { get; init; }

    public string? Text => string.IsNullOrWhiteSpace(Prompt) ? Query : Prompt;
}

public sealed record TokenCounts(long Prompt, long Completion, long Total);

public sealed record QueryResponse(
    string InteractionId,
    string Route,
    string? Backend,
    string? Response,
    IReadOnlyList<ContextResult> Results,
    double? Confidence,
    string Reason,
    string Complexity,
    double LatencyMs,
    TokenCounts Tokens,
    bool Cached,
    string? ContextNote = null);

public sealed record AugmentQueryRequest([property: Required, MaxLength(CoordinatorLimits.MaxPromptChars)] string? Query, string? AgentType);

public sealed record AugmentQueryResponse(string AugmentedPrompt, IReadOnlyList<string> ContextIds, string OriginalQuery, int ContextCount);

/// <summary>POST /feedback: a correction to record, or an outcome for an earlier interaction.</summary>
public sealed record FeedbackRequest
{
    [MaxLength(CoordinatorLimits.MaxIdChars)]
    public string? InteractionId { get; init; }

    /// <summary>success, partial or failure.</summary>
    public string? Outcome { get; init; }

    [Range(1, 5)]
    public int? Rating { get; init; }

    [MaxLength(CoordinatorLimits.MaxPromptChars)]
    public string? Query { get; init; }

    [MaxLength(CoordinatorLimits.MaxCorrectionChars)]
    public string? Correction { get; init; }

    [MaxLength(CoordinatorLimits.MaxNotesChars)]
    public string? Notes { get; init; }

    [MaxLength(CoordinatorLimits.MaxTags)]
    public IReadOnlyList<string>? Tags { get; init; }
}

public sealed record FeedbackResponse(string Status, string? FeedbackId, string? InteractionId);

/// <summary>
/// Size limits of the Coordinator's inputs, shared with its callers (Ralph) so that nobody sends what will be refused.
/// The retrieval query sent on to the KnowledgeBase is bounded by <see cref="KnowledgeBase.ContextLimits.MaxQueryChars"/>.
/// </summary>
public static class CoordinatorLimits
{
    /// <summary>Longest /query prompt, in characters; a longer one is refused with 400.</summary>
    public const int MaxPromptChars = 32_000;

    /// <summary>Messages and characters of one /v1/chat/completions request.</summary>
    public const int MaxChatMessages = 256;

    public const int MaxChatChars = 200_000;

    /// <summary>A /feedback correction (indexed into the KnowledgeBase's learning-feedback collection) and its notes.</summary>
    public const int MaxCorrectionChars = 20_000;

    public const int MaxNotesChars = 20_000;

    /// <summary>Ids (interaction_id) and each tag of /feedback; at most <see cref="MaxTags"/> tags.</summary>
    public const int MaxIdChars = 200;

    public const int MaxTags = 50;
}
