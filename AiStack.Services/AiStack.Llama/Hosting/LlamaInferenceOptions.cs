using System.ComponentModel.DataAnnotations;
using AiStack.Llama.Models;

namespace AiStack.Llama.Hosting;

/// <summary>The "Inference" configuration section (env Inference__ModelPath, ...).</summary>
public sealed class LlamaInferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>GGUF chat model; unset means no local chat backend (reported unavailable, not an error).</summary>
    public string? ModelPath { get; set; }

    /// <summary>GGUF model for embeddings; unset uses <see cref="ModelPath"/>.</summary>
    public string? EmbeddingModelPath { get; set; }

    /// <summary>A llama.cpp build to load instead of LLamaSharp.Backend.Cpu's: its libllama.so, or the folder holding it (e.g. a CUDA or Vulkan build).</summary>
    public string? NativeLibraryPath { get; set; }

    /// <summary>Tokens per context (prompt + answer); 0 uses the model's training context, which also caps larger values.</summary>
    [Range(0, 1_048_576)]
    public int ContextSize { get; set; } = 4096;

    /// <summary>Tokens per embedding context: longer input is truncated. Capped by the embedding model's training context.</summary>
    [Range(0, 1_048_576)]
    public int EmbeddingContextSize { get; set; } = 2048;

    /// <summary>CPU threads per context; unset: 1 on 2 cores, cores-1 up to 4 cores, half the cores above (max 16).</summary>
    [Range(1, 512)]
    public int? Threads { get; set; }

    [Range(1, 65536)]
    public int BatchSize { get; set; } = 512;

    [Range(0, 1000)]
    public int GpuLayers { get; set; }

    /// <summary>Flash attention: unset lets llama.cpp decide (auto); true forces it on, false off.</summary>
    public bool? FlashAttention { get; set; }

    /// <summary>Contexts for concurrent requests (each holds a KV cache of ContextSize tokens).</summary>
    [Range(1, 64)]
    public int ContextPoolSize { get; set; } = 2;

    /// <summary>Answer length when a request sets none.</summary>
    [Range(1, 1_048_576)]
    public int MaxOutputTokens { get; set; } = 512;

    /// <summary>Sampling seed when a request sets none; unset draws one per request.</summary>
    public uint? Seed { get; set; }

    /// <summary>Load the models when the service starts (failures are logged and reported by the health check).</summary>
    public bool LoadOnStartup { get; set; } = true;

    internal LlamaModelOptions ToModelOptions(string path) => new()
    {
        Path = path,
        NativeLibraryPath = string.IsNullOrWhiteSpace(NativeLibraryPath) ? null : NativeLibraryPath,
        ContextSize = ContextSize,
        EmbeddingContextSize = EmbeddingContextSize,
        Threads = Threads,
        BatchSize = BatchSize,
        GpuLayers = GpuLayers,
        FlashAttention = FlashAttention,
        ContextPoolSize = ContextPoolSize,
        Seed = Seed,
    };
}
