using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Telemetry;
using Polly.Timeout;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>
/// Listens to the resilience events of every HttpClient pipeline (Microsoft.Extensions.Http.Resilience, one pipeline instance
/// per destination authority): keeps each destination's breaker state in <see cref="CircuitBreakerRegistry"/> for
/// <c>/health</c> and <c>/metrics</c>, and writes one log line per retry and per breaker change (Polly's own log lines, which
/// carry the whole exception, are filtered out in AddServiceDefaults).
/// </summary>
internal sealed partial class HttpResilienceEvents(CircuitBreakerRegistry registry, TimeProvider time, ILogger<HttpResilienceEvents> logger)
    : TelemetryListener
{
    private const string StandardPipelineSuffix = "-standard";
    private readonly ConcurrentDictionary<string, BreakerTracker> _breakers = new(StringComparer.Ordinal);

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        var source = args.Source;
        if (source.PipelineName is not { } pipeline || !pipeline.EndsWith(StandardPipelineSuffix, StringComparison.Ordinal) ||
            string.IsNullOrEmpty(source.PipelineInstanceName))
        {
            return;
        }

        var destination = DestinationName(pipeline, source.PipelineInstanceName);
        var breaker = _breakers.GetOrAdd(destination, name =>
        {
            var tracker = new BreakerTracker(time);
            registry.Register(name, tracker.State);
            return tracker;
        });

        switch (args.Arguments)
        {
            case OnRetryArguments<TResult> retry:
                LogRetry(logger, destination, Describe(retry.Outcome.Exception, retry.Outcome.Result), (long)retry.RetryDelay.TotalMilliseconds, retry.AttemptNumber + 1);
                break;
            case OnCircuitOpenedArguments<TResult> opened:
                breaker.Opened(opened.BreakDuration);
                LogOpened(logger, destination, opened.BreakDuration.TotalSeconds, Describe(opened.Outcome.Exception, opened.Outcome.Result));
                break;
            case OnCircuitHalfOpenedArguments:
                breaker.HalfOpened();
                break;
            case OnCircuitClosedArguments<TResult>:
                breaker.Closed();
                LogClosed(logger, destination);
                break;
        }
    }

    /// <summary>"127.0.0.1:8091" for the shared pipeline, "CoordinatorClient -> 127.0.0.1:8092" for a client with its own settings.</summary>
    internal static string DestinationName(string pipelineName, string instance)
    {
        var authority = Uri.TryCreate(instance, UriKind.Absolute, out var uri) ? uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}" : instance;
        var client = pipelineName[..^StandardPipelineSuffix.Length];
        return client.Length == 0 ? authority : client + " -> " + authority;
    }

    /// <summary>What went wrong, in a few words: an operator needs the cause, not the stack.</summary>
    internal static string Describe(Exception? exception, object? result) => exception switch
    {
        HttpRequestException { InnerException: SocketException socket } => socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.TimedOut => "connect timed out",
            _ => socket.SocketErrorCode.ToString(),
        },
        HttpRequestException http => http.Message,
        TimeoutRejectedException timeout => string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.Timeout.TotalSeconds:0.###} s"),
        BrokenCircuitException => "circuit open",
        { } other => other.GetType().Name + ": " + other.Message,
        null => result is HttpResponseMessage response ? "status " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) : "failure",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call to {Destination} failed ({Reason}); retrying in {DelayMs} ms (retry {Retry})")]
    private static partial void LogRetry(ILogger logger, string destination, string reason, long delayMs, int retry);

    [LoggerMessage(Level = LogLevel.Error, Message = "Circuit breaker for {Destination} opened for {BreakSeconds} s after repeated failures (last: {Reason})")]
    private static partial void LogOpened(ILogger logger, string destination, double breakSeconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit breaker for {Destination} closed")]
    private static partial void LogClosed(ILogger logger, string destination);

    /// <summary>
    /// One destination's breaker as the events tell it. Polly moves to half-open only when the next call arrives; once the break
    /// is over a probe is allowed, so the state reads half-open from then on.
    /// </summary>
    private sealed class BreakerTracker(TimeProvider time)
    {
        private readonly Lock _lock = new();
        private BreakerState _state = BreakerState.Closed;
        private DateTimeOffset _probeAllowedAt = DateTimeOffset.MaxValue;

        public BreakerState State()
        {
            lock (_lock)
            {
                return _state == BreakerState.Open && time.GetUtcNow() >= _probeAllowedAt ? BreakerState.HalfOpen : _state;
            }
        }

        public void Opened(TimeSpan breakDuration)
        {
            lock (_lock)
            {
                _state = BreakerState.Open;
                _probeAllowedAt = time.GetUtcNow() + breakDuration;
            }
        }

        public void HalfOpened()
        {
            lock (_lock)
            {
                _state = BreakerState.HalfOpen;
            }
        }

        public void Closed()
        {
            lock (_lock)
            {
                _state = BreakerState.Closed;
                _probeAllowedAt = DateTimeOffset.MaxValue;
            }
        }
    }
}
