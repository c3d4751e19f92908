using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>
/// Degraded when undelivered telemetry piles up (non-critical: the service itself works on). Events the receiver refused for good
/// are counted in <c>dead_lettered</c> without degrading: they no longer hold anything up, and the file says what they were.
/// </summary>
public sealed class TelemetryOutboxHealthCheck(TelemetryOutbox outbox, TelemetryShipper shipper, IOptions<TelemetryOutboxOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pending = outbox.PendingBytes;
        var data = new Dictionary<string, object>
        {
            ["pending_bytes"] = pending,
            ["destination_configured"] = shipper.HasDestination,
            ["dead_lettered"] = outbox.DeadLetters.Count,
        };
        if (outbox.DeadLetters.Count > 0)
        {
            data["dead_letter_file"] = outbox.DeadLetters.FilePath;
        }

        if (shipper.LastError is { } error)
        {
            data["last_error"] = error;
        }

        var limits = options.Value;
        if (pending >= limits.MaxSpoolBytes)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"The telemetry spool is full ({pending:N0} bytes undelivered): new events are being dropped. Is the Learning service running?", data: data));
        }

        return Task.FromResult(pending >= limits.WarningSpoolBytes
            ? HealthCheckResult.Degraded($"{pending:N0} bytes of telemetry wait for delivery; is the Learning service reachable?", data: data)
            : HealthCheckResult.Healthy($"{pending:N0} bytes pending", data));
    }
}
