using System.ComponentModel;
using System.Text.Json;
using AiStack.Cli.Stack;
using AiStack.Contracts;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Contracts.Tasks;
using ModelContextProtocol.Server;

namespace AiStack.Cli.Mcp;

/// <summary>The stack as MCP tools, so that agents can hand Ralph tasks and use the knowledge base and the Coordinator.</summary>
[McpServerToolType]
public sealed class StackTools(StackClients clients)
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
        var request = new SubmitTaskRequest
        {
            Prompt = prompt,
            Backend = backend,
            MaxIterations = max_iterations,
            RequireApproval = require_approval,
            Completion = promise is null ? null : new CompletionRequest { Promise = promise },
        };
        return Json(await clients.Ralph.SubmitAsync(request, cancellationToken));
    }

    [McpServerTool(Name = "task_status"), Description("A Ralph task's state: status, iteration, completion reason, last output.")]
    public async Task<string> TaskStatus([Description("The task id")] string task_id, CancellationToken cancellationToken = default) =>
        Json(await clients.Ralph.ResultAsync(task_id, 0, 1, cancellationToken) with { Results = [] });

    [McpServerTool(Name = "list_tasks"), Description("Ralph's tasks, newest first, optionally filtered by status.")]
    public async Task<string> ListTasks([Description("queued, running, completed, failed, stopped, rejected or error")] string? status = null,
        [Description("How many (1-500)")] int limit = 20, CancellationToken cancellationToken = default) =>
        Json(await clients.Ralph.ListAsync(new Clients.TaskListQuery(status, Limit: limit), cancellationToken));

    [McpServerTool(Name = "search_knowledge"), Description("Search the knowledge base for context relevant to a query.")]
    public async Task<string> SearchKnowledge([Description("What to look for")] string query, [Description("Results wanted")] int limit = 5,
        CancellationToken cancellationToken = default) =>
        Json(await clients.KnowledgeBase.ContextAsync(new ContextRequest { Query = query, Limit = limit }, cancellationToken));

    [McpServerTool(Name = "add_document"), Description("Add (or replace) a document in the knowledge base.")]
    public async Task<string> AddDocument([Description("Title")] string title, [Description("Text")] string content,
        [Description("Project (default: default)")] string? project = null, [Description("Collection")] string? collection = null,
        [Description("Source path or URL; identifies the document")] string? source = null, CancellationToken cancellationToken = default) =>
        Json(await clients.KnowledgeBase.AddDocumentAsync(
            new AddDocumentRequest { Title = title, Content = content, Project = project, Collection = collection, Source = source }, cancellationToken));

    [McpServerTool(Name = "query"), Description("Ask the Coordinator: it answers with context from the knowledge base.")]
    public async Task<string> Query([Description("The question")] string prompt, CancellationToken cancellationToken = default) =>
        Json(await clients.Coordinator.QueryAsync(new QueryRequest { Prompt = prompt, GenerateResponse = true }, cancellationToken));

    private static string Json<T>(T answer) => JsonSerializer.Serialize(answer, ContractJson.Options);
}
