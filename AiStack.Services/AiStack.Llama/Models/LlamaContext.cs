using System.Runtime.InteropServices;
using AiStack.Llama.Native;

namespace AiStack.Llama.Models;

/// <summary>
/// One llama_context: a KV cache plus compute buffers. Not thread-safe; <see cref="LlamaContextPool"/> hands each one to a
/// single request at a time.
/// </summary>
internal sealed unsafe class LlamaContext : IDisposable
{
    // Native memory the abort callback reads: set to 1 when the running decode's cancellation token fires, so a long
    // llama_decode (a big prompt batch on a CPU can take many seconds) stops between graph nodes.
    private readonly int* _abortFlag;

    private LlamaContext(LlamaModel model, SafeLlamaContextHandle handle, LlamaContextKind kind, int* abortFlag)
    {
        Model = model;
        Handle = handle;
        Kind = kind;
        _abortFlag = abortFlag;
        Size = (int)LlamaNative.NCtx(handle);
        BatchSize = (int)LlamaNative.NBatch(handle);
    }

    public static LlamaContext Create(LlamaModel model, LlamaContextParams parameters, LlamaContextKind kind)
    {
        var flag = (int*)NativeMemory.AllocZeroed(sizeof(int));
        try
        {
            parameters.AbortCallback = (IntPtr)(delegate* unmanaged<IntPtr, byte>)&ShouldAbort;
            parameters.AbortCallbackData = (IntPtr)flag;
            return new LlamaContext(model, SafeLlamaContextHandle.Create(model.Handle, parameters), kind, flag);
        }
        catch
        {
            NativeMemory.Free(flag);
            throw;
        }
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
    public void Decode(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref *_abortFlag, 0);
        using var abort = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => Volatile.Write(ref *(int*)(IntPtr)state!, 1), (IntPtr)_abortFlag)
            : default;
        for (var start = 0; start < tokens.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = tokens.Slice(start, Math.Min(BatchSize, tokens.Length - start));
            fixed (int* pointer = chunk)
            {
                var result = LlamaNative.Decode(Handle, LlamaNative.BatchGetOne(pointer, chunk.Length));
                if (result == 2 && cancellationToken.IsCancellationRequested)
                {
                    // Aborted through the callback; the context is cleared before its next use.
                    throw new OperationCanceledException(cancellationToken);
                }

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
    public float[] ReadPooledEmbedding()
    {
        var pointer = LlamaNative.GetEmbeddingsSeq(Handle, 0);
        if (pointer is null)
        {
            throw new LlamaException("llama_get_embeddings_seq returned nothing: the context was not created for embeddings.");
        }

        return new ReadOnlySpan<float>(pointer, Model.EmbeddingSize).ToArray();
    }

    public void Dispose()
    {
        if (!Handle.IsClosed)
        {
            Handle.Dispose();
            NativeMemory.Free(_abortFlag);
        }
    }

    [UnmanagedCallersOnly]
    private static byte ShouldAbort(IntPtr flag) => Volatile.Read(ref *(int*)flag) != 0 ? (byte)1 : (byte)0;
}
