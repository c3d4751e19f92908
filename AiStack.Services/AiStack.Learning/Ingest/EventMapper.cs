using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;

namespace AiStack.Learning.Ingest;

/// <summary>
/// Turns one JSON object into a <see cref="TelemetryEvent"/>. Two shapes are accepted: ours (<c>id, time, source, type, trace_id,
/// task_id, payload</c>) and the original stack's JSONL lines (<c>event</c> or <c>event_type</c> naming the kind, <c>timestamp</c>
/// as ISO-8601 or Unix seconds, every other field being the payload). Events of the original shape have no id; the caller gives a
/// stable one (for a file line: the file's identity and the line's offset), so re-reading the same line is a duplicate.
/// </summary>
public static class EventMapper
{
    public const int MaxIdLength = 200;
    public const int MaxNameLength = 100;

    private static readonly HashSet<string> OriginalEnvelopeKeys = ["event", "event_type", "timestamp", "task_id", "trace_id", "source", "id"];

    public static bool TryMap(JsonObject json, string fallbackSource, string? fallbackId, DateTimeOffset now, out TelemetryEvent? mapped, out string? error)
    {
        ArgumentNullException.ThrowIfNull(json);
        mapped = null;
        var isOurs = json["type"] is JsonValue && json["event"] is null && json["event_type"] is null;
        var type = Text(json, isOurs ? "type" : json["event"] is not null ? "event" : "event_type");
        if (string.IsNullOrWhiteSpace(type))
        {
            error = "type is required (or, for the original's lines, event / event_type).";
            return false;
        }

        if (type.Length > MaxNameLength)
        {
            error = $"type is longer than {MaxNameLength} characters.";
            return false;
        }

        if (!type.All(IsTypeCharacter))
        {
            // Types name what an event is (task_completed, hybrid.route); one with spaces or control characters is no known kind.
            error = "type must be a name made of letters, digits, '_', '.', '-' or ':'.";
            return false;
        }

        var id = Text(json, "id") ?? fallbackId;
        if (string.IsNullOrWhiteSpace(id))
        {
            error = "id is required.";
            return false;
        }

        if (id.Length > MaxIdLength)
        {
            error = $"id is longer than {MaxIdLength} characters.";
            return false;
        }

        var source = Text(json, "source") ?? fallbackSource;
        if (source.Length > MaxNameLength)
        {
            error = $"source is longer than {MaxNameLength} characters.";
            return false;
        }

        if (!TryTime(json[isOurs ? "time" : "timestamp"] ?? json["time"], now, out var time))
        {
            error = "time must be an ISO-8601 timestamp (or Unix seconds).";
            return false;
        }

        JsonObject payload;
        if (isOurs)
        {
            switch (json["payload"])
            {
                case null:
                    payload = [];
                    break;
                case JsonObject obj:
                    payload = (JsonObject)obj.DeepClone();
                    break;
                default:
                    error = "payload must be a JSON object.";
                    return false;
            }
        }
        else
        {
            payload = [];
            foreach (var (key, value) in json)
            {
                if (!OriginalEnvelopeKeys.Contains(key))
                {
                    payload[key] = value?.DeepClone();
                }
            }
        }

        var taskId = Text(json, "task_id") ?? Text(payload, "task_id");
        var traceId = Text(json, "trace_id");
        var envelope = new[] { ("id", id), ("type", type), ("source", source), ("task_id", taskId), ("trace_id", traceId) };
        var field = envelope.FirstOrDefault(f => f.Item2?.Contains('\0', StringComparison.Ordinal) == true).Item1 ?? FieldWithNul(payload, "payload");
        if (field is not null)
        {
            // PostgreSQL text cannot hold U+0000: such an event could never be stored, so it is refused here on both engines alike.
            error = $"{field} contains a NUL character (\\u0000), which is not allowed in any field.";
            return false;
        }

        mapped = new TelemetryEvent(id, time, source, type, traceId, taskId, payload);
        error = null;
        return true;
    }

    /// <summary>The path of the first key or string inside <paramref name="node"/> that holds a NUL character, or null.</summary>
    private static string? FieldWithNul(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key.Contains('\0', StringComparison.Ordinal))
                    {
                        return path;
                    }

                    if (FieldWithNul(value, path + "." + key) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (FieldWithNul(array[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return value.GetValue<string>().Contains('\0', StringComparison.Ordinal) ? path : null;
            default:
                return null;
        }
    }

    private static bool IsTypeCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or ':';

    private static string? Text(JsonObject json, string key) =>
        json[key] is JsonValue value && value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number
            ? value.ToString()
            : null;

    private static bool TryTime(JsonNode? node, DateTimeOffset now, out DateTimeOffset time)
    {
        time = now;
        if (node is not JsonValue value)
        {
            return node is null;
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
            case JsonValueKind.Number:
                var seconds = value.GetValue<double>();
                if (seconds is < 0 or > 32_503_680_000)
                {
                    return false;
                }

                time = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
                return true;
            default:
                return false;
        }
    }
}
