using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace AiStack.Tests.Fuzzing;

/// <summary>One generated request: what kind of bad input it carries and how to build it (a message can be sent once).</summary>
public sealed record FuzzCase(FuzzOperation Operation, string Kind, string PathAndQuery, byte[]? Body, string? ContentType, bool ValidLooking = false)
{
    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Operation.Method), new Uri(PathAndQuery, UriKind.Relative));
        // As curl does for large bodies: the server can refuse one (413) before it is sent, instead of closing the connection
        // under a client that is still writing it.
        request.Headers.ExpectContinue = Body is { Length: > 4 * 1024 * 1024 };
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        return request;
    }

    public override string ToString() => $"{Operation} [{Kind}] {PathAndQuery[..Math.Min(PathAndQuery.Length, 160)]}";
}

/// <summary>
/// Generates bad input for an operation from its OpenAPI schema, deterministically for a seed: wrong types, nulls, huge, negative
/// and overflowing numbers, empty, huge, control-character, NUL and lone-surrogate strings, invalid UTF-8, deep nesting, path
/// traversal in path and query parameters, wrong content types, truncated JSON, and a few valid-looking requests.
/// </summary>
public sealed class BadInputGenerator(int seed, IReadOnlyDictionary<string, JsonNode?> knownGood)
{
    private const string Marker = "@@FUZZ@@";
    private const string Json = "application/json";

    private static readonly string HugeString = "\"" + new string('a', 250_000) + "\"";
    private static readonly string HugerString = "\"" + string.Concat(Enumerable.Repeat("fuzz ", 220_000)) + "\"";

    /// <summary>JSON tokens put where a field's value goes.</summary>
    private static readonly (string Kind, string Token)[] BadValues =
    [
        ("null", "null"), ("wrong-type:string", "\"not the right type\""), ("wrong-type:number", "123"), ("wrong-type:bool", "true"),
        ("wrong-type:array", "[1,\"a\",null]"), ("wrong-type:object", "{\"a\":{\"b\":1}}"), ("empty-array", "[]"), ("empty-object", "{}"),
        ("negative", "-1"), ("zero", "0"), ("fraction", "1.5"), ("int-overflow", "2147483648"), ("int-underflow", "-2147483649"),
        ("long-overflow", "9223372036854775808"), ("long-underflow", "-9223372036854775809"), ("huge-number", "1e400"), ("huge-negative", "-1e400"),
        ("tiny-number", "1e-400"), ("many-digits", "123456789012345678901234567890123456789"),
        ("empty-string", "\"\""), ("blank-string", "\"   \""), ("nul", "\"\\u0000\""), ("embedded-nul", "\"a\\u0000b\""),
        ("control-chars", "\"\\u0001\\u0002\\u001b[31m\\u007f\\r\\n\""), ("lone-surrogate", "\"\\ud800\""), ("reversed-surrogates", "\"\\udc00\\ud800x\""),
        ("bidi-bom", "\"\\u202e\\ufeffabc\""), ("path-traversal", "\"../../../../etc/passwd\""), ("absolute-path", "\"/etc/passwd\""),
        ("sql", "\"'; DROP TABLE tasks; --\""), ("markup", "\"<script>alert(1)</script>\""), ("huge-string", HugeString), ("huger-string", HugerString),
        ("deep-array", new string('[', 200) + new string(']', 200)), ("deep-object", string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200)),
        ("many-items", "[" + string.Join(",", Enumerable.Repeat("\"x\"", 20_000)) + "]"),
        ("nan", "NaN"), ("infinity", "Infinity"), ("single-quoted", "'text'"), ("hex", "0x10"), ("leading-zero", "01"),
    ];

    /// <summary>Values for path and query parameters, already percent-encoded where they need it.</summary>
    private static readonly (string Kind, string Value)[] BadParameters =
    [
        ("empty", ""), ("blank", "%20%20"), ("negative", "-1"), ("zero", "0"), ("fraction", "1.5"), ("int-overflow", "2147483648"),
        ("long-overflow", "9223372036854775808"), ("huge-number", "1e400"), ("wrong-type", "not-a-number"), ("bool-junk", "yes%00"),
        ("nul", "%00"), ("control-chars", "%01%1B%7F"), ("invalid-utf8", "%FF%FE%C0%AF"), ("encoded-surrogate", "%ED%A0%80"),
        ("path-traversal", "..%2F..%2F..%2F..%2Fetc%2Fpasswd"), ("dot-dot", ".."), ("backslash-traversal", "..%5C..%5Cwindows"),
        ("absolute-path", "%2Fetc%2Fpasswd"), ("sql", "%27%3B%20DROP%20TABLE%20tasks%3B--"), ("huge", new string('x', 6_000)),
        ("unicode", "%E2%80%AE%EF%BB%BF"), ("spaces", "a%20b%09c"), ("query-injection", "1%26limit%3D-1"),
    ];

    private readonly Random _random = new(seed);
    private OpenApiOperations? _document;

    public IReadOnlyList<FuzzCase> For(FuzzOperation operation, OpenApiOperations document, int maxCases)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(document);
        _document = document;
        var cases = new List<FuzzCase>();
        cases.AddRange(ParameterCases(operation));
        if (operation.BodySchema is not null)
        {
            cases.AddRange(BodyCases(operation, document));
        }
        else
        {
            cases.AddRange(NoBodyCases(operation));
        }

        // Valid-looking requests always go; the rest is sampled to the budget, with the seed deciding.
        var valid = cases.Where(c => c.ValidLooking).ToList();
        var bad = cases.Where(c => !c.ValidLooking).OrderBy(_ => _random.Next()).Take(Math.Max(0, maxCases - valid.Count));
        return [.. bad, .. valid];
    }

    private IEnumerable<FuzzCase> ParameterCases(FuzzOperation operation)
    {
        var pathParameters = operation.Parameters.Where(p => p.In == "path").ToList();
        var queryParameters = operation.Parameters.Where(p => p.In == "query").ToList();
        var body = operation.BodySchema is null ? null : Encoding.UTF8.GetBytes(ValidBody(operation.BodySchema));
        var contentType = body is null ? null : Json;

        foreach (var target in pathParameters)
        {
            foreach (var (kind, value) in BadParameters)
            {
                var path = BuildPath(operation, pathParameters.ToDictionary(p => p.Name, p => p == target ? value : ValidParameter(p)));
                yield return new FuzzCase(operation, "path:" + target.Name + ":" + kind, path, body, contentType);
            }
        }

        var validPath = BuildPath(operation, pathParameters.ToDictionary(p => p.Name, ValidParameter));
        foreach (var target in queryParameters)
        {
            foreach (var (kind, value) in BadParameters)
            {
                yield return new FuzzCase(operation, "query:" + target.Name + ":" + kind, validPath + "?" + target.Name + "=" + value, body, contentType);
            }

            yield return new FuzzCase(operation, "query:" + target.Name + ":repeated", $"{validPath}?{target.Name}=1&{target.Name}=2", body, contentType);
        }

        if (queryParameters.Count > 0)
        {
            yield return new FuzzCase(operation, "query:unknown-and-odd-names", validPath + "?%00=1&..%2F=2&%FF=3&=4&&", body, contentType);
            var all = string.Join("&", queryParameters.Select(p => p.Name + "=" + ValidParameter(p)));
            yield return new FuzzCase(operation, "query:valid-looking", validPath + "?" + all, body, contentType, ValidLooking: true);
        }
        else if (operation.BodySchema is null)
        {
            yield return new FuzzCase(operation, "valid-looking", validPath, null, null, ValidLooking: true);
        }
    }

    private IEnumerable<FuzzCase> NoBodyCases(FuzzOperation operation)
    {
        var path = ValidPath(operation);
        yield return new FuzzCase(operation, "unexpected-json-body", path, Encoding.UTF8.GetBytes("{\"a\":1}"), Json);
        yield return new FuzzCase(operation, "unexpected-text-body", path, Encoding.UTF8.GetBytes("hello"), "text/plain");
        yield return new FuzzCase(operation, "unexpected-binary-body", path, [0xFF, 0xFE, 0x00, 0x01], "application/octet-stream");
        yield return new FuzzCase(operation, "unknown-query", path + "?limit=-1&offset=1e400&%00=%FF", null, null);
    }

    private IEnumerable<FuzzCase> BodyCases(FuzzOperation operation, OpenApiOperations document)
    {
        var path = ValidPath(operation);
        var schema = operation.BodySchema!;
        var valid = ValidBody(schema);
        yield return new FuzzCase(operation, "body:valid-looking", path, Encoding.UTF8.GetBytes(valid), Json, ValidLooking: true);

        foreach (var (field, fieldSchema) in FieldPaths(schema, document))
        {
            foreach (var (kind, token) in BadValues.Concat(JustOutside(fieldSchema)))
            {
                yield return new FuzzCase(operation, $"field:{string.Join('.', field)}:{kind}", path, Encoding.UTF8.GetBytes(WithValue(schema, field, token)), Json);
            }

            yield return new FuzzCase(operation, $"field:{string.Join('.', field)}:missing", path, Encoding.UTF8.GetBytes(Without(schema, field)), Json);
        }

        foreach (var (kind, token) in BadValues.Where(v => v.Kind is "null" or "wrong-type:string" or "wrong-type:number" or "wrong-type:array" or "deep-array" or "huge-number" or "nan"))
        {
            yield return new FuzzCase(operation, "body:" + kind, path, Encoding.UTF8.GetBytes(token), Json);
        }

        var bytes = Encoding.UTF8.GetBytes(valid);
        yield return new FuzzCase(operation, "body:empty", path, [], Json);
        yield return new FuzzCase(operation, "body:whitespace", path, "  \n "u8.ToArray(), Json);
        yield return new FuzzCase(operation, "body:none", path, null, null);
        yield return new FuzzCase(operation, "body:empty-object", path, "{}"u8.ToArray(), Json);
        for (var i = 0; i < 3; i++)
        {
            yield return new FuzzCase(operation, "body:truncated", path, bytes[..Math.Max(1, _random.Next(bytes.Length))], Json);
        }

        yield return new FuzzCase(operation, "body:deep-nesting", path, Encoding.UTF8.GetBytes(new string('[', 20_000)), Json);
        // One byte past the stack's default body limit (4 MiB): a readable 413, or 400 where an endpoint allows more.
        yield return new FuzzCase(operation, "body:over-size-limit", path, Encoding.UTF8.GetBytes("{\"a\":\"" + new string('a', 4 * 1024 * 1024) + "\"}"), Json);
        yield return new FuzzCase(operation, "body:trailing-garbage", path, Encoding.UTF8.GetBytes(valid + "}{]"), Json);
        yield return new FuzzCase(operation, "body:duplicate-keys", path, Encoding.UTF8.GetBytes(Duplicated(valid)), Json);
        yield return new FuzzCase(operation, "body:unknown-fields", path, Encoding.UTF8.GetBytes(valid.Insert(1, "\"zz_unknown\":[1,{\"x\":null}],")), Json);
        yield return new FuzzCase(operation, "body:bom", path, [0xEF, 0xBB, 0xBF, .. bytes], Json);
        yield return new FuzzCase(operation, "body:invalid-utf8", path, InvalidUtf8(valid, [0xFF, 0xFE]), Json);
        yield return new FuzzCase(operation, "body:overlong-utf8", path, InvalidUtf8(valid, [0xC0, 0xAF]), Json);
        yield return new FuzzCase(operation, "body:utf8-surrogate", path, InvalidUtf8(valid, [0xED, 0xA0, 0x80]), Json);
        yield return new FuzzCase(operation, "body:nul-bytes", path, [.. bytes, 0, 0], Json);
        yield return new FuzzCase(operation, "content-type:text", path, bytes, "text/plain");
        yield return new FuzzCase(operation, "content-type:form", path, "a=1&b=2"u8.ToArray(), "application/x-www-form-urlencoded");
        yield return new FuzzCase(operation, "content-type:xml", path, "<a>1</a>"u8.ToArray(), "application/xml");
        yield return new FuzzCase(operation, "content-type:multipart", path, "--x\r\n\r\n--x--"u8.ToArray(), "multipart/form-data; boundary=x");
        yield return new FuzzCase(operation, "content-type:none", path, bytes, null);
        yield return new FuzzCase(operation, "content-type:garbage", path, bytes, ";;;=/=");
        yield return new FuzzCase(operation, "content-type:utf16-charset", path, Encoding.Unicode.GetBytes(valid), "application/json; charset=utf-16");
        yield return new FuzzCase(operation, "content-type:unknown-charset", path, bytes, "application/json; charset=x-fuzz");
    }

    private string ValidPath(FuzzOperation operation) =>
        BuildPath(operation, operation.Parameters.Where(p => p.In == "path").ToDictionary(p => p.Name, ValidParameter));

    private static string BuildPath(FuzzOperation operation, Dictionary<string, string> values)
    {
        var path = operation.PathTemplate;
        foreach (var (name, value) in values)
        {
            path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return path;
    }

    private static string ValidParameter(FuzzParameter parameter) => OpenApiOperations.TypeOf(parameter.Schema) switch
    {
        "integer" or "number" => "1",
        "boolean" => "true",
        _ => parameter.Schema["enum"] is JsonArray { Count: > 0 } values ? Uri.EscapeDataString(values[0]!.ToString()) : "fuzz-" + parameter.Name,
    };

    /// <summary>Values one step past the limits the schema declares (maxLength, maxItems, minimum, maximum).</summary>
    private static IEnumerable<(string Kind, string Token)> JustOutside(JsonObject? schema)
    {
        if (Number(schema?["maxLength"]) is { } maxLength and < 5_000_000)
        {
            yield return ("max-length+1", "\"" + new string('a', (int)maxLength + 1) + "\"");
        }

        if (Number(schema?["maxItems"]) is { } maxItems and < 100_000)
        {
            yield return ("max-items+1", "[" + string.Join(",", Enumerable.Repeat("\"x\"", (int)maxItems + 1)) + "]");
        }

        if (Number(schema?["maximum"]) is { } maximum)
        {
            yield return ("maximum+1", (maximum + 1).ToString("R", CultureInfo.InvariantCulture));
        }

        if (Number(schema?["minimum"]) is { } minimum)
        {
            yield return ("minimum-1", (minimum - 1).ToString("R", CultureInfo.InvariantCulture));
        }
    }

    private static double? Number(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<double>(out var number) => number,
        JsonValue value when value.TryGetValue<string>(out var text) && double.TryParse(text, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    /// <summary>The fields a mutation may replace, with their schemas: every property, and the properties of object-valued properties.</summary>
    private static List<(string[] Path, JsonObject? Schema)> FieldPaths(JsonObject schema, OpenApiOperations document)
    {
        var paths = new List<(string[], JsonObject?)>();
        foreach (var (name, property) in Properties(schema))
        {
            var resolved = document.Resolve(property);
            paths.Add(([name], resolved));
            if (OpenApiOperations.TypeOf(resolved) == "object")
            {
                paths.AddRange(Properties(resolved!).Select(inner => (new[] { name, inner.Key }, document.Resolve(inner.Schema))));
            }
            else if (OpenApiOperations.TypeOf(resolved) == "array" && document.Resolve(resolved!["items"] as JsonObject) is { } items)
            {
                paths.Add(([name, "0"], items));
                if (OpenApiOperations.TypeOf(items) == "object")
                {
                    paths.AddRange(Properties(items).Select(inner => (new[] { name, "0", inner.Key }, document.Resolve(inner.Schema))));
                }
            }
        }

        return paths;
    }

    private static IEnumerable<(string Key, JsonObject Schema)> Properties(JsonObject schema) =>
        (schema["properties"]?.AsObject() ?? []).Select(p => (p.Key, p.Value as JsonObject ?? []));

    private string ValidBody(JsonObject schema) => ValidValue(schema, 0)!.ToJsonString();

    private JsonNode? ValidValue(JsonObject? schema, int depth)
    {
        schema = _document?.Resolve(schema);
        if (schema is null)
        {
            return null;
        }

        if (schema["enum"] is JsonArray { Count: > 0 } values)
        {
            return values[0]?.DeepClone();
        }

        switch (OpenApiOperations.TypeOf(schema))
        {
            case "integer":
                return schema["minimum"] is JsonValue min && min.TryGetValue<double>(out var minimum) ? (long)Math.Max(minimum, 1) : 1;
            case "number":
                return 0.5;
            case "boolean":
                return false;
            case "array":
                return depth > 3 ? new JsonArray() : new JsonArray(ValidValue(schema["items"] as JsonObject, depth + 1));
            case "object":
            {
                var value = new JsonObject();
                if (depth > 3)
                {
                    return value;
                }

                foreach (var (name, property) in Properties(schema))
                {
                    value[name] = knownGood.TryGetValue(name, out var good) ? good?.DeepClone() : ValidValue(property, depth + 1);
                }

                if (value.Count == 0 && schema["additionalProperties"] is not null)
                {
                    value["key"] = "value";
                }

                return value;
            }

            case "string":
                return _random.Next(4) == 0 ? "fuzz text " + _random.Next(1000).ToString(CultureInfo.InvariantCulture) : "fuzz";
            default:
                // Untyped (a JsonElement or JsonNode on the record): absent is the one value every such field accepts.
                return null;
        }
    }

    private string WithValue(JsonObject schema, string[] field, string token)
    {
        var body = ValidValue(schema, 0)!;
        Navigate(body, field, (parent, key) =>
        {
            if (parent is JsonObject o)
            {
                o[key] = Marker;
            }
            else if (parent is JsonArray { Count: > 0 } array)
            {
                array[0] = Marker;
            }
        });
        return body.ToJsonString().Replace("\"" + Marker + "\"", token, StringComparison.Ordinal);
    }

    private string Without(JsonObject schema, string[] field)
    {
        var body = ValidValue(schema, 0)!;
        Navigate(body, field, (parent, key) =>
        {
            if (parent is JsonObject o)
            {
                o.Remove(key);
            }
            else if (parent is JsonArray { Count: > 0 } array)
            {
                array.RemoveAt(0);
            }
        });
        return body.ToJsonString();
    }

    private static void Navigate(JsonNode root, string[] field, Action<JsonNode, string> apply)
    {
        var node = root;
        for (var i = 0; i < field.Length - 1 && node is not null; i++)
        {
            node = node is JsonArray array ? (array.Count > 0 ? array[0] : null) : node[field[i]];
        }

        if (node is not null)
        {
            apply(node, field[^1]);
        }
    }

    private static string Duplicated(string valid) =>
        valid.Length > 2 && valid[0] == '{' && valid.IndexOf(',', StringComparison.Ordinal) is > 0 and var comma
            ? "{" + valid[1..comma] + "," + valid[1..]
            : valid;

    /// <summary>The valid body with bytes that are not UTF-8 inside its first string value.</summary>
    private static byte[] InvalidUtf8(string valid, byte[] bad)
    {
        var bytes = Encoding.UTF8.GetBytes(valid).ToList();
        var quote = valid.IndexOf(":\"", StringComparison.Ordinal);
        var at = quote < 0 ? 1 : Encoding.UTF8.GetByteCount(valid[..(quote + 2)]);
        if (quote < 0)
        {
            bad = [(byte)'"', .. bad, (byte)'"', (byte)':', (byte)'1', (byte)','];
        }

        bytes.InsertRange(Math.Min(at, bytes.Count), bad);
        return [.. bytes];
    }
}
