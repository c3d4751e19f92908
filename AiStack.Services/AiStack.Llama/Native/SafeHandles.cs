using System.Runtime.InteropServices;

namespace AiStack.Llama.Native;

/// <summary>Owns a llama_model*; freed exactly once with llama_model_free.</summary>
internal sealed class SafeLlamaModelHandle : SafeHandle
{
    public SafeLlamaModelHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        LlamaNative.ModelFree(handle);
        return true;
    }
}

/// <summary>Owns a llama_context*. Keeps its model alive (AddRef) until the context is freed.</summary>
internal sealed class SafeLlamaContextHandle : SafeHandle
{
    private SafeLlamaModelHandle? _model;

    private SafeLlamaContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public static SafeLlamaContextHandle Create(SafeLlamaModelHandle model, LlamaContextParams parameters)
    {
        var context = new SafeLlamaContextHandle();
        var added = false;
        model.DangerousAddRef(ref added);
        var pointer = LlamaNative.InitFromModel(model, parameters);
        if (pointer == IntPtr.Zero)
        {
            model.DangerousRelease();
            throw new LlamaException(
                $"llama_init_from_model failed (n_ctx {parameters.NCtx}, n_batch {parameters.NBatch}); see the llama.cpp log for the cause.");
        }

        context._model = model;
        context.SetHandle(pointer);
        return context;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.Free(handle);
        _model?.DangerousRelease();
        _model = null;
        return true;
    }
}

/// <summary>Owns a llama_sampler* (a chain frees the samplers added to it).</summary>
internal sealed class SafeLlamaSamplerHandle : SafeHandle
{
    public SafeLlamaSamplerHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        LlamaNative.SamplerFree(handle);
        return true;
    }
}
