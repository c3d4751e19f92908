using System.Numerics.Tensors;
using AiStack.Llama.Models;

namespace AiStack.Llama.Embeddings;

/// <summary>Mean-pooled, L2-normalized sentence embeddings from a pool of embedding contexts.</summary>
public sealed class LlamaEmbedder : IDisposable
{
    private readonly LlamaContextPool _pool;

    public LlamaEmbedder(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _pool = new LlamaContextPool(model, LlamaContextKind.Embedding, model.Options.ContextPoolSize);
        if (model.Options.WarmUp)
        {
            EmbedAsync("warm up").AsTask().GetAwaiter().GetResult();
        }
    }

    public LlamaModel Model { get; }

    /// <summary>Length of every vector (llama_model_n_embd_out).</summary>
    public int Dimensions => Model.EmbeddingSize;

    /// <summary>The embedding of <paramref name="text"/>; input longer than the context is truncated.</summary>
    public async ValueTask<LlamaEmbedding> EmbedAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = Model.Tokenize(text, addSpecial: true, parseSpecial: false);
        using var lease = await _pool.RentAsync(cancellationToken);
        var context = lease.Context;
        if (tokens.Length > context.Size)
        {
            tokens = tokens[..context.Size];
        }

        if (tokens.Length == 0)
        {
            tokens = [Model.BeginningOfSequence >= 0 ? Model.BeginningOfSequence : Model.EndOfSequence];
        }

        // On a dedicated thread: a long input can keep llama_decode busy for a while.
        var vector = await Task.Factory.StartNew(
            () =>
            {
                context.Decode(tokens, cancellationToken);
                return context.ReadPooledEmbedding();
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return new LlamaEmbedding(vector, tokens.Length);
    }

    public void Dispose() => _pool.Dispose();
}

/// <summary>A normalized vector and the number of tokens it was computed from.</summary>
public sealed record LlamaEmbedding(float[] Vector, int TokenCount);
