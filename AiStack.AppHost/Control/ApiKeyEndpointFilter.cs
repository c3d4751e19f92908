using AiStack.AppHost.Model;
using AiStack.ServiceDefaults.Security;

namespace AiStack.AppHost.Control;

/// <summary>
/// Requires the stack's API key in X-API-Key on the control API.
/// Interim: once ServiceDefaults' API-key middleware runs in the AppHost (AddServiceDefaults/MapDefaultEndpoints), this filter is redundant.
/// </summary>
internal sealed class ApiKeyEndpointFilter(StackContext context) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var presented = invocation.HttpContext.Request.Headers[ApiKeyStore.HeaderName].ToString();
        if (!ApiKeyStore.Matches(context.ApiKey, presented))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "API key required",
                detail: $"Send the stack's API key in the {ApiKeyStore.HeaderName} header (it is stored in {context.ApiKeyFile}).");
        }

        return await next(invocation);
    }
}
