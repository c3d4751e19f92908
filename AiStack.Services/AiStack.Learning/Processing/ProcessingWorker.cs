using AiStack.Learning.Diagnostics;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Processing;

/// <summary>Runs the pipeline every <c>Learning:ProcessingInterval</c> (default 60 s); <c>POST /learning/process</c> runs it on demand.</summary>
public sealed class ProcessingWorker(
    LearningPipeline pipeline, PipelineLease lease, IOptionsMonitor<LearningOptions> options, TimeProvider time, LearningMetrics metrics, ILogger<ProcessingWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await pipeline.RunAsync(onDemand: false, stoppingToken);
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
                metrics.Error("processing");
                logger.LogError(ex, "A learning run failed; its batch was rolled back and is retried on the next run");
            }

            try
            {
                await Task.Delay(options.CurrentValue.ProcessingInterval, time, stoppingToken);
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
