using System.ComponentModel;
using System.Text.Json.Nodes;
using AiStack.Cli.Stack;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace AiStack.Cli.Mcp;

/// <summary>The stack as MCP tools, so that agents can hand Ralph tasks and use the knowledge base and the Coordinator.</summary>
[McpServerToolType]
public sealed class StackTools(StackClient client)
{
    [McpServerTool(Name = "submit_task"), Description("Queue a task for Ralph's autonomous loop. Returns task_id, status and the iteration limit.")]
    public async Task<string> SubmitTask(
        [Description("What to do")] string prompt,
        [Description("Backend name (default: the stack's default backend)")] string? backend = null,
        [Description("-1 adaptive (default), 0 unlimited, N fixed")] int max_iterations = -1,
        [Description("Ask for approval before every iteration from the second")] bool require_approval = false,
        [Description("Complete when the output holds <promise>TEXT</promise>")] string? promise = null,
        CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["prompt"] = prompt, ["max_iterations"] = max_iterations, ["require_approval"] = require_approval };
        if (backend is not null)
        {
            body["backend"] = backend;
        }

        if (promise is not null)
        {
            body["completion"] = new JsonObject { ["promise"] = promise };
        }

        return (await Call(() => client.PostAsync("ralph", "tasks", body, cancellationToken))).ToJsonString();
    }

    [McpServerTool(Name = "task_status"), Description("A Ralph task's state: status, iteration, completion reason, last output.")]
    public async Task<string> TaskStatus([Description("The task id")] string task_id, CancellationToken cancellationToken = default)
    {
        var result = (JsonObject)await Call(() => client.GetAsync("ralph", $"tasks/{Uri.EscapeDataString(task_id)}/result?limit=1", cancellationToken));
        result.Remove("results");
        return result.ToJsonString();
    }

    [McpServerTool(Name = "list_tasks"), Description("Ralph's tasks, newest first, optionally filtered by status.")]
    public async Task<string> ListTasks([Description("queued, running, completed, failed, stopped, rejected or error")] string? status = null,
        [Description("How many (1-500)")] int limit = 20, CancellationToken cancellationToken = default)
    {
        var query = $"tasks?limit={limit}" + (status is null ? "" : $"&status={Uri.EscapeDataString(status)}");
        return (await Call(() => client.GetAsync("ralph", query, cancellationToken))).ToJsonString();
    }

    [McpServerTool(Name = "search_knowledge"), Description("Search the knowledge base for context relevant to a query.")]
    public async Task<string> SearchKnowledge([Description("What to look for")] string query, [Description("Results wanted")] int limit = 5,
        CancellationToken cancellationToken = default) =>
        (await Call(() => client.PostAsync("knowledgebase", "context", new JsonObject { ["query"] = query, ["limit"] = limit }, cancellationToken))).ToJsonString();

    [McpServerTool(Name = "add_document"), Description("Add (or replace) a document in the knowledge base.")]
    public async Task<string> AddDocument([Description("Title")] string title, [Description("Text")] string content,
        [Description("Project (default: default)")] string? project = null, [Description("Collection")] string? collection = null,
        [Description("Source path or URL; identifies the document")] string? source = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["title"] = title, ["content"] = content, ["project"] = project, ["collection"] = collection, ["source"] = source };
        return (await Call(() => client.PostAsync("knowledgebase", "documents", body, cancellationToken))).ToJsonString();
    }

    [McpServerTool(Name = "query"), Description("Ask the Coordinator: it answers with context from the knowledge base.")]
    public async Task<string> Query([Description("The question")] string prompt, CancellationToken cancellationToken = default) =>
        (await Call(() => client.PostAsync("coordinator", "query", new JsonObject { ["prompt"] = prompt, ["generate_response"] = true }, cancellationToken))).ToJsonString();

    /// <summary>
    /// A failed call reaches the agent with the service's own message (status, detail, the invalid field): the MCP SDK passes on
    /// an <see cref="McpException"/>'s message and hides every other exception's behind "An error occurred invoking".
    /// </summary>
    private static async Task<JsonNode> Call(Func<Task<JsonNode>> call)
    {
        try
        {
            return await call();
        }
        catch (StackException e)
        {
            throw new McpException(e.Message, e);
        }
    }
}
