using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Validation;

/// <summary>
/// Reads a JSON request body so that every failure is a 4xx problem naming what is wrong: not JSON (415), malformed JSON or a
/// wrong type (400 with the JSON path, e.g. <c>$.limit</c>), or no body (400).
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                detail: "Send the body as JSON with 'Content-Type: application/json'.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type."));
        }

        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await request.ReadFromJsonAsync<T>(options, cancellationToken);
            if (value is null)
            {
                return (null, Invalid("$", "The body must be a JSON object."));
            }

            return (value, null);
        }
        catch (JsonException ex)
        {
            var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
            return (null, Invalid(path, $"The JSON is malformed or has a wrong type at {path} (line {ex.LineNumber + 1}, position {ex.BytePositionInLine})."));
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json reports some unreadable strings (an escaped lone surrogate) this way.
            return (null, Invalid("$", "The JSON could not be read: " + ex.Message));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, TypedResults.Problem(detail: ex.Message, statusCode: ex.StatusCode, title: "The request body could not be read."));
        }
    }

    private static IResult Invalid(string path, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [path] = [message] }, title: "The request body is not valid JSON for this endpoint.");
}
