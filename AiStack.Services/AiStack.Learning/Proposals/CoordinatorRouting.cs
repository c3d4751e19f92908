using AiStack.Clients;

namespace AiStack.Learning.Proposals;

/// <summary>
/// The Coordinator's routing threshold as the Coordinator reports it, read at the start of each pipeline run: Learning keeps no
/// threshold of its own, so a route-threshold proposal starts from the live value. Unknown (null) while the Coordinator has no
/// address here or does not answer; route proposals then wait for a run that knows it.
/// </summary>
public sealed partial class CoordinatorRouting(IServiceProvider services, ILogger<CoordinatorRouting> logger)
{
    // Boxed so that a run's write and the interpreter's read are one reference swap.
    private volatile RoutingThreshold? _threshold;

    public double? LocalConfidenceThreshold => _threshold?.Value;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<CoordinatorClient>() is not { } coordinator)
        {
            return;
        }

        try
        {
            var value = (await coordinator.GetSettingsAsync(cancellationToken)).LocalConfidenceThreshold;
            _threshold = value is null ? null : new RoutingThreshold(value.Value);
        }
        catch (HttpRequestException e)
        {
            _threshold = null;
            LogUnknown(logger, e.Message);
        }
    }

    private sealed record RoutingThreshold(double Value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Coordinator's routing threshold is unknown ({Reason}); route-threshold proposals wait")]
    private static partial void LogUnknown(ILogger logger, string reason);
}
