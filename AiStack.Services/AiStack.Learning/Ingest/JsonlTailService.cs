using AiStack.Learning.Diagnostics;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Ingest;

/// <summary>Polls every configured JSONL source (<c>Learning:Sources</c>) each <c>Learning:TailInterval</c>.</summary>
public sealed class JsonlTailService(
    JsonlTailer tailer, IOptionsMonitor<LearningOptions> options, TimeProvider time, LearningMetrics metrics, ILogger<JsonlTailService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var source in options.CurrentValue.Sources)
            {
                try
                {
                    await tailer.PollAsync(source, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    metrics.Error("tail");
                    logger.LogWarning(ex, "Tailing {Source} failed; retrying next round", source);
                }
            }

            try
            {
                await Task.Delay(options.CurrentValue.TailInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
