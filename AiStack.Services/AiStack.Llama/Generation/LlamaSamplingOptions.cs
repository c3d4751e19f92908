namespace AiStack.Llama.Generation;

/// <summary>How to pick tokens and when to stop. Temperature 0 (or below) is greedy decoding.</summary>
public sealed record LlamaSamplingOptions
{
    public static LlamaSamplingOptions Greedy { get; } = new() { Temperature = 0 };

    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep the k most likely tokens; 0 disables.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Nucleus sampling; 1 disables.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens less likely than MinP times the best one; 0 disables.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Repetition penalty over the last <see cref="PenaltyLastN"/> tokens; 1 disables.</summary>
    public float RepeatPenalty { get; init; } = 1f;

    public float FrequencyPenalty { get; init; }

    public float PresencePenalty { get; init; }

    public int PenaltyLastN { get; init; } = 64;

    /// <summary>Seed for random sampling; null uses the model's configured seed, or a random one.</summary>
    public uint? Seed { get; init; }

    /// <summary>Most tokens to generate; null runs until an end token, a stop sequence or the context is full.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Generation ends when the text contains one of these; the stop text itself is never returned.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>A GBNF grammar (root rule "root") that every generated token must fit: JSON mode, JSON schemas, tool calls.</summary>
    public string? Grammar { get; init; }

    internal bool IsGreedy => Temperature <= 0;

    internal bool HasPenalties => RepeatPenalty != 1f || FrequencyPenalty != 0f || PresencePenalty != 0f;
}

/// <summary>Why generation ended.</summary>
public enum LlamaFinishReason
{
    /// <summary>An end-of-generation token or a stop sequence.</summary>
    Stop,

    /// <summary>Max tokens reached, or the context is full.</summary>
    Length,
}

/// <summary>A piece of streamed text; the last update has <see cref="FinishReason"/> and the final counts.</summary>
public sealed record LlamaGenerationUpdate(string Text, LlamaFinishReason? FinishReason, int PromptTokens, int CompletionTokens);

/// <summary>A whole completion.</summary>
public sealed record LlamaCompletion(string Text, LlamaFinishReason FinishReason, int PromptTokens, int CompletionTokens);
