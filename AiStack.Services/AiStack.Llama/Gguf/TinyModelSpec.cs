using System.ComponentModel.DataAnnotations;

namespace AiStack.Llama.Gguf;

/// <summary>Shape of a generated llama-architecture model with random weights (for tests and benchmarks).</summary>
public sealed record TinyModelSpec
{
    /// <summary>About 120k parameters, 0.5 MB: fast enough for unit tests.</summary>
    public static TinyModelSpec Tiny { get; } = new();

    /// <summary>About 34M parameters (136 MB f32): the benchmark model.</summary>
    public static TinyModelSpec ThirtyMillion { get; } = new()
    {
        Name = "aistack-tiny-30m",
        VocabularySize = 8192,
        EmbeddingLength = 512,
        LayerCount = 8,
        HeadCount = 8,
        KeyValueHeadCount = 8,
        FeedForwardLength = 1408,
        ContextLength = 2048,
    };

    public string Name { get; init; } = "aistack-tiny";

    /// <summary>Tokens in the vocabulary; at least the built-in tokenizer's (specials, 256 bytes, characters and words).</summary>
    [Range(1, 1 << 20)]
    public int VocabularySize { get; init; } = 1024;

    [Range(8, 8192)]
    public int EmbeddingLength { get; init; } = 64;

    [Range(1, 64)]
    public int LayerCount { get; init; } = 2;

    [Range(1, 128)]
    public int HeadCount { get; init; } = 4;

    [Range(1, 128)]
    public int KeyValueHeadCount { get; init; } = 2;

    [Range(8, 65536)]
    public int FeedForwardLength { get; init; } = 128;

    [Range(16, 131072)]
    public int ContextLength { get; init; } = 512;

    public int Seed { get; init; } = 42;

    /// <summary>tokenizer.ggml.add_bos_token: whether tokenizing with special tokens prepends BOS (false is like Qwen).</summary>
    public bool AddBosToken { get; init; } = true;

    /// <summary>tokenizer.chat_template; null writes <see cref="TinyModelWriter.ChatTemplate"/> (ChatML).</summary>
    public string? ChatTemplate { get; init; }

    public static TinyModelSpec FromName(string size) => size.ToUpperInvariant() switch
    {
        "TINY" => Tiny,
        "30M" => ThirtyMillion,
        _ => throw new ArgumentException($"Unknown model size '{size}': use tiny or 30m.", nameof(size)),
    };

    internal void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        if (EmbeddingLength % HeadCount != 0 || (EmbeddingLength / HeadCount) % 2 != 0)
        {
            throw new ArgumentException($"EmbeddingLength ({EmbeddingLength}) must be an even multiple of HeadCount ({HeadCount}).");
        }

        if (HeadCount % KeyValueHeadCount != 0)
        {
            throw new ArgumentException($"HeadCount ({HeadCount}) must be a multiple of KeyValueHeadCount ({KeyValueHeadCount}).");
        }
    }
}
