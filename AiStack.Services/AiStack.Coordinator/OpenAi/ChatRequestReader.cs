using System.Text.Json;
using AiStack.Contracts.Coordinator;
using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.OpenAi;

/// <summary>A chat completions request that could not be mapped: the HTTP status, OpenAI's code, the message and the field.</summary>
public sealed record RequestRefusal(int Status, string Code, string Message, string? Param);

/// <summary>
/// Maps an OpenAI chat completions request onto Microsoft.Extensions.AI messages and <see cref="ChatOptions"/>: text, tool
/// calls and tool results; tools, tool_choice and response_format as ChatOptions, which both backends honour. Whatever the
/// stack cannot do is refused by name, never dropped.
/// </summary>
public static class ChatRequestReader
{
    public static RequestRefusal? Unsupported(IReadOnlyDictionary<string, JsonElement>? extra, string prefix = "")
    {
        // An explicit null or false asks for nothing, so it is no reason to refuse.
        var field = extra?.FirstOrDefault(p => p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.False or JsonValueKind.Undefined)).Key;
        return field is null ? null : Invalid($"'{prefix}{field}' is not supported by AiStack's OpenAI-compatible API; remove it.", prefix + field, "unsupported_parameter");
    }

    public static RequestRefusal? ReadMessages(IReadOnlyList<WireMessage>? wire, out List<ChatMessage> messages)
    {
        messages = [];
        if (wire is not { Count: > 0 })
        {
            return Invalid("messages is required and must hold at least one message.", "messages");
        }

        if (wire.Count > CoordinatorLimits.MaxChatMessages)
        {
            return Invalid($"At most {CoordinatorLimits.MaxChatMessages} messages are accepted.", "messages");
        }

        var total = 0;
        for (var i = 0; i < wire.Count; i++)
        {
            var message = wire[i];
            var at = $"messages[{i}]";
            if (message is null)
            {
                return Invalid($"{at} must be a message object.", at);
            }

            if (Unsupported(message.Unsupported, at + ".") is { } refusal)
            {
                return refusal;
            }

            ChatRole? role = message.Role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                _ => null,
            };
            if (role is not { } known)
            {
                return Invalid($"{at}.role must be system, developer, user, assistant or tool.", at + ".role");
            }

            if (ReadText(message.Content, at, allowMissing: known == ChatRole.Assistant && message.ToolCalls is { Count: > 0 }, out var text) is { } badContent)
            {
                return badContent;
            }

            total += text.Length;
            var contents = new List<AIContent>();
            if (known == ChatRole.Tool)
            {
                if (string.IsNullOrWhiteSpace(message.ToolCallId))
                {
                    return Invalid($"{at}.tool_call_id is required for a tool message.", at + ".tool_call_id");
                }

                contents.Add(new FunctionResultContent(message.ToolCallId, text));
            }
            else if (text.Length > 0 || message.ToolCalls is not { Count: > 0 })
            {
                contents.Add(new TextContent(text));
            }

            if (message.ToolCalls is { Count: > 0 } calls)
            {
                if (known != ChatRole.Assistant)
                {
                    return Invalid($"{at}.tool_calls is only allowed on assistant messages.", at + ".tool_calls");
                }

                for (var j = 0; j < calls.Count; j++)
                {
                    if (ReadToolCall(calls[j], $"{at}.tool_calls[{j}]", out var call) is { } badCall)
                    {
                        return badCall;
                    }

                    total += calls[j].Function?.Arguments?.Length ?? 0;
                    contents.Add(call!);
                }
            }

            messages.Add(new ChatMessage(known, contents) { AuthorName = message.Name });
        }

        return total > CoordinatorLimits.MaxChatChars
            ? Invalid($"The messages hold {total} characters; the limit is {CoordinatorLimits.MaxChatChars}.", "messages")
            : null;
    }

    public static RequestRefusal? ReadTools(IReadOnlyList<WireTool>? wire, JsonElement? choice, ChatOptions options)
    {
        if (wire is { Count: > 0 })
        {
            options.Tools = [];
            for (var i = 0; i < wire.Count; i++)
            {
                var tool = wire[i];
                if (tool is null)
                {
                    return Invalid($"tools[{i}] must be a tool object.", $"tools[{i}]");
                }

                if (tool.Type != "function")
                {
                    return Invalid($"tools[{i}].type must be 'function'; other tool types are not supported.", $"tools[{i}].type", "unsupported_parameter");
                }

                if (string.IsNullOrWhiteSpace(tool.Function?.Name))
                {
                    return Invalid($"tools[{i}].function.name is required.", $"tools[{i}].function.name");
                }

                var parameters = tool.Function.Parameters is { ValueKind: JsonValueKind.Object } schema
                    ? schema
                    : JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;
                options.Tools.Add(AIFunctionFactory.CreateDeclaration(tool.Function.Name, tool.Function.Description, parameters));
            }
        }

        switch (choice?.ValueKind)
        {
            case null or JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                options.ToolMode = choice.Value.GetString() switch
                {
                    "auto" => ChatToolMode.Auto,
                    "none" => ChatToolMode.None,
                    "required" => ChatToolMode.RequireAny,
                    _ => null,
                };
                return options.ToolMode is null ? Invalid("tool_choice must be none, auto, required or {type: 'function', function: {name}}.", "tool_choice") : null;
            case JsonValueKind.Object when choice.Value.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var name) &&
                                           name.ValueKind == JsonValueKind.String:
                var wanted = name.GetString()!;
                if (options.Tools?.Any(t => t.Name == wanted) != true)
                {
                    return Invalid($"tool_choice names the function '{wanted}', which is not among the tools.", "tool_choice");
                }

                options.ToolMode = ChatToolMode.RequireSpecific(wanted);
                return null;
            default:
                return Invalid("tool_choice must be none, auto, required or {type: 'function', function: {name}}.", "tool_choice");
        }
    }

    public static RequestRefusal? ReadResponseFormat(JsonElement? format, ChatOptions options)
    {
        if (format is not { ValueKind: JsonValueKind.Object } value)
        {
            return format is null or { ValueKind: JsonValueKind.Null } ? null : Invalid("response_format must be an object with a type.", "response_format");
        }

        var type = value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text":
                options.ResponseFormat = ChatResponseFormat.Text;
                return null;
            case "json_object":
                options.ResponseFormat = ChatResponseFormat.Json;
                return null;
            case "json_schema":
                if (!value.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object ||
                    !spec.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    return Invalid("response_format.json_schema.schema is required for type json_schema.", "response_format.json_schema.schema");
                }

                options.ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.Clone(),
                    spec.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null,
                    spec.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null);
                return null;
            default:
                return Invalid("response_format.type must be text, json_object or json_schema.", "response_format.type");
        }
    }

    public static RequestRefusal? ReadStop(JsonElement? stop, out List<string>? stops)
    {
        stops = null;
        switch (stop?.ValueKind)
        {
            case null or JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                stops = [stop.Value.GetString()!];
                return null;
            case JsonValueKind.Array when stop.Value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) && stop.Value.GetArrayLength() <= 4:
                stops = stop.Value.EnumerateArray().Select(s => s.GetString()!).ToList();
                return null;
            default:
                return Invalid("stop must be a string or an array of at most 4 strings.", "stop");
        }
    }

    private static RequestRefusal? ReadText(JsonElement? content, string at, bool allowMissing, out string text)
    {
        text = string.Empty;
        switch (content?.ValueKind)
        {
            case JsonValueKind.String:
                text = content.Value.GetString()!;
                return null;
            case JsonValueKind.Array:
                var parts = new List<string>();
                var index = 0;
                foreach (var part in content.Value.EnumerateArray())
                {
                    var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) ? t.ToString() : null;
                    if (type != "text" || !part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        return Invalid($"{at}.content[{index}] is a '{type ?? "?"}' part; only text parts are supported.", $"{at}.content[{index}].type", "unsupported_parameter");
                    }

                    parts.Add(partText.GetString()!);
                    index++;
                }

                text = string.Concat(parts);
                return null;
            case null or JsonValueKind.Null when allowMissing:
                return null;
            default:
                return Invalid($"{at}.content must be a string or an array of text parts.", at + ".content");
        }
    }

    private static RequestRefusal? ReadToolCall(WireToolCall wire, string at, out FunctionCallContent? call)
    {
        call = null;
        if (string.IsNullOrWhiteSpace(wire.Id) || wire.Type is not (null or "function") || string.IsNullOrWhiteSpace(wire.Function?.Name))
        {
            return Invalid($"{at} needs an id, type 'function' and function.name.", at);
        }

        Dictionary<string, object?>? arguments;
        try
        {
            arguments = string.IsNullOrWhiteSpace(wire.Function.Arguments) ? [] : JsonSerializer.Deserialize<Dictionary<string, object?>>(wire.Function.Arguments);
        }
        catch (JsonException)
        {
            return Invalid($"{at}.function.arguments must be a JSON object in a string.", at + ".function.arguments");
        }

        call = new FunctionCallContent(wire.Id, wire.Function.Name, arguments);
        return null;
    }

    private static RequestRefusal Invalid(string message, string param, string code = "invalid_request_error") => new(400, code, message, param);
}
