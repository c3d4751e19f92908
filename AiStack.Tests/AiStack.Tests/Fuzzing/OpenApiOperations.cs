using System.Text.Json.Nodes;

namespace AiStack.Tests.Fuzzing;

/// <summary>One operation of a service's OpenAPI document, as the fuzzer needs it.</summary>
public sealed record FuzzOperation(string Method, string PathTemplate, IReadOnlyList<FuzzParameter> Parameters, JsonObject? BodySchema)
{
    public bool Writes => Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public override string ToString() => $"{Method} {PathTemplate}";
}

public sealed record FuzzParameter(string Name, string In, JsonObject Schema, bool Required);

/// <summary>Reads the operations of an OpenAPI 3.x document (JSON), with every <c>$ref</c> to a component schema resolved.</summary>
public sealed class OpenApiOperations
{
    private readonly JsonObject _schemas;

    private OpenApiOperations(JsonObject document)
    {
        _schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        var operations = new List<FuzzOperation>();
        foreach (var (path, item) in document["paths"]?.AsObject() ?? [])
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation is not JsonObject op || method is "parameters" or "summary" or "description")
                {
                    continue;
                }

                var parameters = (op["parameters"]?.AsArray() ?? [])
                    .Select(p => p!.AsObject())
                    .Select(p => new FuzzParameter(p["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), Resolve(p["schema"] as JsonObject) ?? [],
                        p["required"]?.GetValue<bool>() ?? false))
                    .ToList();
                var body = op["requestBody"]?["content"]?.AsObject().FirstOrDefault(c => c.Key.Contains("json", StringComparison.Ordinal)).Value?["schema"] as JsonObject;
                operations.Add(new FuzzOperation(method.ToUpperInvariant(), path, parameters, Resolve(body)));
            }
        }

        Operations = operations;
    }

    public IReadOnlyList<FuzzOperation> Operations { get; }

    public static OpenApiOperations Parse(string json) => new(JsonNode.Parse(json)!.AsObject());

    /// <summary>The schema with its <c>$ref</c> (and one level of <c>allOf</c>/<c>oneOf</c>/<c>anyOf</c>) replaced by the component.</summary>
    public JsonObject? Resolve(JsonObject? schema, int depth = 0)
    {
        if (schema is null || depth > 8)
        {
            return schema;
        }

        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var name = reference[(reference.LastIndexOf('/') + 1)..];
            return Resolve(_schemas[name] as JsonObject, depth + 1);
        }

        foreach (var combinator in (string[])["allOf", "oneOf", "anyOf"])
        {
            if (schema[combinator] is JsonArray options && options.OfType<JsonObject>().FirstOrDefault(o => TypeOf(Resolve(o, depth + 1)) != "null") is { } first)
            {
                return Resolve(first, depth + 1);
            }
        }

        return schema;
    }

    /// <summary>The schema's type, ignoring <c>null</c> in a type list (OpenAPI 3.1 writes nullable as <c>["null", "string"]</c>).</summary>
    public static string? TypeOf(JsonObject? schema) => schema?["type"] switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null") ?? "null",
        _ => schema?["properties"] is not null ? "object" : null,
    };
}
