using System.Collections.Concurrent;

namespace AiStack.Llama.Models;

/// <summary>
/// A bounded set of contexts of one kind over one model. Requests rent a context, use it alone, and give it back; when all
/// are busy the next request waits. Contexts are created on first need, up to the pool size.
/// </summary>
public sealed class LlamaContextPool : IDisposable
{
    private readonly LlamaModel _model;
    private readonly LlamaContextKind _kind;
    private readonly SemaphoreSlim _available;
    private readonly ConcurrentBag<LlamaContext> _idle = [];
    private readonly ConcurrentBag<LlamaContext> _all = [];
    private bool _disposed;

    internal LlamaContextPool(LlamaModel model, LlamaContextKind kind, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _model = model;
        _kind = kind;
        Size = size;
        _available = new SemaphoreSlim(size, size);
    }

    public int Size { get; }

    /// <summary>Contexts created so far.</summary>
    public int Created => _all.Count;

    internal async ValueTask<Lease> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _available.WaitAsync(cancellationToken);
        try
        {
            if (!_idle.TryTake(out var context))
            {
                context = _model.CreateContext(_kind);
                _all.Add(context);
            }

            context.Clear();
            return new Lease(this, context);
        }
        catch
        {
            _available.Release();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var context in _all)
        {
            context.Dispose();
        }

        _available.Dispose();
    }

    private void Return(LlamaContext context)
    {
        if (_disposed)
        {
            return;
        }

        _idle.Add(context);
        _available.Release();
    }

    internal readonly struct Lease(LlamaContextPool pool, LlamaContext context) : IDisposable
    {
        public LlamaContext Context => context;

        public void Dispose() => pool.Return(context);
    }
}
