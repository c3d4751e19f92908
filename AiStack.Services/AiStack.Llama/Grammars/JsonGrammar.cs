using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AiStack.Llama.Grammars;

/// <summary>
/// GBNF grammars (llama.cpp's grammar format, enforced token by token by LLamaSharp's grammar sampler) for JSON output:
/// any JSON object (response_format json_object), a JSON schema (response_format json_schema), and tool calls. Whitespace is
/// at most one space between tokens, so a model cannot spend its token budget on blanks.
/// </summary>
public static class JsonGrammar
{
    private const string Primitives = """
        ws ::= [ ]?
        char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])
        string ::= "\"" char* "\"" ws
        integer ::= "-"? ("0" | [1-9] [0-9]{0,15}) ws
        number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,15})? ([eE] [-+]? [0-9]{1,3})? ws
        boolean ::= ("true" | "false") ws
        null ::= "null" ws
        value ::= object | array | string | number | boolean | null
        object ::= "{" ws (string ":" ws value ("," ws string ":" ws value)*)? "}" ws
        array ::= "[" ws (value ("," ws value)*)? "]" ws

        """;

    /// <summary>Any JSON object (OpenAI's response_format json_object).</summary>
    public static string AnyObject { get; } = "root ::= object\n" + Primitives;

    /// <summary>JSON that validates against <paramref name="schema"/> (the subset below; other keywords are refused).</summary>
    /// <exception cref="ArgumentException">The schema uses a keyword the converter cannot enforce; the message names it.</exception>
    public static string FromSchema(JsonElement schema)
    {
        var builder = new SchemaGrammarBuilder(schema);
        var root = builder.Rule(schema, "root-value");
        return builder.Build($"root ::= {root}");
    }

    /// <summary>
    /// A call of one of <paramref name="tools"/> as <c>{"name": "...", "arguments": {...}}</c>, the arguments fitting that
    /// tool's parameter schema; <paramref name="prefix"/>/<paramref name="suffix"/> wrap it (e.g. &lt;tool_call&gt; tags).
    /// </summary>
    public static string ToolCall(IReadOnlyList<(string Name, JsonElement Parameters)> tools, string prefix = "", string suffix = "")
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentOutOfRangeException.ThrowIfZero(tools.Count);
        var alternatives = new List<string>();
        var rules = new StringBuilder();
        SchemaGrammarBuilder? shared = null;
        for (var i = 0; i < tools.Count; i++)
        {
            var (name, parameters) = tools[i];
            shared ??= new SchemaGrammarBuilder(parameters);
            shared.SetDocument(parameters);
            var arguments = parameters.ValueKind == JsonValueKind.Object ? shared.Rule(parameters, $"tool{i}-args") : "object";
            alternatives.Add($"{Literal(JsonSerializer.Serialize(name))} ws \",\" ws {Literal("\"arguments\"")} ws \":\" ws {arguments}");
        }

        var root = $"root ::= {Literal(prefix)} \"{{\" ws {Literal("\"name\"")} ws \":\" ws ({string.Join(" | ", alternatives)}) \"}}\" {Literal(suffix)}";
        return shared!.Build(root);
    }

    /// <summary>A GBNF string literal.</summary>
    internal static string Literal(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }

    private sealed class SchemaGrammarBuilder(JsonElement document)
    {
        private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
        {
            "type", "properties", "required", "items", "enum", "const", "anyOf", "oneOf", "minItems", "maxItems", "minLength",
            "maxLength", "$ref", "$defs", "definitions", "description", "title", "default", "examples", "format", "$schema",
            "$id", "additionalProperties", "strict", "nullable", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        };

        private readonly List<string> _rules = [];
        private readonly Dictionary<string, string> _refs = new(StringComparer.Ordinal);
        private JsonElement _document = document;
        private int _count;

        public void SetDocument(JsonElement value) => _document = value;

        public string Build(string root) => root + "\n" + string.Join("\n", _rules) + "\n" + Primitives;

        /// <summary>The name of a rule matching <paramref name="schema"/> (a primitive rule, or a new one).</summary>
        public string Rule(JsonElement schema, string hint)
        {
            if (schema.ValueKind == JsonValueKind.True || (schema.ValueKind == JsonValueKind.Object && !schema.EnumerateObject().Any()))
            {
                return "value";
            }

            if (schema.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"JSON schema at '{hint}': a schema must be an object or true.");
            }

            foreach (var keyword in schema.EnumerateObject())
            {
                if (!Ignored.Contains(keyword.Name))
                {
                    throw new ArgumentException($"JSON schema keyword '{keyword.Name}' (at '{hint}') cannot be enforced on the local model; remove it or use a remote model.");
                }
            }

            if (schema.TryGetProperty("$ref", out var reference))
            {
                return Reference(reference.GetString() ?? string.Empty, hint);
            }

            if (schema.TryGetProperty("const", out var constant))
            {
                return Define(hint, Literal(constant.GetRawText()) + " ws");
            }

            if (schema.TryGetProperty("enum", out var values))
            {
                return Define(hint, "(" + string.Join(" | ", values.EnumerateArray().Select(v => Literal(v.GetRawText()))) + ") ws");
            }

            if (schema.TryGetProperty("anyOf", out var anyOf) || schema.TryGetProperty("oneOf", out anyOf))
            {
                return Define(hint, string.Join(" | ", anyOf.EnumerateArray().Select((s, i) => Rule(s, $"{hint}-{i}"))));
            }

            if (!schema.TryGetProperty("type", out var type))
            {
                return schema.TryGetProperty("properties", out _) ? ObjectRule(schema, hint) : "value";
            }

            if (type.ValueKind == JsonValueKind.Array)
            {
                return Define(hint, string.Join(" | ", type.EnumerateArray().Select(t => TypeRule(schema, t.GetString(), $"{hint}-{t.GetString()}"))));
            }

            return TypeRule(schema, type.GetString(), hint);
        }

        private string TypeRule(JsonElement schema, string? type, string hint) => type switch
        {
            "object" => ObjectRule(schema, hint),
            "array" => ArrayRule(schema, hint),
            "string" => StringRule(schema, hint),
            "integer" => "integer",
            "number" => "number",
            "boolean" => "boolean",
            "null" => "null",
            _ => throw new ArgumentException($"JSON schema type '{type}' (at '{hint}') is not a JSON type."),
        };

        private string ObjectRule(JsonElement schema, string hint)
        {
            if (!schema.TryGetProperty("properties", out var properties) || !properties.EnumerateObject().Any())
            {
                return "object";
            }

            var required = schema.TryGetProperty("required", out var list)
                ? list.EnumerateArray().Select(r => r.GetString()!).ToHashSet(StringComparer.Ordinal)
                : [];
            var members = properties.EnumerateObject()
                .Select(p => (Required: required.Contains(p.Name), Text: $"{Literal(JsonSerializer.Serialize(p.Name))} ws \":\" ws {Rule(p.Value, $"{hint}-{Sanitize(p.Name)}")}"))
                .ToList();
            // Required members first (in declaration order), then each optional one may follow, in order.
            var mandatory = members.Where(m => m.Required).Select(m => m.Text).ToList();
            var optional = members.Where(m => !m.Required).Select(m => m.Text).ToList();
            string body;
            if (mandatory.Count > 0)
            {
                body = string.Join(" \",\" ws ", mandatory) + string.Concat(optional.Select(o => $" (\",\" ws {o})?"));
            }
            else
            {
                var chains = optional.Select((o, i) => o + string.Concat(optional.Skip(i + 1).Select(n => $" (\",\" ws {n})?")));
                body = "(" + string.Join(" | ", chains) + ")?";
            }

            return Define(hint, $"\"{{\" ws {body} \"}}\" ws");
        }

        private string ArrayRule(JsonElement schema, string hint)
        {
            var item = schema.TryGetProperty("items", out var items) ? Rule(items, $"{hint}-item") : "value";
            var min = schema.TryGetProperty("minItems", out var minItems) ? minItems.GetInt32() : 0;
            int? max = schema.TryGetProperty("maxItems", out var maxItems) ? maxItems.GetInt32() : null;
            if (max is 0)
            {
                return Define(hint, "\"[\" ws \"]\" ws");
            }

            var rest = max is { } m ? $"(\",\" ws {item}){{{Math.Max(min - 1, 0)},{m - 1}}}" : min > 1 ? $"(\",\" ws {item}){{{min - 1},}}" : $"(\",\" ws {item})*";
            var content = $"{item} {rest}";
            return Define(hint, min > 0 ? $"\"[\" ws {content} \"]\" ws" : $"\"[\" ws ({content})? \"]\" ws");
        }

        private string StringRule(JsonElement schema, string hint)
        {
            var min = schema.TryGetProperty("minLength", out var minLength) ? minLength.GetInt32() : 0;
            int? max = schema.TryGetProperty("maxLength", out var maxLength) ? maxLength.GetInt32() : null;
            if (min == 0 && max is null)
            {
                return "string";
            }

            return Define(hint, $"\"\\\"\" char{{{min},{max?.ToString(CultureInfo.InvariantCulture)}}} \"\\\"\" ws");
        }

        private string Reference(string reference, string hint)
        {
            if (_refs.TryGetValue(reference, out var known))
            {
                return known;
            }

            var parts = reference.Split('/');
            if (parts.Length != 3 || parts[0] != "#" || parts[1] is not ("$defs" or "definitions")
                || !_document.TryGetProperty(parts[1], out var definitions) || !definitions.TryGetProperty(parts[2], out var target))
            {
                throw new ArgumentException($"JSON schema $ref '{reference}' (at '{hint}') does not name an entry of #/$defs or #/definitions.");
            }

            // Named before it is built, so recursive schemas refer to themselves.
            var name = $"ref-{Sanitize(parts[2])}-{_count++}";
            _refs[reference] = name;
            var body = Rule(target, name + "-body");
            _rules.Add($"{name} ::= {body}");
            return name;
        }

        private string Define(string hint, string body)
        {
            var name = $"{Sanitize(hint)}-{_count++}";
            _rules.Add($"{name} ::= {body}");
            return name;
        }

        private static string Sanitize(string text)
        {
            var clean = new string(text.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
            return clean.Length == 0 ? "x" : clean;
        }
    }
}
