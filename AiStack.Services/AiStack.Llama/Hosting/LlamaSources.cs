using AiStack.Llama.Embeddings;
using AiStack.Llama.Generation;

namespace AiStack.Llama.Hosting;

/// <summary>Where a chat client gets its generator: a loaded one, or a host that loads it on first use.</summary>
public interface ILlamaGeneratorSource
{
    /// <summary>Model id for metadata (the GGUF file name).</summary>
    string ModelId { get; }

    /// <exception cref="LlamaUnavailableException">The local backend cannot run.</exception>
    ValueTask<LlamaTextGenerator> GetGeneratorAsync(CancellationToken cancellationToken);
}

/// <summary>Where an embedding generator gets its embedder.</summary>
public interface ILlamaEmbedderSource
{
    string ModelId { get; }

    /// <exception cref="LlamaUnavailableException">The local backend cannot run.</exception>
    ValueTask<LlamaEmbedder> GetEmbedderAsync(CancellationToken cancellationToken);
}

/// <summary>Wraps an already loaded generator (tests, benchmarks, tools).</summary>
public sealed class LoadedGenerator(LlamaTextGenerator generator) : ILlamaGeneratorSource
{
    public string ModelId => generator.Model.ModelId;

    public ValueTask<LlamaTextGenerator> GetGeneratorAsync(CancellationToken cancellationToken) => ValueTask.FromResult(generator);
}

/// <summary>Wraps an already loaded embedder.</summary>
public sealed class LoadedEmbedder(LlamaEmbedder embedder) : ILlamaEmbedderSource
{
    public string ModelId => embedder.Model.ModelId;

    public ValueTask<LlamaEmbedder> GetEmbedderAsync(CancellationToken cancellationToken) => ValueTask.FromResult(embedder);
}
