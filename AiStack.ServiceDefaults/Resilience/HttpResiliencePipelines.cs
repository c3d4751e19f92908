using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>
/// One Polly pipeline per destination (<c>host:port</c>), built on first use and kept for the life of the process, so each
/// destination has its own circuit breaker: a dead Coordinator does not stop calls to the KnowledgeBase.
/// Order, outermost first: total timeout, retry (idempotent requests, transient failures), circuit breaker, attempt timeout.
/// </summary>
public sealed class HttpResiliencePipelines
{
    /// <summary>The request being sent, so the retry strategy can tell idempotent methods from the rest.</summary>
    internal static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("AiStack.HttpRequest");

    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.Ordinal);
    private readonly ResilienceOptions _settings;
    private readonly string? _clientName;
    private readonly CircuitBreakerRegistry _registry;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>The pipelines every HttpClient uses unless it was given its own settings.</summary>
    public HttpResiliencePipelines(
        IOptions<ResilienceOptions> options,
        CircuitBreakerRegistry registry,
        TimeProvider timeProvider,
        ILogger<HttpResiliencePipelines> logger)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)), null, registry, timeProvider, logger)
    {
    }

    /// <summary>The pipelines of one named client with its own settings; its breakers are named "client -> host:port".</summary>
    internal HttpResiliencePipelines(
        ResilienceOptions settings,
        string? clientName,
        CircuitBreakerRegistry registry,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _settings = settings;
        _clientName = clientName;
        _registry = registry;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public static string DestinationOf(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return $"{uri.IdnHost}:{uri.Port}";
    }

    public ResiliencePipeline<HttpResponseMessage> For(string destination) =>
        _pipelines.GetOrAdd(destination, Build);

    private ResiliencePipeline<HttpResponseMessage> Build(string destination)
    {
        var settings = _settings;
        var timeProvider = _timeProvider;
        var logger = _logger;
        var breakerName = _clientName is null ? destination : _clientName + " -> " + destination;
        var breakerState = new CircuitBreakerStateProvider();
        var probeAllowedAt = new StrongBox<DateTimeOffset>(DateTimeOffset.MaxValue);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = destination, TimeProvider = timeProvider }
            .AddTimeout(TimeSpan.FromSeconds(settings.TotalTimeoutSeconds));

        if (settings.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(settings.RetryBaseDelayMilliseconds),
                MaxDelay = TimeSpan.FromSeconds(settings.TotalTimeoutSeconds),
                ShouldHandle = arguments => ValueTask.FromResult(
                    arguments.Context.Properties.TryGetValue(RequestKey, out var request) &&
                    HttpTransience.IsIdempotent(request.Method) &&
                    HttpTransience.IsTransient(arguments.Outcome)),
                DelayGenerator = arguments => ValueTask.FromResult(RetryAfter(arguments.Outcome.Result, settings, timeProvider.GetUtcNow())),
                OnRetry = arguments =>
                {
                    logger.LogWarning(
                        "Retrying the call to {Destination} (attempt {Attempt}) in {DelayMs} ms after {Failure}",
                        breakerName, arguments.AttemptNumber + 1, (long)arguments.RetryDelay.TotalMilliseconds,
                        arguments.Outcome.Exception?.GetType().Name ?? ((int?)arguments.Outcome.Result?.StatusCode)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = settings.BreakerFailureRatio,
            MinimumThroughput = settings.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(settings.BreakerSamplingSeconds),
            BreakDuration = TimeSpan.FromSeconds(settings.BreakerBreakSeconds),
            StateProvider = breakerState,
            ShouldHandle = arguments => ValueTask.FromResult(HttpTransience.IsTransient(arguments.Outcome)),
            OnOpened = arguments =>
            {
                probeAllowedAt.Value = timeProvider.GetUtcNow() + arguments.BreakDuration;
                logger.LogError("Circuit breaker for {Destination} opened for {BreakSeconds} s", breakerName, arguments.BreakDuration.TotalSeconds);
                return default;
            },
            OnClosed = _ =>
            {
                logger.LogInformation("Circuit breaker for {Destination} closed", breakerName);
                return default;
            },
        });

        builder.AddTimeout(TimeSpan.FromSeconds(settings.AttemptTimeoutSeconds));
        // Polly moves to half-open only when the next call arrives; once the break is over, a probe is allowed, so say so.
        _registry.Register(breakerName, () => breakerState.CircuitState == CircuitState.Open && timeProvider.GetUtcNow() >= probeAllowedAt.Value
            ? BreakerState.HalfOpen
            : CircuitBreakerRegistry.FromPolly(breakerState.CircuitState));
        return builder.Build();
    }

    /// <summary>A server that says when to come back (429/503 with Retry-After) is believed, within the call's time budget.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, ResilienceOptions settings, DateTimeOffset now)
    {
        var delay = response?.Headers.RetryAfter?.Delta
                    ?? (response?.Headers.RetryAfter?.Date is { } date ? date - now : null);
        return delay is { } wait && wait > TimeSpan.Zero && wait < TimeSpan.FromSeconds(settings.TotalTimeoutSeconds) ? wait : null;
    }
}
