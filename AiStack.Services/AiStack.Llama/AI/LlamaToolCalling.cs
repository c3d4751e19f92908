using System.Text;
using System.Text.Json;
using AiStack.Llama.Grammars;
using AiStack.Llama.Models;
using Microsoft.Extensions.AI;

namespace AiStack.Llama.AI;

/// <summary>
/// Tools on a local model. llama.cpp's built-in chat templates (what LLamaSharp applies) render no tool definitions, so the
/// tools are described in a system turn, in the convention of the model's own template where it has one: Hermes/Qwen style
/// (&lt;tools&gt; ... &lt;/tools&gt;, answers in &lt;tool_call&gt; tags) when the GGUF's template uses &lt;tool_call&gt;, plain JSON
/// otherwise. When the request requires a call (ToolMode RequireAny or a named function) a GBNF grammar makes the model
/// write exactly one well-formed call whose arguments fit the tool's schema; in Auto mode the answer is parsed afterwards
/// and becomes a <see cref="FunctionCallContent"/> when it is a call of a known tool.
/// </summary>
internal sealed class LlamaToolCalling
{
    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web);
    private readonly IReadOnlyList<AIFunctionDeclaration> _tools;
    private readonly bool _hermes;

    private LlamaToolCalling(IReadOnlyList<AIFunctionDeclaration> tools, bool hermes, string? required, bool requireAny)
    {
        _tools = tools;
        _hermes = hermes;
        Required = required;
        MustCall = requireAny || required is not null;
    }

    /// <summary>Whether the grammar forces a call (RequireAny or a named function).</summary>
    public bool MustCall { get; }

    /// <summary>The function a call must be of, when the request named one.</summary>
    public string? Required { get; }

    private string Prefix => _hermes ? "<tool_call>\n" : string.Empty;

    private string Suffix => _hermes ? "\n</tool_call>" : string.Empty;

    /// <summary>The tool handling a request asks for; null when it has no tools or ToolMode is None.</summary>
    /// <exception cref="ArgumentException">A required function that is not among the tools.</exception>
    public static LlamaToolCalling? For(ChatOptions? options, LlamaModel model)
    {
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList();
        if (tools is not { Count: > 0 } || options!.ToolMode is NoneChatToolMode)
        {
            return null;
        }

        var required = (options.ToolMode as RequiredChatToolMode)?.RequiredFunctionName;
        if (required is not null && !tools.Exists(t => t.Name == required))
        {
            throw new ArgumentException($"tool_choice names the function '{required}', which is not among the tools.", nameof(options));
        }

        var hermes = model.ChatTemplate?.Contains("<tool_call>", StringComparison.Ordinal) == true;
        return new LlamaToolCalling(tools, hermes, required, options.ToolMode is RequiredChatToolMode { RequiredFunctionName: null });
    }

    /// <summary>The system text that describes the tools and how to call one.</summary>
    public string Instructions()
    {
        var definitions = _tools.Select(t => JsonSerializer.Serialize(
            new { type = "function", function = new { name = t.Name, description = t.Description, parameters = t.JsonSchema } }, Compact));
        var text = new StringBuilder();
        if (_hermes)
        {
            text.Append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n")
                .Append("You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n")
                .AppendJoin('\n', definitions)
                .Append("\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n")
                .Append("<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>");
        }
        else
        {
            text.Append("You can call these tools:\n").AppendJoin('\n', definitions)
                .Append("\nTo call a tool, answer with only a JSON object {\"name\": <tool name>, \"arguments\": <arguments object>} and nothing else.");
        }

        return text.ToString();
    }

    /// <summary>The grammar of a call (of <see cref="Required"/> only, when set).</summary>
    public string Grammar() => JsonGrammar.ToolCall(
        _tools.Where(t => Required is null || t.Name == Required).Select(t => (t.Name, t.JsonSchema)).ToList(), Prefix, Suffix);

    /// <summary>Whether streamed text so far could still turn out to be a call (so it must be held back).</summary>
    public bool CouldBeCall(string text)
    {
        var trimmed = text.TrimStart();
        var start = _hermes ? "<tool_call>" : "{";
        return trimmed.Length < start.Length ? start.StartsWith(trimmed, StringComparison.Ordinal) : trimmed.StartsWith(start, StringComparison.Ordinal);
    }

    /// <summary>The call <paramref name="text"/> is, or null when it is an ordinary answer.</summary>
    public FunctionCallContent? Parse(string text)
    {
        var json = text.Trim();
        if (_hermes && json.StartsWith("<tool_call>", StringComparison.Ordinal))
        {
            json = json["<tool_call>".Length..];
            var end = json.IndexOf("</tool_call>", StringComparison.Ordinal);
            json = (end >= 0 ? json[..end] : json).Trim();
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !_tools.Any(t => t.Name == name.GetString()))
            {
                return null;
            }

            var arguments = root.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.Object
                ? args.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                : [];
            return new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..24], name.GetString()!, arguments);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>How an earlier call of the assistant is written back into the conversation (as the model wrote it).</summary>
    public static string RenderCall(FunctionCallContent call, bool hermes) =>
        (hermes ? "<tool_call>\n" : string.Empty)
        + JsonSerializer.Serialize(new { name = call.Name, arguments = call.Arguments }, Compact)
        + (hermes ? "\n</tool_call>" : string.Empty);

    /// <summary>How a tool's result is written into the conversation.</summary>
    public static string RenderResult(FunctionResultContent result) =>
        "<tool_response>\n" + (result.Result is string s ? s : JsonSerializer.Serialize(result.Result, Compact)) + "\n</tool_response>";
}
