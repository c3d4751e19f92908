using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Hosting;

/// <summary>
/// At start, runs the health checks tagged <see cref="HealthTags.Critical"/> until they all pass or
/// <c>Startup:DependencyWaitSeconds</c> runs out. Then it either marks start-up complete or logs which dependency is missing
/// and how to fix it (the check's <c>fix</c> data) and stops the service with a non-zero exit code.
/// The server is already listening meanwhile, so <c>/health/startup</c> can say what it is waiting for.
/// </summary>
internal sealed partial class StartupDependencyCheck(
    HealthCheckService healthChecks,
    StartupState state,
    IOptions<StartupOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<StartupDependencyCheck> logger) : BackgroundService
{
    public const string FixKey = "fix";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var started = timeProvider.GetTimestamp();
        var deadline = TimeSpan.FromSeconds(settings.DependencyWaitSeconds);
        HealthReport report;
        while (true)
        {
            report = await healthChecks.CheckHealthAsync(
                registration => registration.Tags.Contains(HealthTags.Critical) && !registration.Tags.Contains(HealthTags.Self), stoppingToken);
            var failing = Failing(report);
            if (failing.Count == 0)
            {
                var waited = timeProvider.GetElapsedTime(started);
                state.Complete(report.Entries.Count == 0
                    ? "Started; no critical dependencies to wait for."
                    : string.Create(CultureInfo.InvariantCulture, $"Started; critical dependencies ready after {waited.TotalSeconds:0.0} s."));
                LogReady(logger, report.Entries.Count, waited.TotalSeconds);
                return;
            }

            var elapsed = timeProvider.GetElapsedTime(started);
            if (elapsed >= deadline)
            {
                break;
            }

            state.Waiting("Waiting for critical dependencies: " + string.Join(", ", failing.Select(entry => entry.Key)) + ".");
            var pause = TimeSpan.FromSeconds(Math.Min(settings.DependencyRetrySeconds, (deadline - elapsed).TotalSeconds));
            await Task.Delay(pause, timeProvider, stoppingToken);
        }

        var message = Describe(Failing(report), settings.DependencyWaitSeconds);
        state.Fail(message);
        LogGaveUp(logger, message);
        settings.SetExitCode(settings.FailureExitCode);
        lifetime.StopApplication();
    }

    private static List<KeyValuePair<string, HealthReportEntry>> Failing(HealthReport report) =>
        report.Entries.Where(entry => entry.Value.Status == HealthStatus.Unhealthy).OrderBy(entry => entry.Key, StringComparer.Ordinal).ToList();

    /// <summary>"Critical dependency 'database' is unavailable: ... Fix: ..." for every dependency still down.</summary>
    internal static string Describe(IReadOnlyList<KeyValuePair<string, HealthReportEntry>> failing, double waitedSeconds)
    {
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture,
            $"The service cannot start: {failing.Count} critical dependenc{(failing.Count == 1 ? "y is" : "ies are")} still unavailable after {waitedSeconds:0.#} s (Startup:DependencyWaitSeconds).");
        foreach (var (name, entry) in failing)
        {
            message.Append(CultureInfo.InvariantCulture, $" Dependency '{name}'");
            var reason = entry.Description ?? entry.Exception?.Message;
            if (!string.IsNullOrWhiteSpace(reason))
            {
                message.Append(": ").Append(reason.TrimEnd('.')).Append('.');
            }
            else
            {
                message.Append(" is unhealthy.");
            }

            if (entry.Data.TryGetValue(FixKey, out var fix) && fix is not null)
            {
                message.Append(" Fix: ").Append(fix.ToString()!.TrimEnd('.')).Append('.');
            }
        }

        return message.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "All {Count} critical dependencies are ready after {Seconds:0.0} s")]
    private static partial void LogReady(ILogger logger, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Message} Stopping.")]
    private static partial void LogGaveUp(ILogger logger, string message);
}
