namespace AiStack.Llama.Models;

/// <summary>How to load a GGUF model and size the contexts that run it.</summary>
public sealed record LlamaModelOptions
{
    /// <summary>Path of the .gguf file.</summary>
    public required string Path { get; init; }

    /// <summary>A llama.cpp build to load instead of LLamaSharp.Backend.Cpu's (its libllama.so or the folder holding it), e.g. CUDA or Vulkan.</summary>
    public string? NativeLibraryPath { get; init; }

    /// <summary>Tokens per context (prompt + completion); 0 uses the model's training context, which also caps larger values.</summary>
    public int ContextSize { get; init; } = 4096;

    /// <summary>Tokens per embedding context (the longest text embedded whole; longer input is truncated); capped by the training context.</summary>
    public int EmbeddingContextSize { get; init; } = 2048;

    /// <summary>CPU threads per context; null picks <see cref="LlamaThreading.DefaultThreads"/>.</summary>
    public int? Threads { get; init; }

    /// <summary>Tokens per llama_decode call while reading the prompt.</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Flash attention: null lets llama.cpp decide (auto), true forces it on, false off.</summary>
    public bool? FlashAttention { get; init; }

    /// <summary>Layers offloaded to the GPU (needs a GPU build of the libraries); 0 runs on the CPU.</summary>
    public int GpuLayers { get; init; }

    /// <summary>Contexts kept for concurrent requests; further requests wait for a free one.</summary>
    public int ContextPoolSize { get; init; } = 2;

    /// <summary>Sampling seed used when a request names none; null draws a random seed per request.</summary>
    public uint? Seed { get; init; }

    /// <summary>Run one decode at load so the first request does not pay for thread start-up and first-touch costs.</summary>
    public bool WarmUp { get; init; } = true;

    /// <summary>Threads to use, after applying the default.</summary>
    public int EffectiveThreads => Threads is > 0 ? Threads.Value : LlamaThreading.DefaultThreads(Environment.ProcessorCount);
}

/// <summary>Thread-count defaults.</summary>
public static class LlamaThreading
{
    /// <summary>
    /// Fewer threads than cores on small machines: ggml's worker threads spin, and using every core starves the runtime
    /// (a first decode took 900 ms instead of 20 ms with 2 threads on 2 cores). Half the cores on bigger machines (about the
    /// physical cores), at most 16.
    /// </summary>
    public static int DefaultThreads(int processorCount) => processorCount switch
    {
        <= 2 => 1,
        <= 4 => processorCount - 1,
        _ => Math.Min(16, processorCount / 2),
    };
}
