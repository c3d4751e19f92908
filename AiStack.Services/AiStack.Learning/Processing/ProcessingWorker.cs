using AiStack.Learning.Diagnostics;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Processing;

/// <summary>
/// Runs the pipeline every <c>Learning:ProcessingInterval</c> (default 60 s); <c>POST /learning/process</c> runs it on demand. A run
/// that fails (the database locked or gone, say) is logged once and the next one waits longer, doubling up to
/// <c>Learning:MaxRetryDelay</c>; the loop itself catches everything, so no failure stops the host.
/// </summary>
public sealed class ProcessingWorker(
    LearningPipeline pipeline, PipelineLease lease, IOptionsMonitor<LearningOptions> options, TimeProvider time, LearningMetrics metrics, ILogger<ProcessingWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new RetryBackoff(options.CurrentValue.MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = options.CurrentValue.ProcessingInterval;
            try
            {
                await pipeline.RunAsync(onDemand: false, stoppingToken);
                backoff.Succeeded();
                pipeline.State.ConsecutiveFailures = 0;
                pipeline.State.LastError = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (LeaseLostException ex)
            {
                logger.LogInformation("{Message}", ex.Message);
            }
            catch (Exception ex)
            {
                delay = backoff.Failed(delay);
                pipeline.State.ConsecutiveFailures = backoff.Failures;
                pipeline.State.LastError = $"{ex.GetType().Name}: {ex.Message}";
                metrics.Error("processing");
                logger.LogError("A learning run failed ({Failures} in a row), its batch was rolled back; next run in {Delay}: {ErrorType}: {Error}",
                    backoff.Failures, delay, ex.GetType().Name, ex.Message);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Hand the pipeline to another replica at once instead of after the lease expires.
            await lease.ReleaseAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogDebug(ex, "Releasing the pipeline lease failed; it expires by itself");
        }
    }
}
