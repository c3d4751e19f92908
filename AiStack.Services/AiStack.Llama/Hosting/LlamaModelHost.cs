using AiStack.Llama.Embeddings;
using AiStack.Llama.Generation;
using AiStack.Llama.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.Llama.Hosting;

/// <summary>
/// Owns the configured local models and loads each once, in the background, at start-up or on first use. A failure
/// (libraries missing, no model configured, bad file) is kept and reported as <see cref="LlamaUnavailableException"/> to
/// every caller and by <see cref="GetStatus"/>, so the service keeps running without its local backend. Status queries
/// never wait for a load, so health checks stay fast while a big model is loading.
/// </summary>
public sealed class LlamaModelHost : ILlamaGeneratorSource, ILlamaEmbedderSource, IDisposable
{
    private readonly LlamaInferenceOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _modelGate = new();
    private readonly Dictionary<string, LlamaModel> _models = new(StringComparer.Ordinal);
    private Task<LlamaTextGenerator>? _generator;
    private Task<LlamaEmbedder>? _embedder;
    private bool _disposed;

    public LlamaModelHost(IOptions<LlamaInferenceOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LlamaModelHost>();
    }

    public string ModelId => Path.GetFileName(_options.ModelPath ?? "none");

    string ILlamaEmbedderSource.ModelId => Path.GetFileName(EmbeddingModelPath ?? "none");

    public bool ChatConfigured => !string.IsNullOrWhiteSpace(_options.ModelPath);

    public bool EmbeddingsConfigured => EmbeddingModelPath is not null;

    private string? EmbeddingModelPath =>
        !string.IsNullOrWhiteSpace(_options.EmbeddingModelPath) ? _options.EmbeddingModelPath
        : !string.IsNullOrWhiteSpace(_options.ModelPath) ? _options.ModelPath : null;

    public async ValueTask<LlamaTextGenerator> GetGeneratorAsync(CancellationToken cancellationToken) =>
        await GeneratorTask().WaitAsync(cancellationToken);

    public async ValueTask<LlamaEmbedder> GetEmbedderAsync(CancellationToken cancellationToken) =>
        await EmbedderTask().WaitAsync(cancellationToken);

    /// <summary>Starts loading the given kinds in the background (start-up); failures are logged, never thrown.</summary>
    public void Preload(IReadOnlyCollection<LlamaModelKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        foreach (var kind in kinds)
        {
            if (!IsConfigured(kind))
            {
                _logger.LogInformation("No local {Kind} model configured (Inference:ModelPath); the local backend is unavailable", Describe(kind));
                continue;
            }

            var loading = kind == LlamaModelKind.Chat ? (Task)GeneratorTask() : EmbedderTask();
            loading.ContinueWith(
                t => _logger.LogWarning("Local {Kind} model unavailable: {Reason}", Describe(kind), t.Exception!.InnerException!.Message),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted,
                TaskScheduler.Default);
        }
    }

    /// <summary>Whether the local backend can serve <paramref name="kind"/> requests, and why not. Never waits for a load.</summary>
    public LlamaBackendStatus GetStatus(LlamaModelKind kind = LlamaModelKind.Chat)
    {
        if (!IsConfigured(kind))
        {
            return new LlamaBackendStatus(LlamaBackendState.NotConfigured,
                $"No local {Describe(kind)} model configured: set Inference:ModelPath (env Inference__ModelPath) to a GGUF file.");
        }

        Task? task;
        lock (_gate)
        {
            task = kind == LlamaModelKind.Chat ? _generator : _embedder;
        }

        var path = kind == LlamaModelKind.Chat ? _options.ModelPath! : EmbeddingModelPath!;
        return task switch
        {
            null => new LlamaBackendStatus(LlamaBackendState.NotLoaded, $"{Describe(kind)} model {Path.GetFileName(path)} loads on first use"),
            { IsCompletedSuccessfully: true } => new LlamaBackendStatus(LlamaBackendState.Ready, $"{Describe(kind)} model {Path.GetFileName(path)} loaded"),
            { IsFaulted: true } => new LlamaBackendStatus(LlamaBackendState.Failed, task.Exception!.InnerException!.Message),
            _ => new LlamaBackendStatus(LlamaBackendState.Loading, $"{Describe(kind)} model {Path.GetFileName(path)} is loading"),
        };
    }

    public void Dispose()
    {
        Task?[] tasks;
        lock (_gate)
        {
            _disposed = true;
            tasks = [_generator, _embedder];
        }

        // Loads still running finish first, so nothing they create outlives the host.
        foreach (var task in tasks.OfType<Task>())
        {
            try
            {
                task.Wait();
            }
            catch (AggregateException)
            {
                // Already reported; nothing to free.
            }
        }

        (_generator is { IsCompletedSuccessfully: true } ? _generator.Result : null)?.Dispose();
        (_embedder is { IsCompletedSuccessfully: true } ? _embedder.Result : null)?.Dispose();
        lock (_modelGate)
        {
            foreach (var model in _models.Values)
            {
                model.Dispose();
            }

            _models.Clear();
        }
    }

    private static string Describe(LlamaModelKind kind) => kind == LlamaModelKind.Chat ? "chat" : "embedding";

    private bool IsConfigured(LlamaModelKind kind) => kind == LlamaModelKind.Chat ? ChatConfigured : EmbeddingsConfigured;

    private Task<LlamaTextGenerator> GeneratorTask()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _generator ??= Task.Run(() => Load(() => new LlamaTextGenerator(LoadModel(RequirePath(_options.ModelPath, LlamaModelKind.Chat)))));
        }
    }

    private Task<LlamaEmbedder> EmbedderTask()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _embedder ??= Task.Run(() => Load(() => new LlamaEmbedder(LoadModel(RequirePath(EmbeddingModelPath, LlamaModelKind.Embedding)))));
        }
    }

    private static T Load<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (LlamaUnavailableException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // A bad file is as much "local backend unavailable" as missing libraries: callers handle one exception type.
            throw new LlamaUnavailableException(exception.Message, exception);
        }
    }

    private static string RequirePath(string? path, LlamaModelKind kind) =>
        !string.IsNullOrWhiteSpace(path)
            ? path
            : throw new LlamaUnavailableException($"No local {Describe(kind)} model configured: set Inference:ModelPath (env Inference__ModelPath) to a GGUF file.");

    private LlamaModel LoadModel(string path)
    {
        var fullPath = Path.GetFullPath(path);
        lock (_modelGate)
        {
            if (!_models.TryGetValue(fullPath, out var model))
            {
                model = LlamaModel.Load(_options.ToModelOptions(fullPath), _loggerFactory);
                _models[fullPath] = model;
            }

            return model;
        }
    }
}

/// <summary>What a local model is used for.</summary>
public enum LlamaModelKind
{
    Chat,
    Embedding,
}

/// <summary>Where a local model stands.</summary>
public enum LlamaBackendState
{
    NotConfigured,
    NotLoaded,
    Loading,
    Ready,
    Failed,
}

/// <summary>Availability of the local backend, with the reason when it is unavailable.</summary>
public sealed record LlamaBackendStatus(LlamaBackendState State, string Detail)
{
    /// <summary>Can serve requests now, or will load on first use.</summary>
    public bool Available => State is LlamaBackendState.Ready or LlamaBackendState.NotLoaded;
}
