using AiStack.Llama.Native;

namespace AiStack.Llama.Models;

/// <summary>
/// One llama_context: a KV cache plus compute buffers. Not thread-safe; <see cref="LlamaContextPool"/> hands each one to a
/// single request at a time.
/// </summary>
internal sealed class LlamaContext : IDisposable
{
    public LlamaContext(LlamaModel model, SafeLlamaContextHandle handle, LlamaContextKind kind)
    {
        Model = model;
        Handle = handle;
        Kind = kind;
        Size = (int)LlamaNative.NCtx(handle);
        BatchSize = (int)LlamaNative.NBatch(handle);
    }

    public LlamaModel Model { get; }

    public SafeLlamaContextHandle Handle { get; }

    public LlamaContextKind Kind { get; }

    /// <summary>Tokens the context holds.</summary>
    public int Size { get; }

    public int BatchSize { get; }

    /// <summary>Forgets every token (the KV cache is cleared).</summary>
    public void Clear() => LlamaNative.MemoryClear(LlamaNative.GetMemory(Handle), data: true);

    /// <summary>
    /// Appends tokens to the sequence, in chunks of <see cref="BatchSize"/> (cancellation is checked between chunks);
    /// logits are kept for the last token.
    /// </summary>
    public unsafe void Decode(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        for (var start = 0; start < tokens.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = tokens.Slice(start, Math.Min(BatchSize, tokens.Length - start));
            fixed (int* pointer = chunk)
            {
                var result = LlamaNative.Decode(Handle, LlamaNative.BatchGetOne(pointer, chunk.Length));
                if (result != 0)
                {
                    throw new LlamaException(result == 1
                        ? $"llama_decode found no room in the KV cache ({Size} tokens): raise Inference:ContextSize."
                        : $"llama_decode failed with code {result}.");
                }
            }
        }
    }

    /// <summary>The mean-pooled embedding of the sequence just decoded (embedding contexts only).</summary>
    public unsafe float[] ReadPooledEmbedding()
    {
        var pointer = LlamaNative.GetEmbeddingsSeq(Handle, 0);
        if (pointer is null)
        {
            throw new LlamaException("llama_get_embeddings_seq returned nothing: the context was not created for embeddings.");
        }

        return new ReadOnlySpan<float>(pointer, Model.EmbeddingSize).ToArray();
    }

    public void Dispose() => Handle.Dispose();
}
