using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Learning;
using AiStack.Contracts.Telemetry;
using AiStack.Contracts.Validation;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Ingest;

/// <summary><c>POST /events</c> (idempotent batch ingest) and <c>GET /events</c> (for the Dashboard's charts).</summary>
public static class EventEndpoints
{
    public const int MaxQueryLimit = LearningRoutes.MaxEventQuery;

    public static RouteGroupBuilder MapEventEndpoints(this IEndpointRouteBuilder routes, long maxBatchBytes)
    {
        var group = routes.MapGroup("/events").WithTags("Events");
        group.MapPost("/", IngestAsync).WithName("IngestEvents").WithRequestBodyLimit(maxBatchBytes).RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Ingest)
            .Accepts<TelemetryBatch>("application/json")
            .WithSummary("Stores a batch of telemetry events; ids seen before count as duplicates. All or nothing.");
        group.MapGet("/", QueryAsync).WithName("QueryEvents");
        return group;
    }

    private static async Task<IResult> IngestAsync(
        HttpRequest request, EventStore store, IOptions<LearningOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(detail: "Send the batch as JSON with 'Content-Type: application/json'.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.");
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            return Invalid("$", $"The JSON is malformed (line {ex.LineNumber + 1}, position {ex.BytePositionInLine}).");
        }
        catch (BadHttpRequestException ex)
        {
            return TypedResults.Problem(detail: ex.Message, statusCode: ex.StatusCode, title: "The request body could not be read.");
        }

        if (body is not JsonObject root || root["events"] is not JsonArray array)
        {
            return Invalid("events", "The body must be {\"events\": [...]}.");
        }

        var limits = options.Value;
        if (array.Count > limits.MaxBatchEvents)
        {
            return Invalid("events", $"A batch holds at most {limits.MaxBatchEvents} events (Learning:MaxBatchEvents); this one has {array.Count}.");
        }

        var now = time.GetUtcNow();
        var events = new List<TelemetryEvent>(array.Count);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"events[{i}]");
            if (array[i] is not JsonObject item)
            {
                errors[key] = ["Each event must be a JSON object."];
                continue;
            }

            if (!EventMapper.TryMap(item, "unknown", null, now, out var mapped, out var error))
            {
                errors[key] = [error!];
                continue;
            }

            if (Encoding.UTF8.GetByteCount(mapped!.Payload.ToJsonString()) > limits.MaxEventBytes)
            {
                errors[key] = [$"The payload is larger than {limits.MaxEventBytes} bytes (Learning:MaxEventBytes)."];
                continue;
            }

            events.Add(mapped);
        }

        if (errors.Count > 0)
        {
            // Nothing of the batch is stored: the sender fixes or drops the bad events and sends again.
            return TypedResults.ValidationProblem(errors, detail: $"{errors.Count} of {array.Count} events are invalid; none was stored.");
        }

        return TypedResults.Ok(await store.AddAsync(events, cancellationToken));
    }

    private static async Task<IResult> QueryAsync(
        EventStore store, CancellationToken cancellationToken, string? type = null, string? since = null, string? task_id = null, string? limit = null)
    {
        foreach (var (field, value) in ((string, string?)[])[("type", type), ("task_id", task_id)])
        {
            if (StorableText.Check(field, value) is { } unstorable)
            {
                return Invalid(field, unstorable);
            }
        }

        DateTimeOffset? sinceTime = null;
        if (since is not null)
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                return Invalid("since", "since must be an ISO-8601 timestamp.");
            }

            sinceTime = parsed;
        }

        var count = 500;
        if (limit is not null && (!int.TryParse(limit, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxQueryLimit))
        {
            return Invalid("limit", $"limit must be a whole number from 1 to {MaxQueryLimit}.");
        }

        var rows = await store.QueryAsync(type, sinceTime, task_id, count, cancellationToken);
        return TypedResults.Ok(new EventListResponse(rows.Select(r => r.ToEvent()).ToList(), rows.Count));
    }

    private static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
