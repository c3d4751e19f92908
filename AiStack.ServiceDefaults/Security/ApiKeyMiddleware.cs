using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// Establishes who is calling from the key in <c>X-API-Key</c> (or, for OpenAI-style clients without it, <c>Authorization: Bearer</c>):
/// the user (the stack's key) or a service (a key derived from it, see <see cref="StackApiKey"/>). The caller becomes the
/// request's user, so rate limits and <c>/health</c> can tell callers apart. Every request without a valid key is refused with a
/// 401 problem, unless its endpoint carries <see cref="AllowWithoutApiKeyAttribute"/>; requests that match no endpoint are refused
/// too, so the route table stays private.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, StackApiKey apiKey, IProblemDetailsService problems, ILogger<ApiKeyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var (presented, caller) = Authenticate(context.Request);
        if (caller is not null)
        {
            context.User = caller.ToPrincipal();
        }

        if (caller is not null || context.GetEndpoint()?.Metadata.GetMetadata<AllowWithoutApiKeyAttribute>() is not null)
        {
            await next(context);
            return;
        }

        logger.LogWarning("Refused {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path,
            presented ? "wrong API key" : "no API key");
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "ApiKey header=\"" + ApiKeyStore.HeaderName + "\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "API key required",
                Detail = presented
                    ? $"The API key sent ({ApiKeyStore.HeaderName} header, or Authorization: Bearer) is not exactly one valid key of this stack."
                    : $"Send this stack's API key in the {ApiKeyStore.HeaderName} header (see .aistack/api-key or AISTACK_API_KEY).",
            },
        });
    }

    /// <summary>
    /// <c>X-API-Key</c> wins when present and must hold one key (repeated headers with the same key are one key; different keys
    /// are refused, so no combination of headers can pick a caller); otherwise a bearer token.
    /// </summary>
    private (bool Presented, Caller? Caller) Authenticate(HttpRequest request)
    {
        var keys = request.Headers[ApiKeyStore.HeaderName]
            .Select(value => value?.Trim())
            .Where(value => !string.IsNullOrEmpty(value))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (keys.Count > 0)
        {
            return (true, keys.Count == 1 ? apiKey.Authenticate(keys[0]) : null);
        }

        var bearer = BearerToken(request);
        return (bearer is not null, apiKey.Authenticate(bearer));
    }

    private static string? BearerToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.FirstOrDefault();
        const string scheme = "Bearer ";
        return authorization is not null && authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization[scheme.Length..].Trim()
            : null;
    }
}
