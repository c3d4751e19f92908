using System.Diagnostics.Metrics;
using AiStack.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// The limits in force and the requests refused, in <c>/metrics</c>: <c>aistack_rate_limit_permits_per_minute{policy,caller_kind}</c>
/// and <c>aistack_rate_limit_rejected_total{policy,caller_kind,caller}</c> (ASP.NET Core's own <c>aspnetcore_rate_limiting_*</c> beside them).
/// </summary>
public sealed class RateLimitMetrics
{
    private readonly Counter<long> _rejected;

    public RateLimitMetrics(IMeterFactory meterFactory, IOptionsMonitor<RateLimitingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(options);
        var meter = meterFactory.Create(TelemetrySources.DefaultsMeter);
        _rejected = meter.CreateCounter<long>("aistack.rate_limit.rejected", description: "Requests refused with 429 by policy and caller.");
        meter.CreateObservableGauge(
            "aistack.rate_limit.permits_per_minute",
            () => options.CurrentValue.Enabled
                ? options.CurrentValue.Policies.SelectMany(policy => (CallerKind[])[CallerKind.User, CallerKind.Service], (policy, kind) =>
                    new Measurement<int>(policy.Value.PermitsFor(kind), new("policy", policy.Key), new("caller_kind", Wire(kind))))
                : [],
            description: "Requests per minute each caller may make under a rate-limit policy (absent when rate limiting is off).");
    }

    public void Rejected(string policy, CallerKind kind, string caller) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("policy", policy), new("caller_kind", Wire(kind)), new("caller", caller));

    private static string Wire(CallerKind kind) => kind == CallerKind.Service ? "service" : "user";
}
