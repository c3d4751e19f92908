using AiStack.Llama;
using AiStack.Llama.Embeddings;
using AiStack.Llama.Generation;
using AiStack.Llama.Gguf;
using AiStack.Llama.Models;
using AiStack.Llama.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using AiStack.Tests.Infrastructure;

namespace AiStack.Tests.Llama;

/// <summary>
/// One generated tiny model, loaded once for the collection, with a generator (pool of 4 contexts) and an embedder.
/// Fails (never skips) when llama.cpp cannot be loaded through LLamaSharp, saying why.
/// </summary>
public sealed class LlamaModelFixture : IDisposable
{
    public const int PoolSize = 4;

    public LlamaModelFixture()
    {
        // Throws LlamaUnavailableException with the reason (e.g. libgomp1 missing) instead of skipping.
        LlamaRuntime.EnsureLoaded(Environment.GetEnvironmentVariable("Inference__NativeLibraryPath"), NullLoggerFactory.Instance);

        Directory = TestDirectories.Create("llama");
        ModelPath = Path.Combine(Directory, "tiny.gguf");
        TinyModelWriter.Write(ModelPath, TinyModelSpec.Tiny);
        Options = new LlamaModelOptions
        {
            Path = ModelPath,
            NativeLibraryPath = Environment.GetEnvironmentVariable("Inference__NativeLibraryPath"),
            ContextSize = 512,
            Threads = 1,
            ContextPoolSize = PoolSize,
        };
        Model = LlamaModel.Load(Options);
        Generator = new LlamaTextGenerator(Model);
        Embedder = new LlamaEmbedder(Model);
    }

    public string Directory { get; }

    public string ModelPath { get; }

    public LlamaModelOptions Options { get; }

    public LlamaModel Model { get; }

    public LlamaTextGenerator Generator { get; }

    public LlamaEmbedder Embedder { get; }

    public static LlamaSamplingOptions Greedy(int maxTokens) => LlamaSamplingOptions.Greedy with { MaxTokens = maxTokens };

    public void Dispose()
    {
        Embedder.Dispose();
        Generator.Dispose();
        Model.Dispose();
        TestDirectories.Delete(Directory);
    }
}

[CollectionDefinition(Name)]
public sealed class LlamaCollection : ICollectionFixture<LlamaModelFixture>
{
    public const string Name = "Llama";
}
