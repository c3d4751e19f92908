using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// The policies of <see cref="RateLimitPolicies"/>: a fixed one-minute window per policy and caller. The caller is the identity
/// that the API-key check established (it runs first), never a raw header, so varying headers cannot open a new budget.
/// </summary>
internal static class RateLimitingSetup
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static void Configure(RateLimiterOptions options)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = WriteRejectionAsync;
        foreach (var policy in RateLimitPolicies.All)
        {
            options.AddPolicy(policy, context => Partition(policy, context));
        }
    }

    private static RateLimitPartition<string> Partition(string policy, HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<IOptionsMonitor<RateLimitingOptions>>().CurrentValue;
        if (!settings.Enabled)
        {
            return RateLimitPartition.GetNoLimiter("disabled");
        }

        var (kind, name) = CallerOf(context);
        var permits = settings.For(policy).PermitsFor(kind);
        return RateLimitPartition.GetFixedWindowLimiter(
            policy + "|" + name + "|" + permits.ToString(CultureInfo.InvariantCulture),
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = Window, QueueLimit = 0, AutoReplenishment = true });
    }

    /// <summary>The authenticated caller; an endpoint open without a key is limited per remote address instead.</summary>
    internal static (CallerKind Kind, string Name) CallerOf(HttpContext context) =>
        Caller.Of(context.User) is { } caller
            ? (caller.Kind, caller.Name)
            : (CallerKind.User, "anonymous:" + (context.Connection.RemoteIpAddress?.ToString() ?? "local"));

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var policy = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? "unknown";
        var (kind, name) = CallerOf(context);
        context.RequestServices.GetRequiredService<RateLimitMetrics>().Rejected(policy, kind, name);
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var setting = $"RateLimiting:Policies:{policy}:{(kind == CallerKind.Service ? "ServicePermitsPerMinute" : "UserPermitsPerMinute")}";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"The '{policy}' limit of {name} is used up for this minute; retry in {seconds} s (the limit is {setting}).",
            },
        });
    }
}

/// <summary>Every configured policy needs sane limits; data annotations do not reach into the dictionary.</summary>
internal sealed class RateLimitingOptionsValidator : IValidateOptions<RateLimitingOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitingOptions options)
    {
        var failures = new List<string>();
        foreach (var policy in RateLimitPolicies.All.Where(policy => !options.Policies.ContainsKey(policy)))
        {
            failures.Add($"RateLimiting:Policies:{policy} is missing.");
        }

        foreach (var (policy, limits) in options.Policies)
        {
            if (limits.UserPermitsPerMinute is < 1 or > 1_000_000)
            {
                failures.Add($"RateLimiting:Policies:{policy}:UserPermitsPerMinute must be between 1 and 1000000.");
            }

            if (limits.ServicePermitsPerMinute is < 1 or > 1_000_000)
            {
                failures.Add($"RateLimiting:Policies:{policy}:ServicePermitsPerMinute must be between 1 and 1000000.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
