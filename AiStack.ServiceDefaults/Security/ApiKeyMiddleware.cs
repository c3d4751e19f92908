using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// Refuses, with a 401 problem, every request without the stack's key in <c>X-API-Key</c>, unless its endpoint carries
/// <see cref="AllowWithoutApiKeyAttribute"/>. OpenAI-style clients may send the key as <c>Authorization: Bearer</c> instead. Requests that match no endpoint are refused too, so the route table stays private.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, StackApiKey apiKey, IProblemDetailsService problems, ILogger<ApiKeyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<AllowWithoutApiKeyAttribute>() is not null ||
            apiKey.Matches(context.Request.Headers[ApiKeyStore.HeaderName].FirstOrDefault()) ||
            apiKey.Matches(BearerToken(context.Request)))
        {
            await next(context);
            return;
        }

        var presented = context.Request.Headers.ContainsKey(ApiKeyStore.HeaderName);
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
                    ? $"The {ApiKeyStore.HeaderName} header does not hold this stack's API key."
                    : $"Send this stack's API key in the {ApiKeyStore.HeaderName} header (see .aistack/api-key or AISTACK_API_KEY).",
            },
        });
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
