using AiStack.Llama.Embeddings;
using AiStack.Llama.Generation;
using AiStack.Llama.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.Llama.Hosting;

/// <summary>
/// Owns the configured local models and loads them once, on first use or at start-up. A failure (libraries missing, no
/// model configured, bad file) is kept and reported as <see cref="LlamaUnavailableException"/> to every caller and by
/// <see cref="GetStatus"/>, so the service keeps running without its local backend.
/// </summary>
public sealed class LlamaModelHost : ILlamaGeneratorSource, ILlamaEmbedderSource, IDisposable
{
    private readonly LlamaInferenceOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LlamaModel> _models = new(StringComparer.Ordinal);
    private Lazy<LlamaTextGenerator>? _generator;
    private Lazy<LlamaEmbedder>? _embedder;

    public LlamaModelHost(IOptions<LlamaInferenceOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LlamaModelHost>();
        _generator = new Lazy<LlamaTextGenerator>(() => new LlamaTextGenerator(LoadModel(ChatModelPath("chat"))));
        _embedder = new Lazy<LlamaEmbedder>(() => new LlamaEmbedder(LoadModel(EmbeddingModelPath)));
    }

    public string ModelId => Path.GetFileName(_options.ModelPath ?? "none");

    string ILlamaEmbedderSource.ModelId => Path.GetFileName(EmbeddingModelPathOrNull ?? "none");

    public bool ChatConfigured => !string.IsNullOrWhiteSpace(_options.ModelPath);

    public bool EmbeddingsConfigured => EmbeddingModelPathOrNull is not null;

    private string? EmbeddingModelPathOrNull =>
        !string.IsNullOrWhiteSpace(_options.EmbeddingModelPath) ? _options.EmbeddingModelPath
        : !string.IsNullOrWhiteSpace(_options.ModelPath) ? _options.ModelPath : null;

    private string EmbeddingModelPath => EmbeddingModelPathOrNull ?? ChatModelPath("embedding");

    public ValueTask<LlamaTextGenerator> GetGeneratorAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(Get(_generator!));

    public ValueTask<LlamaEmbedder> GetEmbedderAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(Get(_embedder!));

    /// <summary>Loads the given kinds now (used at start-up); failures are logged, not thrown.</summary>
    public void Preload(IReadOnlyCollection<LlamaModelKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        foreach (var (name, configured, load) in new (LlamaModelKind, bool, Action)[]
        {
            (LlamaModelKind.Chat, ChatConfigured, () => Get(_generator!)),
            (LlamaModelKind.Embedding, EmbeddingsConfigured, () => Get(_embedder!)),
        }.Where(k => kinds.Contains(k.Item1)))
        {
            if (!configured)
            {
                _logger.LogInformation("No local {Kind} model configured (Inference:ModelPath); the local backend is unavailable", Describe(name));
                continue;
            }

            try
            {
                load();
            }
            catch (LlamaException exception)
            {
                _logger.LogWarning("Local {Kind} model unavailable: {Reason}", Describe(name), exception.Message);
            }
        }
    }

    /// <summary>Whether the local backend can serve <paramref name="kind"/> requests, and why not (loads the model if needed).</summary>
    public LlamaBackendStatus GetStatus(LlamaModelKind kind = LlamaModelKind.Chat)
    {
        var configured = kind == LlamaModelKind.Chat ? ChatConfigured : EmbeddingsConfigured;
        if (!configured)
        {
            return new LlamaBackendStatus(false, $"No local {Describe(kind)} model configured: set Inference:ModelPath (env Inference__ModelPath) to a GGUF file.");
        }

        try
        {
            var model = kind == LlamaModelKind.Chat ? Get(_generator!).Model : Get(_embedder!).Model;
            return new LlamaBackendStatus(true, $"{Describe(kind)} model {model.ModelId} loaded");
        }
        catch (LlamaException exception)
        {
            return new LlamaBackendStatus(false, exception.Message);
        }
    }

    private static string Describe(LlamaModelKind kind) => kind == LlamaModelKind.Chat ? "chat" : "embedding";

    public void Dispose()
    {
        lock (_gate)
        {
            if (_generator is { IsValueCreated: true })
            {
                _generator.Value.Dispose();
            }

            if (_embedder is { IsValueCreated: true })
            {
                _embedder.Value.Dispose();
            }

            foreach (var model in _models.Values)
            {
                model.Dispose();
            }

            _models.Clear();
            _generator = null;
            _embedder = null;
        }
    }

    private static T Get<T>(Lazy<T> lazy)
    {
        try
        {
            return lazy.Value;
        }
        catch (LlamaException)
        {
            throw;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new LlamaUnavailableException($"The local model could not be loaded: {exception.Message}", exception);
        }
    }

    private string ChatModelPath(string kind) =>
        !string.IsNullOrWhiteSpace(_options.ModelPath)
            ? _options.ModelPath
            : throw new LlamaUnavailableException($"No local {kind} model configured: set Inference:ModelPath (env Inference__ModelPath) to a GGUF file.");

    private LlamaModel LoadModel(string path)
    {
        var fullPath = Path.GetFullPath(path);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_generator is null, this);
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

/// <summary>Availability of the local backend, with the reason when it is unavailable.</summary>
public sealed record LlamaBackendStatus(bool Available, string Detail);
