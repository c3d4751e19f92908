using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using AiStack.Llama.Models;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace AiStack.Llama.Generation;

/// <summary>
/// Generates text from a prompt with a pool of contexts over one model: tokenize, read the prompt, then sample token by
/// token with UTF-8-safe detokenizing, stop sequences, a token limit and cancellation checked between tokens.
/// </summary>
public sealed class LlamaTextGenerator : IDisposable
{
    private readonly LlamaContextPool _pool;
    private readonly ILogger _logger;

    public LlamaTextGenerator(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _pool = new LlamaContextPool(model, LlamaContextKind.Generation, model.Options.ContextPoolSize);
        _logger = model.LoggerFactory.CreateLogger<LlamaTextGenerator>();
        if (model.Options.WarmUp)
        {
            WarmUp();
        }
    }

    public LlamaModel Model { get; }

    public LlamaContextPool Pool => _pool;

    /// <summary>Formats a conversation with the model's chat template and generates the assistant's reply.</summary>
    public IAsyncEnumerable<LlamaGenerationUpdate> GenerateChatAsync(
        IReadOnlyList<LlamaChatTurn> turns, LlamaSamplingOptions sampling, CancellationToken cancellationToken = default) =>
        GenerateAsync(Model.ApplyChatTemplate(turns), sampling, cancellationToken);

    public async Task<LlamaCompletion> CompleteAsync(string prompt, LlamaSamplingOptions sampling, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        await foreach (var update in GenerateAsync(prompt, sampling, cancellationToken))
        {
            text.Append(update.Text);
            if (update.FinishReason is { } reason)
            {
                return new LlamaCompletion(text.ToString(), reason, update.PromptTokens, update.CompletionTokens);
            }
        }

        throw new UnreachableException("Generation ended without a finish reason.");
    }

    /// <summary>
    /// Streams the completion of <paramref name="prompt"/> (special tokens in it, such as &lt;|im_start|&gt;, are parsed).
    /// The last update carries the finish reason and token counts. The native work runs on a dedicated thread (a prompt can
    /// take seconds on a CPU), never on the caller's thread-pool thread; cancellation is checked between tokens and aborts a
    /// running llama_decode.
    /// </summary>
    public async IAsyncEnumerable<LlamaGenerationUpdate> GenerateAsync(
        string prompt, LlamaSamplingOptions sampling, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(sampling);
        // A chat template that writes the BOS text itself (Llama 3: <|begin_of_text|>) must not get a second BOS.
        var addSpecial = Model.BeginningOfSequenceText is not { Length: > 0 } bos || !prompt.StartsWith(bos, StringComparison.Ordinal);
        var promptTokens = Model.Tokenize(prompt, addSpecial, parseSpecial: true);
        if (promptTokens.Length == 0)
        {
            // Sampling without any decoded token would abort inside llama.cpp.
            throw new ArgumentException("The prompt is empty.", nameof(prompt));
        }

        using var lease = await _pool.RentAsync(cancellationToken);
        if (promptTokens.Length >= lease.Context.Size)
        {
            throw new LlamaException(
                $"The prompt has {promptTokens.Length} tokens but the context holds {lease.Context.Size}: shorten it or raise Inference:ContextSize.");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<LlamaGenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var producer = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    Generate(lease.Context, promptTokens, sampling, update => channel.Writer.TryWrite(update), stop.Token);
                    channel.Writer.TryComplete();
                }
#pragma warning disable CA1031 // Handed to the reader, which rethrows it.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    channel.Writer.TryComplete(exception);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                while (channel.Reader.TryRead(out var update))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return update;
                }
            }
        }
        finally
        {
            // Stop the producer and wait for it, so the context is idle before it goes back to the pool.
            await stop.CancelAsync();
            await producer;
        }
    }

    private void Generate(
        LlamaContext context, int[] promptTokens, LlamaSamplingOptions sampling, Action<LlamaGenerationUpdate> emit, CancellationToken cancellationToken)
    {
        var room = context.Size - promptTokens.Length;
        var limit = sampling.MaxTokens is { } max ? Math.Min(Math.Max(max, 0), room) : room;
        var stopwatch = Stopwatch.StartNew();
        context.Decode(promptTokens, cancellationToken);
        var promptElapsed = stopwatch.Elapsed;

        using var sampler = CreateSampler(sampling);
        var decoder = new TokenTextDecoder(Model);
        var stops = new StopSequenceFilter(sampling.StopSequences);
        var generated = 0;
        LlamaFinishReason? finish = null;
        var stoppedBySequence = false;
        while (finish is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (generated >= limit)
            {
                finish = LlamaFinishReason.Length;
                break;
            }

            var token = (int)sampler.Sample(context.Handle, -1);
            if (Model.IsEndOfGeneration(token))
            {
                finish = LlamaFinishReason.Stop;
                break;
            }

            generated++;
            var (text, stopped) = stops.Push(decoder.Append(token));
            if (text.Length > 0)
            {
                emit(new LlamaGenerationUpdate(text, null, promptTokens.Length, generated));
            }

            if (stopped)
            {
                finish = LlamaFinishReason.Stop;
                stoppedBySequence = true;
                break;
            }

            if (generated < limit)
            {
                context.Decode([token], cancellationToken);
            }
        }

        var tail = stops.Flush();
        if (!stoppedBySequence)
        {
            tail += decoder.Flush();
        }

        LogCompletion(promptTokens.Length, generated, promptElapsed, stopwatch.Elapsed - promptElapsed, finish.Value);
        emit(new LlamaGenerationUpdate(tail, finish, promptTokens.Length, generated));
    }

    private void LogCompletion(int promptTokens, int completionTokens, TimeSpan promptTime, TimeSpan generationTime, LlamaFinishReason finish)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug(
                "Generated {CompletionTokens} tokens ({GenerationRate:F1}/s) after a {PromptTokens}-token prompt ({PromptRate:F1}/s); finish {FinishReason}",
                completionTokens, completionTokens / Math.Max(generationTime.TotalSeconds, 1e-9), promptTokens,
                promptTokens / Math.Max(promptTime.TotalSeconds, 1e-9), finish);
        }
    }

    private SafeLLamaSamplerChainHandle CreateSampler(LlamaSamplingOptions sampling)
    {
        var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        if (sampling.Grammar is { } grammar)
        {
            // First, so that the other samplers only ever see tokens the grammar allows.
            chain.AddGrammar(Model.Handle.Vocab, grammar, "root");
        }

        if (sampling.HasPenalties)
        {
            chain.AddPenalties(sampling.PenaltyLastN, sampling.RepeatPenalty, sampling.FrequencyPenalty, sampling.PresencePenalty);
        }

        if (sampling.IsGreedy)
        {
            chain.AddGreedySampler();
            return chain;
        }

        if (sampling.TopK > 0)
        {
            chain.AddTopK(sampling.TopK);
        }

        if (sampling.TopP is > 0 and < 1)
        {
            chain.AddTopP(sampling.TopP, 1);
        }

        if (sampling.MinP > 0)
        {
            chain.AddMinP(sampling.MinP, 1);
        }

        chain.AddTemperature(sampling.Temperature);
        var seed = sampling.Seed ?? Model.Options.Seed ?? (uint)Random.Shared.NextInt64(0, uint.MaxValue);
        chain.AddDistributionSampler(seed);
        return chain;
    }

    private void WarmUp()
    {
        var stopwatch = Stopwatch.StartNew();
        var lease = _pool.RentAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using (lease)
        {
            lease.Context.Decode([Model.BeginningOfSequence >= 0 ? Model.BeginningOfSequence : 0]);
            lease.Context.Clear();
        }

        _logger.LogDebug("Warmed up {ModelId} in {ElapsedMs} ms", Model.ModelId, stopwatch.ElapsedMilliseconds);
    }

    public void Dispose() => _pool.Dispose();
}
