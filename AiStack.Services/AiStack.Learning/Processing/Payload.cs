using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;

namespace AiStack.Learning.Processing;

/// <summary>
/// Reads event payload fields under the several names services and the original used (<c>output</c>, <c>final_output</c>,
/// <c>task.output</c> ...). A dotted name reads a nested object.
/// </summary>
public static class Payload
{
    public static string? Text(JsonObject payload, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            if (Find(payload, name) is JsonValue value)
            {
                var text = value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
                    _ => null,
                };
                if (!string.IsNullOrEmpty(text))
                {
                    return text;
                }
            }
        }

        return null;
    }

    /// <summary>The text, unless it is a privacy hash ("sha256:..."), which carries nothing to learn from.</summary>
    public static string? Learnable(string? text) => ContentHash.IsHash(text) ? null : text;

    public static double? Number(JsonObject payload, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            if (Find(payload, name) is JsonValue value)
            {
                switch (value.GetValueKind())
                {
                    case JsonValueKind.Number:
                        return value.GetValue<double>();
                    case JsonValueKind.String when double.TryParse(value.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                        return parsed;
                    case JsonValueKind.True:
                        return 1;
                    case JsonValueKind.False:
                        return 0;
                }
            }
        }

        return null;
    }

    public static int? Int(JsonObject payload, params string[] names) => Number(payload, names) is { } number ? (int)number : null;

    public static IReadOnlyList<string> Strings(JsonObject payload, string name) =>
        Find(payload, name) switch
        {
            JsonArray array => array.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()).ToList(),
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            _ => [],
        };

    private static JsonNode? Find(JsonObject payload, string name)
    {
        JsonNode? node = payload;
        foreach (var part in name.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node;
    }
}
