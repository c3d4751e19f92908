namespace AiStack.Coordinator.Telemetry;

/// <summary>Records every Coordinator request's latency in <c>hybrid_request_latency_seconds{endpoint,status}</c>.</summary>
public sealed class RequestLatencyFilter(CoordinatorTelemetry telemetry, TimeProvider time) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var started = time.GetTimestamp();
        var status = "error";
        try
        {
            var result = await next(context);
            status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code.ToString(System.Globalization.CultureInfo.InvariantCulture) : "200";
            return result;
        }
        finally
        {
            var endpoint = (context.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.HttpContext.Request.Path.Value ?? "";
            telemetry.RequestLatency.Record(time.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", status));
        }
    }
}
