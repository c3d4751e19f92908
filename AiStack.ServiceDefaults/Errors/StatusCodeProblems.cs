using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Errors;

/// <summary>Gives an error status that left the response empty (404, 405, 413 from the framework ...) a problem-details body.</summary>
internal static class StatusCodeProblems
{
    public static async Task WriteAsync(StatusCodeContext statusCodeContext)
    {
        var context = statusCodeContext.HttpContext;
        var status = context.Response.StatusCode;
        var request = context.Request;
        var detail = status switch
        {
            StatusCodes.Status404NotFound => $"Nothing here answers {request.Method} {request.Path}.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not accept {request.Method}.",
            StatusCodes.Status413PayloadTooLarge => RequestBodyLimitMiddleware.TooLarge(
                context.Items[RequestBodyLimitMiddleware.EffectiveLimitKey] as long?
                ?? context.RequestServices.GetRequiredService<IOptionsMonitor<RequestLimitsOptions>>().CurrentValue.MaxRequestBodyBytes),
            StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with Content-Type: application/json.",
            _ => null,
        };

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }
}
