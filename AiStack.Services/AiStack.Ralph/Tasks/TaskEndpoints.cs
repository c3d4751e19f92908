using AiStack.Contracts.Tasks;
using AiStack.Contracts.Validation;
using AiStack.Ralph.Loop;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiStack.Ralph.Tasks;

public static class TaskEndpoints
{
    public const int MaxPageSize = TaskRoutes.MaxPageSize;

    public static RouteGroupBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/tasks").WithTags("Tasks");
        tasks.MapPost("/", SubmitAsync).RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Submission);
        tasks.MapGet("/", ListAsync);
        tasks.MapGet("/{id}", GetAsync);
        tasks.MapGet("/{id}/result", ResultAsync);
        tasks.MapGet("/{id}/iterations/{number:int}", IterationAsync);
        tasks.MapPost("/{id}/stop", StopAsync);
        tasks.MapPost("/{id}/approve", ApproveAsync);
        return tasks;
    }

    private static async Task<Results<Accepted<SubmitTaskResponse>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        SubmitTaskRequest request, TaskSubmitter submitter, CancellationToken cancellationToken)
    {
        var outcome = await submitter.SubmitAsync(request, cancellationToken);
        if (outcome.LoopDisabled)
        {
            return TypedResults.Problem("The Ralph loop is disabled (settings.loop_enabled = false); no task is accepted.", statusCode: 503, title: "Loop disabled");
        }

        if (outcome.Errors is not null)
        {
            return TypedResults.ValidationProblem(outcome.Errors, detail: string.Join(" ", outcome.Errors.Values.SelectMany(v => v)));
        }

        return TypedResults.Accepted($"/tasks/{outcome.Accepted!.TaskId}", outcome.Accepted);
    }

    private static async Task<Results<Ok<TaskListResponse>, ValidationProblem>> ListAsync(
        TaskStore store, string? status, string? backend, string? tag, int? limit, int? offset, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !TaskStatuses.All.Contains(status))
        {
            errors["status"] = [$"status must be one of {string.Join(", ", TaskStatuses.All)}."];
        }

        foreach (var (field, value) in ((string, string?)[])[("backend", backend), ("tag", tag)])
        {
            if (StorableText.Check(field, value) is { } problem)
            {
                errors[field] = [problem];
            }
        }

        var pageSize = limit ?? 50;
        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["limit"] = [$"limit must be 1-{MaxPageSize}."];
        }

        if (offset is < 0)
        {
            errors["offset"] = ["offset must not be negative."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (rows, total) = await store.ListAsync(new TaskFilter(status, backend, tag, pageSize, offset ?? 0), cancellationToken);
        return TypedResults.Ok(new TaskListResponse(rows.Select(TaskViews.ToView).ToList(), total, pageSize, offset ?? 0));
    }

    private static async Task<Results<Ok<TaskView>, ProblemHttpResult>> GetAsync(string id, TaskStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } task ? TypedResults.Ok(task.ToView()) : NotFound(id);

    /// <summary>The task with its iterations, every one of them, paged with <c>offset</c>/<c>limit</c> (default the first 100).</summary>
    private static async Task<Results<Ok<TaskResultResponse>, ProblemHttpResult, ValidationProblem>> ResultAsync(
        string id, TaskStore store, int? offset, int? limit, CancellationToken cancellationToken)
    {
        var pageSize = limit ?? 100;
        if (pageSize is < 1 or > MaxPageSize || offset is < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be 1-{MaxPageSize} and offset not negative."] });
        }

        if (await store.GetAsync(id, cancellationToken) is not { } task)
        {
            return NotFound(id);
        }

        var iterations = await store.IterationsAsync(id, offset ?? 0, pageSize, cancellationToken);
        var last = task.Iteration > 0 ? await store.IterationAsync(id, task.Iteration, cancellationToken) : null;
        return TypedResults.Ok(new TaskResultResponse(task.ToView())
        {
            Output = last?.Output,
            TotalIterations = task.Iteration,
            Offset = offset ?? 0,
            Limit = pageSize,
            Results = iterations.Select(TaskViews.ToView).ToList(),
        });
    }

    private static async Task<Results<Ok<IterationView>, ProblemHttpResult>> IterationAsync(string id, int number, TaskStore store, CancellationToken cancellationToken) =>
        await store.IterationAsync(id, number, cancellationToken) is { } iteration
            ? TypedResults.Ok(iteration.ToView())
            : TypedResults.Problem($"Task '{id}' has no iteration {number}.", statusCode: 404, title: "Not found");

    private static async Task<Results<Ok<StopResponse>, ProblemHttpResult>> StopAsync(string id, TaskStore store, RalphLoop loop, CancellationToken cancellationToken)
    {
        var outcome = await store.RequestStopAsync(id, cancellationToken);
        switch (outcome)
        {
            case StopOutcome.NotFound:
                return NotFound(id);
            case StopOutcome.AlreadyFinished:
                return TypedResults.Problem($"Task '{id}' has already finished.", statusCode: 409, title: "Already finished");
            case StopOutcome.Stopping:
                loop.StopLocal(id);
                return TypedResults.Ok(new StopResponse(id, "stopping", "The running task stops within one heartbeat; its current iteration is not recorded."));
            default:
                return TypedResults.Ok(new StopResponse(id, TaskStatuses.Stopped, "The queued task was stopped."));
        }
    }

    private static async Task<Results<Ok<ApproveResponse>, ProblemHttpResult>> ApproveAsync(string id, bool? approved, TaskStore store, CancellationToken cancellationToken)
    {
        var decision = approved ?? true;
        return await store.DecideApprovalAsync(id, decision, cancellationToken) switch
        {
            ApprovalOutcome.NotFound => NotFound(id),
            ApprovalOutcome.AlreadyFinished => TypedResults.Problem($"Task '{id}' has already finished.", statusCode: 409, title: "Already finished"),
            ApprovalOutcome.NotRequired => TypedResults.Problem($"Task '{id}' does not require approval.", statusCode: 409, title: "No approval required"),
            _ => TypedResults.Ok(new ApproveResponse(id, decision)),
        };
    }

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem($"Task '{id}' was not found.", statusCode: 404, title: "Not found");
}
