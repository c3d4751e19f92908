using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts;
using AiStack.Contracts.Tasks;

namespace AiStack.Cli.Tasks;

/// <summary>
/// A task file: Ralph's own shape (<c>{"prompt": ..., "backend": ..., "completion": ...}</c>) or the original orchestrator's
/// (<c>{"description", "backend", "max_iterations", "require_approval", "context": {"goal"}}</c>), read as a POST /tasks request.
/// </summary>
public static class TaskFile
{
    public static SubmitTaskRequest Read(string path) => Normalize(JsonNode.Parse(File.ReadAllText(path)) as JsonObject
        ?? throw new InvalidDataException($"{path} does not hold a JSON object."));

    public static SubmitTaskRequest Normalize(JsonObject task)
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

        return body.Deserialize<SubmitTaskRequest>(ContractJson.Options) ?? throw new InvalidDataException("The task file is empty.");
    }
}
