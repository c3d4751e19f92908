using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Health;

/// <summary>
/// Bounds one check's run time even when the check ignores its cancellation token (StackExchange.Redis 1.x does),
/// so a hung dependency reads as failed instead of hanging every probe.
/// </summary>
internal sealed class TimeoutHealthCheck(IHealthCheck inner, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            return await inner.CheckHealthAsync(context, bounded.Token).WaitAsync(timeout, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested &&
                                          (exception is TimeoutException || bounded.IsCancellationRequested))
        {
            return new HealthCheckResult(
                context.Registration.FailureStatus,
                string.Create(CultureInfo.InvariantCulture, $"No answer within {timeout.TotalSeconds:0.###} s."),
                data: new Dictionary<string, object> { ["timeout_seconds"] = timeout.TotalSeconds });
        }
    }
}

/// <summary>Wraps every registered check in a <see cref="TimeoutHealthCheck"/> with its own or the default timeout.</summary>
internal sealed class HealthCheckTimeoutSetup(IOptions<HealthChecksOptions> settings) : IPostConfigureOptions<HealthCheckServiceOptions>
{
    public void PostConfigure(string? name, HealthCheckServiceOptions options)
    {
        var defaultTimeout = TimeSpan.FromSeconds(settings.Value.TimeoutSeconds);
        foreach (var registration in options.Registrations)
        {
            var timeout = registration.Timeout > TimeSpan.Zero ? registration.Timeout : defaultTimeout;
            var factory = registration.Factory;
            registration.Factory = services => new TimeoutHealthCheck(factory(services), timeout);
        }
    }
}
