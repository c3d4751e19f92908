using AiStack.Learning.Diagnostics;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Ingest;

/// <summary>
/// Polls every configured JSONL source (<c>Learning:Sources</c>) each <c>Learning:TailInterval</c>. A source whose poll fails (the
/// database locked, the file unreadable) is logged and polled again after a pause that doubles with each failure in a row, up to
/// <c>Learning:MaxRetryDelay</c>; the other sources go on at their interval, and no failure stops the host.
/// </summary>
public sealed class JsonlTailService(
    JsonlTailer tailer, IOptionsMonitor<LearningOptions> options, TimeProvider time, LearningMetrics metrics, ILogger<JsonlTailService> logger)
    : BackgroundService
{
    private readonly Dictionary<string, (RetryBackoff Backoff, DateTimeOffset NotBefore)> _failing = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = options.CurrentValue;
            foreach (var source in settings.Sources)
            {
                if (_failing.TryGetValue(source, out var failing) && time.GetUtcNow() < failing.NotBefore)
                {
                    continue;
                }

                try
                {
                    await tailer.PollAsync(source, stoppingToken);
                    _failing.Remove(source);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    var backoff = failing.Backoff ?? new RetryBackoff(settings.MaxRetryDelay);
                    var delay = backoff.Failed(settings.TailInterval);
                    _failing[source] = (backoff, time.GetUtcNow() + delay);
                    metrics.Error("tail");
                    logger.LogWarning("Tailing {Source} failed ({Failures} in a row); retrying in {Delay}: {ErrorType}: {Error}",
                        source, backoff.Failures, delay, ex.GetType().Name, ex.Message);
                }
            }

            try
            {
                await Task.Delay(settings.TailInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
