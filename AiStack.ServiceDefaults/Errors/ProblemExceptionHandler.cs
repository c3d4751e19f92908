using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AiStack.ServiceDefaults.Errors;

/// <summary>
/// Turns every exception that reaches the top of the pipeline into problem details: a request the server could not read
/// (bad JSON, a value of the wrong type, a body too large, bytes that are not UTF-8, a lone surrogate, a charset it cannot decode) keeps its 4xx
/// with a detail that says what was wrong;
/// anything else is a 500 that carries only the trace id, never the exception's message or stack.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string title;
        string detail;
        if (Refusal(httpContext.Request, exception) is { } refusal)
        {
            (status, title, detail) = refusal;
            logger.LogInformation("Rejected {Method} {Path} with {Status}: {Detail}", httpContext.Request.Method, httpContext.Request.Path, status, detail);
        }
        else
        {
            status = StatusCodes.Status500InternalServerError;
            title = "An unexpected error occurred";
            detail = "The server failed to handle the request. Quote the trace id when reporting it; the details are in the service's log.";
            logger.LogError(exception, "Unhandled exception in {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            // The exception stays out of the context on purpose: nothing downstream may put its details on the wire.
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>The 4xx for an exception that means the request could not be read, or null for a failure of the server's own.</summary>
    private static (int Status, string Title, string Detail)? Refusal(HttpRequest request, Exception exception) => exception switch
    {
        BadHttpRequestException badRequest => (badRequest.StatusCode,
            badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "The request could not be read",
            BadRequestDetail.Describe(badRequest)),
        // System.Text.Json decodes names and strings lazily (JsonNode), so bytes that are not UTF-8 surface on first access.
        InvalidOperationException { InnerException: System.Text.DecoderFallbackException } => (StatusCodes.Status400BadRequest,
            "The request could not be read", "The request body is not valid UTF-8 (JSON text must be UTF-8 encoded)."),
        // An escaped lone surrogate ("\ud800") is valid JSON that System.Text.Json refuses to read as a string, when it is read
        // (JsonElement.GetString, JsonNode.GetValue): after binding, so in any handler that reads JSON values itself.
        // (System.Text.Json marks the exceptions it throws with Source "System.Text.Json.Rethrowable".)
        InvalidOperationException { Source: { } source } when source.StartsWith("System.Text.Json", StringComparison.Ordinal)
            && exception.Message.StartsWith("Cannot read", StringComparison.Ordinal)
            && exception.Message.Contains("UTF-16", StringComparison.Ordinal) => (StatusCodes.Status400BadRequest, "The request could not be read",
            "The request body holds a string with a lone UTF-16 surrogate (an escaped \\ud800-\\udfff without its pair), which is not text."),
        // The framework's JSON reader throws this, not a BadHttpRequestException, for a charset it cannot decode.
        InvalidOperationException when UnknownCharset(request) is { } charset => (StatusCodes.Status415UnsupportedMediaType, "Unsupported charset",
            $"The Content-Type names the charset '{charset[..Math.Min(charset.Length, 40)]}', which this server cannot decode; send the body as UTF-8 JSON."),
        _ => null,
    };

    private static string? UnknownCharset(HttpRequest request)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.Charset.Value is not { Length: > 0 } charset)
        {
            return null;
        }

        try
        {
            _ = System.Text.Encoding.GetEncoding(charset);
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }
}

/// <summary>Says what could not be read in a request without naming the server's internals.</summary>
internal static class BadRequestDetail
{
    private static readonly (string Clr, string Expected)[] Types =
    [
        ("System.Int", "an integer"), ("System.UInt", "a non-negative integer"), ("System.Byte", "an integer"), ("System.SByte", "an integer"),
        ("System.Double", "a number"), ("System.Single", "a number"), ("System.Decimal", "a number"), ("System.Boolean", "true or false"),
        ("System.String", "a string"), ("System.Guid", "a GUID"), ("System.DateTime", "an ISO 8601 date-time"),
        ("System.DateOnly", "an ISO 8601 date"), ("System.TimeSpan", "a duration"), ("System.Collections", "an array"),
        ("System.Char", "a single character"),
    ];

    public static string Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            return Describe(json);
        }

        return exception.StatusCode == StatusCodes.Status413PayloadTooLarge || exception.InnerException is null
            ? exception.Message
            : exception.Message + " " + exception.InnerException.Message;
    }

    private static string? ExpectedToken(string? readerMessage) => readerMessage switch
    {
        null => null,
        // "... is not in a supported format, or is out of bounds for an Int32." (numbers read from strings, Web defaults)
        _ when readerMessage.LastIndexOf(" for a", StringComparison.Ordinal) is var at and >= 0 &&
               readerMessage[at..].Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, var typeName, ..] =>
            Expected("System." + typeName.TrimEnd('.')),
        _ when readerMessage.Contains("as a number", StringComparison.Ordinal) => "a number",
        _ when readerMessage.Contains("as a string", StringComparison.Ordinal) => "a string",
        _ when readerMessage.Contains("as a boolean", StringComparison.Ordinal) => "true or false",
        _ => null,
    };

    private static string? Expected(string clrType) =>
        Types.FirstOrDefault(type => clrType.StartsWith(type.Clr, StringComparison.Ordinal)).Expected;

    public static string Describe(JsonException json)
    {
        var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
        const string conversion = "The JSON value could not be converted to ";
        var message = json.Message;
        if (message.StartsWith(conversion, StringComparison.Ordinal))
        {
            // The named type is the property's, or for constructor-bound records the record's own: use it only when it is a
            // plain value type, else fall back on what the reader expected (a number, a string ...). Never echo internal type names.
            var clrType = message[conversion.Length..].Split(". Path:", 2)[0];
            var expected = Expected(clrType) ?? ExpectedToken(json.InnerException?.Message);
            return expected is null
                ? $"The request body is not valid: the value at '{path}' has the wrong type."
                : $"The request body is not valid: the value at '{path}' should be {expected}.";
        }

        // Syntax errors from the reader say what was wrong and where; cut the "Path: ... | LineNumber" tail we restate.
        var reason = message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
        var position = json.LineNumber is { } line
            ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})"
            : string.Empty;
        return $"The request body is not valid JSON at '{path}'{position}: {reason}.";
    }
}
