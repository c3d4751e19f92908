using AiStack.ServiceDefaults.Hosting;
using AiStack.ServiceDefaults.Resilience;
using AiStack.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Health;

/// <summary>Runs the registered checks and shapes the answers of the health endpoints.</summary>
public sealed class HealthReporter(
    HealthCheckService healthChecks,
    IOptions<HealthCheckServiceOptions> registrations,
    CircuitBreakerRegistry breakers,
    StartupState startup,
    ServiceIdentity identity,
    TimeProvider timeProvider)
{
    public async Task<HealthResponse> AggregateAsync(CancellationToken cancellationToken)
    {
        var report = await healthChecks.CheckHealthAsync(cancellationToken);
        var checks = Entries(report);
        var status = HealthAggregation.Overall(checks.Select(check => (Parse(check.Status), check.Critical)));
        return new HealthResponse(
            status.ToWire(),
            identity.Name,
            identity.Version,
            timeProvider.GetUtcNow(),
            checks,
            breakers.Snapshot().ToDictionary(breaker => breaker.Key, breaker => CircuitBreakerRegistry.ToWire(breaker.Value), StringComparer.Ordinal));
    }

    /// <summary>Alive while the process can answer; only checks tagged <see cref="HealthTags.Live"/> run.</summary>
    public async Task<ProbeResponse> LivenessAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var report = await healthChecks.CheckHealthAsync(registration => registration.Tags.Contains(HealthTags.Live), cancellationToken);
        var checks = Entries(report);
        var status = HealthAggregation.Overall(checks.Select(check => (Parse(check.Status), true)));
        return Probe(status, "liveness",
            status == HealthStatus.Healthy ? "The service is alive." : "A liveness check failed.",
            Details(checks), started);
    }

    /// <summary>Ready when start-up has completed and no critical dependency is down.</summary>
    public async Task<ProbeResponse> ReadinessAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var report = await healthChecks.CheckHealthAsync(cancellationToken);
        var checks = Entries(report);
        var status = HealthAggregation.Overall(checks.Select(check => (Parse(check.Status), check.Critical)));
        var details = Details(checks);
        details["startup"] = startup.Phase.ToString();
        string message;
        if (startup.Phase != StartupPhase.Completed)
        {
            status = HealthStatus.Unhealthy;
            message = startup.Message;
        }
        else
        {
            message = status switch
            {
                HealthStatus.Healthy => "Ready.",
                HealthStatus.Degraded => "Ready, degraded: " + Failing(checks, critical: null) + ".",
                _ => "Not ready: critical dependency down: " + Failing(checks, critical: true) + ".",
            };
        }

        return Probe(status, "readiness", message, details, started);
    }

    public ProbeResponse Startup()
    {
        var started = timeProvider.GetTimestamp();
        var status = startup.Phase == StartupPhase.Completed ? HealthStatus.Healthy : HealthStatus.Unhealthy;
        var details = new Dictionary<string, object?>(StringComparer.Ordinal) { ["phase"] = startup.Phase.ToString() };
        return Probe(status, "startup", startup.Message, details, started);
    }

    private ProbeResponse Probe(HealthStatus status, string type, string message, IReadOnlyDictionary<string, object?> details, long started) =>
        new(status.ToWire(), type, message, details, timeProvider.GetUtcNow(), Math.Round(timeProvider.GetElapsedTime(started).TotalMilliseconds, 3));

    private List<HealthCheckEntry> Entries(HealthReport report)
    {
        var critical = registrations.Value.Registrations
            .Where(registration => registration.Tags.Contains(HealthTags.Critical))
            .Select(registration => registration.Name)
            .ToHashSet(StringComparer.Ordinal);
        return report.Entries
            .OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .Select(entry => new HealthCheckEntry(
                entry.Key,
                entry.Value.Status.ToWire(),
                critical.Contains(entry.Key),
                Math.Round(entry.Value.Duration.TotalMilliseconds, 3),
                entry.Value.Description ?? entry.Value.Exception?.Message,
                entry.Value.Data.Count == 0 ? null : entry.Value.Data.ToDictionary(item => item.Key, item => Printable(item.Value), StringComparer.Ordinal)))
            .ToList();
    }

    /// <summary>Check data goes out as JSON: plain values as they are, anything else (an exception, a client object) as its text.</summary>
    private static object Printable(object value) => value switch
    {
        string or bool or int or long or double or float or decimal or short or byte or uint or ulong or DateTime or DateTimeOffset or TimeSpan or Guid => value,
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static Dictionary<string, object?> Details(IEnumerable<HealthCheckEntry> checks) =>
        checks.ToDictionary(
            check => check.Name,
            check => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["status"] = check.Status,
                ["critical"] = check.Critical,
                ["message"] = check.Message,
            },
            StringComparer.Ordinal);

    private static string Failing(IEnumerable<HealthCheckEntry> checks, bool? critical) =>
        string.Join(", ", checks
            .Where(check => check.Status != "healthy" && (critical is null || check.Critical == critical))
            .Select(check => check.Name));

    private static HealthStatus Parse(string status) => status switch
    {
        "healthy" => HealthStatus.Healthy,
        "degraded" => HealthStatus.Degraded,
        _ => HealthStatus.Unhealthy,
    };
}
