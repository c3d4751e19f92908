using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AiStack.ServiceDefaults.Telemetry;

/// <summary>
/// Without the ASP.NET Core instrumentation package, server spans arrive named <c>Microsoft.AspNetCore.Hosting.HttpRequestIn</c>
/// and untagged. This names them <c>METHOD /route</c> and adds the semantic-convention tags; probe and scrape requests are
/// marked unrecorded, so exporters drop them and their children are not sampled.
/// </summary>
internal sealed class ServerSpanMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var activity = Activity.Current;
        if (activity is null || activity.Kind != ActivityKind.Server)
        {
            await next(context);
            return;
        }

        if (TelemetrySources.IsInfrastructurePath(context.Request.Path.Value))
        {
            activity.IsAllDataRequested = false;
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            await next(context);
            return;
        }

        var method = context.Request.Method;
        // Routing ran before this middleware; the exception handler clears the endpoint, so read it now.
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        Name(activity, method, route);
        activity.SetTag("http.request.method", method);
        activity.SetTag("url.path", context.Request.Path.Value);
        activity.SetTag("url.scheme", context.Request.Scheme);
        try
        {
            await next(context);
        }
        finally
        {
            var status = context.Response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (status >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
                activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    internal static void Name(Activity activity, string method, string? route)
    {
        if (string.IsNullOrEmpty(route))
        {
            activity.DisplayName = method;
            return;
        }

        route = route.StartsWith('/') ? route : "/" + route;
        activity.DisplayName = method + " " + route;
        activity.SetTag("http.route", route);
    }
}
