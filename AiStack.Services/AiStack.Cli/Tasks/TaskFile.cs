using System.Text.Json.Nodes;

namespace AiStack.Cli.Tasks;

/// <summary>
/// A task file: Ralph's own shape (<c>{"prompt": ..., "backend": ..., "completion": ...}</c>) or the original orchestrator's
/// (<c>{"description", "backend", "max_iterations", "require_approval", "context": {"goal"}}</c>), turned into a POST /tasks body.
/// </summary>
public static class TaskFile
{
    public static JsonObject Read(string path) => Normalize(JsonNode.Parse(File.ReadAllText(path)) as JsonObject
        ?? throw new InvalidDataException($"{path} does not hold a JSON object."));

    public static JsonObject Normalize(JsonObject task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var body = (JsonObject)task.DeepClone();
        if (body["prompt"] is null && body["description"] is { } description)
        {
            body["prompt"] = description.DeepClone();
        }

        body.Remove("description");
        if (body["prompt"] is null)
        {
            throw new InvalidDataException("The task has neither \"prompt\" nor \"description\".");
        }

        return body;
    }
}
