using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Security;

internal static class RateLimitingSetup
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static void Configure(RateLimiterOptions options)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = WriteRejectionAsync;
        options.AddPolicy(RateLimitPolicies.Expensive, context =>
        {
            var settings = context.RequestServices.GetRequiredService<IOptionsMonitor<RateLimitingOptions>>().CurrentValue;
            if (!settings.Enabled)
            {
                return RateLimitPartition.GetNoLimiter("disabled");
            }

            var permits = settings.ExpensivePermitsPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter(
                ClientOf(context) + "|" + permits.ToString(CultureInfo.InvariantCulture),
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = Window,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
        });
    }

    /// <summary>A client is its API key and address: one noisy agent cannot spend another's budget.</summary>
    internal static string ClientOf(HttpContext context)
    {
        var key = context.Request.Headers[ApiKeyStore.HeaderName].FirstOrDefault() ?? string.Empty;
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "local";
        // Partitions live in memory only; a hash keeps the key itself out of them.
        return address + "|" + key.GetHashCode(StringComparison.Ordinal).ToString("x8", CultureInfo.InvariantCulture);
    }

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This endpoint allows a limited number of requests per minute per client; retry in {seconds} s " +
                         "(the limit is RateLimiting:ExpensivePermitsPerMinute).",
            },
        });
    }
}
