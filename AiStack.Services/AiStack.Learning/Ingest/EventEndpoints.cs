using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Learning;
using AiStack.Contracts.Telemetry;
using AiStack.Contracts.Validation;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Ingest;

/// <summary>
/// <c>POST /events</c> (idempotent batch ingest, answered per event: one bad event never costs the others) and <c>GET /events</c>
/// (for the Dashboard's charts). Only a body that is unreadable, not a batch, over <c>Learning:MaxBatchEvents</c> events or over
/// <c>Learning:MaxBatchBytes</c> (413) is refused whole.
/// </summary>
public static class EventEndpoints
{
    public const int MaxQueryLimit = LearningRoutes.MaxEventQuery;

    public static RouteGroupBuilder MapEventEndpoints(this IEndpointRouteBuilder routes, long maxBatchBytes)
    {
        var group = routes.MapGroup("/events").WithTags("Events");
        group.MapPost("/", IngestAsync).WithName("IngestEvents").WithRequestBodyLimit(maxBatchBytes).RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Ingest)
            .Accepts<TelemetryBatch>("application/json")
            .WithSummary("Stores a batch of telemetry events and answers per event: ids seen before count as duplicates, invalid events are refused by index.");
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
        var rejected = new List<RejectedEvent>();
        for (var i = 0; i < array.Count; i++)
        {
            if (Check(array[i], limits.MaxEventBytes, now, out var reason) is { } mapped)
            {
                events.Add(mapped);
            }
            else
            {
                rejected.Add(new RejectedEvent(i, (array[i] as JsonObject)?["id"] is JsonValue id && id.TryGetValue<string>(out var text) ? text : null, reason!));
            }
        }

        if (events.Count == 0 && rejected.Count > 0)
        {
            // Nothing to store: the whole batch is bad input. The per-event answer travels along for senders that read it.
            var errors = rejected.ToDictionary(r => string.Create(CultureInfo.InvariantCulture, $"events[{r.Index}]"), r => new[] { r.Reason }, StringComparer.Ordinal);
            return TypedResults.ValidationProblem(errors, detail: $"All {rejected.Count} events are invalid; none was stored.",
                extensions: new Dictionary<string, object?> { ["rejected"] = rejected });
        }

        var stored = await store.AddAsync(events, cancellationToken);
        // Indexes are the sender's: a refused event never shifts the answer for the others.
        return TypedResults.Ok(stored with { Rejected = rejected });
    }

    /// <summary>One event of a batch as the store takes it, or why not (the rule it breaks, with the setting that sets the limit).</summary>
    private static TelemetryEvent? Check(JsonNode? node, int maxEventBytes, DateTimeOffset now, out string? reason)
    {
        if (node is not JsonObject item)
        {
            reason = "Each event must be a JSON object.";
            return null;
        }

        if (!EventMapper.TryMap(item, "unknown", null, now, out var mapped, out reason))
        {
            return null;
        }

        if (Encoding.UTF8.GetByteCount(mapped!.Payload.ToJsonString()) > maxEventBytes)
        {
            reason = $"The payload is larger than {maxEventBytes} bytes (Learning:MaxEventBytes).";
            return null;
        }

        return mapped;
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
