using Microsoft.AspNetCore.Http;

namespace AiStack.Coordinator.OpenAi;

/// <summary>
/// OpenAI's <c>error</c> object on every error under /v1 (problem details that also carry it), so that OpenAI's SDKs show the
/// message instead of "NNN status code (no body)": the endpoints' own refusals, and the 401, 413, 429 and binding 400s that
/// the shared defaults write before an endpoint runs.
/// </summary>
public static class OpenAiErrors
{
    public static IResult Result(int status, string? code, string message, string? param = null) =>
        Results.Problem(message, statusCode: status, title: Title(status), extensions: new Dictionary<string, object?>
        {
            ["error"] = Error(status, code, message, param),
        });

    /// <summary>Adds the error object to a problem written for a /v1 request that has none yet.</summary>
    public static void AddTo(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!context.HttpContext.Request.Path.StartsWithSegments("/v1") || problem.Extensions.ContainsKey("error"))
        {
            return;
        }

        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        var param = (problem as HttpValidationProblemDetails)?.Errors.Keys.FirstOrDefault();
        var code = status switch
        {
            StatusCodes.Status401Unauthorized => "invalid_api_key",
            StatusCodes.Status404NotFound => "not_found",
            StatusCodes.Status413PayloadTooLarge => "request_too_large",
            StatusCodes.Status429TooManyRequests => "rate_limit_exceeded",
            _ => null,
        };
        problem.Extensions["error"] = Error(status, code, problem.Detail ?? problem.Title ?? $"Request failed with status {status}.", param);
    }

    private static Dictionary<string, object?> Error(int status, string? code, string message, string? param) => new()
    {
        ["message"] = message,
        ["type"] = status switch
        {
            StatusCodes.Status401Unauthorized => "authentication_error",
            StatusCodes.Status429TooManyRequests => "rate_limit_error",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        },
        ["param"] = param,
        ["code"] = code,
    };

    private static string Title(int status) => status switch
    {
        400 => "Invalid request",
        404 => "Not found",
        429 => "Budget exhausted",
        _ => "Model unavailable",
    };
}
