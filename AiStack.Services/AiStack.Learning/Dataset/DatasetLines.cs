using System.Globalization;
using System.Text.Json.Nodes;
using AiStack.Learning.Patterns;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Dataset;

/// <summary>One fine-tuning example as a chat JSONL line: <c>{messages: [system, user, assistant], metadata: {...}}</c>.</summary>
public sealed class DatasetLines(IOptions<LearningOptions> options)
{
    public string Line(PatternRow pattern, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new JsonObject
        {
            ["messages"] = new JsonArray(
                Message("system", options.Value.DatasetSystemPrompt),
                Message("user", pattern.Prompt),
                Message("assistant", pattern.Response)),
            ["metadata"] = new JsonObject
            {
                ["pattern_id"] = pattern.Id,
                ["interaction_type"] = pattern.Type,
                ["backend"] = pattern.Backend,
                ["iterations"] = pattern.Iterations,
                ["timestamp"] = time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["success_metrics"] = new JsonObject
                {
                    ["outcome"] = pattern.Outcome,
                    ["value_score"] = pattern.Value,
                    ["feedback"] = pattern.Feedback,
                    ["efficiency"] = pattern.Iterations is > 0 ? Math.Round(1.0 / pattern.Iterations.Value, 4) : null,
                },
            },
        }.ToJsonString();
    }

    private static JsonObject Message(string role, string content) => new() { ["role"] = role, ["content"] = content };
}
