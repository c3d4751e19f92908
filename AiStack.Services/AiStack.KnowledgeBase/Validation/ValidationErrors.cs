using System.Text.Json;
using AiStack.Contracts.Validation;

namespace AiStack.KnowledgeBase.Validation;

/// <summary>Collects field errors (field names as on the wire, snake_case) for one RFC 7807 validation problem.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>Checks a text field: required or not, length, and that it can be stored (no NUL, no lone surrogate).</summary>
    public string? Text(string field, string? value, int maxChars, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"'{field}' is required and must not be blank.");
            }

            return null;
        }

        if (value.Length > maxChars)
        {
            Add(field, $"'{field}' has {value.Length} characters; the limit is {maxChars}.");
            return null;
        }

        if (StorableText.Problem(value) is { } problem)
        {
            Add(field, $"'{field}' {problem}.");
            return null;
        }

        return value;
    }

    /// <summary>Checks that metadata is a JSON object of bounded size and returns its compact text ("{}" when absent).</summary>
    public string Metadata(string field, JsonElement? metadata, int maxChars)
    {
        if (metadata is null || metadata.Value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return "{}";
        }

        if (metadata.Value.ValueKind != JsonValueKind.Object)
        {
            Add(field, $"'{field}' must be a JSON object.");
            return "{}";
        }

        var text = metadata.Value.GetRawText();
        if (text.Length > maxChars)
        {
            Add(field, $"'{field}' is {text.Length} characters of JSON; the limit is {maxChars}.");
            return "{}";
        }

        if (text.Contains("\\u0000", StringComparison.Ordinal) || StorableText.Problem(text) is not null)
        {
            Add(field, $"'{field}' contains a NUL character or a lone surrogate, which cannot be stored.");
            return "{}";
        }

        return JsonSerializer.Serialize(metadata.Value);
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public IResult ToProblem() => TypedResults.ValidationProblem(ToDictionary(), title: "The request is not valid.");
}
