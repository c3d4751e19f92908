using System.Runtime.InteropServices;
using LLama.Native;

namespace AiStack.Llama.Models;

/// <summary>
/// One llama_context (a KV cache plus compute buffers) created through LLamaSharp, with the position of the next token.
/// Not thread-safe; <see cref="LlamaContextPool"/> hands each one to a single request at a time.
/// </summary>
internal sealed unsafe class LlamaContext : IDisposable
{
    // Native memory the abort callback reads: set to 1 when the running decode's cancellation token fires, so a long
    // llama_decode (a big prompt batch on a CPU can take many seconds) stops between graph nodes. LLamaSharp leaves
    // llama_context_params.abort_callback to the caller.
    private readonly int* _abortFlag;
    private readonly LLamaBatch _batch = new();
    private int _position;

    private LlamaContext(LlamaModel model, SafeLLamaContextHandle handle, LlamaContextKind kind, int* abortFlag)
    {
        Model = model;
        Handle = handle;
        Kind = kind;
        _abortFlag = abortFlag;
        Size = (int)handle.ContextSize;
        BatchSize = (int)handle.BatchSize;
    }

    public static LlamaContext Create(LlamaModel model, LLamaContextParams parameters, LlamaContextKind kind)
    {
        var flag = (int*)NativeMemory.AllocZeroed(sizeof(int));
        try
        {
            parameters.abort_callback = (IntPtr)(delegate* unmanaged<IntPtr, byte>)&ShouldAbort;
            parameters.abort_callback_user_data = (IntPtr)flag;
            return new LlamaContext(model, SafeLLamaContextHandle.Create(model.Handle, parameters), kind, flag);
        }
        catch (LLama.Exceptions.RuntimeError exception)
        {
            NativeMemory.Free(flag);
            throw new LlamaException(
                $"llama.cpp could not create a context of {parameters.n_ctx} tokens for {model.ModelId} (out of memory? lower Inference:ContextSize or Inference:ContextPoolSize).",
                exception);
        }
        catch
        {
            NativeMemory.Free(flag);
            throw;
        }
    }

    public LlamaModel Model { get; }

    public SafeLLamaContextHandle Handle { get; }

    public LlamaContextKind Kind { get; }

    /// <summary>Tokens the context holds.</summary>
    public int Size { get; }

    public int BatchSize { get; }

    /// <summary>Forgets every token (the KV cache is cleared).</summary>
    public void Clear()
    {
        Handle.MemoryClear(data: true);
        _position = 0;
    }

    /// <summary>
    /// Appends tokens to the sequence, in chunks of <see cref="BatchSize"/> (cancellation is checked between chunks and
    /// aborts a running decode); logits are kept for the last token (for every token in an embedding context).
    /// </summary>
    public void Decode(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref *_abortFlag, 0);
        using var abort = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => Volatile.Write(ref *(int*)(IntPtr)state!, 1), (IntPtr)_abortFlag)
            : default;
        var all = Kind == LlamaContextKind.Embedding;
        for (var start = 0; start < tokens.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = MemoryMarshal.Cast<int, LLamaToken>(tokens.Slice(start, Math.Min(BatchSize, tokens.Length - start)));
            _batch.Clear();
            for (var i = 0; i < chunk.Length; i++)
            {
                _batch.Add(chunk[i], _position + i, LLamaSeqId.Zero, all || (start + i == tokens.Length - 1));
            }

            var result = Handle.Decode(_batch);
            if (result == DecodeResult.ComputeAborted && cancellationToken.IsCancellationRequested)
            {
                // Part of the chunk may be in the cache; the pool clears the context before its next use.
                throw new OperationCanceledException(cancellationToken);
            }

            if (result != DecodeResult.Ok)
            {
                throw new LlamaException(result == DecodeResult.NoKvSlot
                    ? $"llama_decode found no room in the KV cache ({Size} tokens): raise Inference:ContextSize."
                    : $"llama_decode failed: {result}.");
            }

            _position += chunk.Length;
        }
    }

    /// <summary>The mean-pooled embedding of the sequence just decoded (embedding contexts only).</summary>
    public float[] ReadPooledEmbedding() => Handle.GetEmbeddingsSeq(LLamaSeqId.Zero).ToArray();

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
