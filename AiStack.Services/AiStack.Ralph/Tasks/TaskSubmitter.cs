using System.Diagnostics;
using System.Text.Json;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.Tasks;
using AiStack.Contracts.Telemetry;
using AiStack.Contracts.Validation;
using AiStack.Ralph.Adaptive;
using AiStack.Ralph.Backends;
using AiStack.Ralph.Commands;
using AiStack.Ralph.Loop;
using AiStack.Ralph.Settings;
using AiStack.Ralph.Telemetry;
using AiStack.Ralph.Workspaces;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Tasks;

public sealed record SubmitOutcome(SubmitTaskResponse? Accepted, IDictionary<string, string[]>? Errors, bool LoopDisabled);

/// <summary>Validates a submission, fixes its iteration limit (adaptive, unlimited or fixed) and queues it.</summary>
public sealed class TaskSubmitter(
    TaskStore store,
    AdaptiveHistoryStore history,
    SettingsStore settingsStore,
    BackendRegistry backends,
    WorkspaceResolver workspaces,
    CommandAllowList allowList,
    RalphTelemetry telemetry,
    LoopSignal signal,
    IOptions<RalphOptions> options,
    TimeProvider time)
{
    public const int MaxTags = 20;
    public const int MaxTagLength = 64;
    public const int MaxFixedIterations = 100_000;

    public async Task<SubmitOutcome> SubmitAsync(SubmitTaskRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = await settingsStore.CurrentAsync(cancellationToken);
        if (!settings.LoopEnabled)
        {
            return new SubmitOutcome(null, null, LoopDisabled: true);
        }

        var errors = new Dictionary<string, string[]>();
        var prompt = request.Prompt?.Trim() ?? "";
        if (prompt.Length == 0)
        {
            errors["prompt"] = ["prompt is required."];
        }
        else if (prompt.Length > options.Value.MaxPromptChars)
        {
            errors["prompt"] = [$"prompt has {prompt.Length} characters; the limit is {options.Value.MaxPromptChars} (Ralph:MaxPromptChars)."];
        }

        var backend = string.IsNullOrWhiteSpace(request.Backend) ? settings.DefaultBackend : request.Backend.Trim();
        if (!backends.IsDeclared(backend))
        {
            errors["backend"] = [$"backend '{backend}' is not declared; declared: {string.Join(", ", backends.Names)}."];
        }

        if (backends.Find(backend) is { Kind: LlmBackend.BuiltInName } && prompt.Length > TaskLimits.MaxLlmPromptChars)
        {
            errors["prompt"] = [$"prompt has {prompt.Length} characters; an llm task's prompt may have {TaskLimits.MaxLlmPromptChars} so that its " +
                                $"iteration input (prompt, workspace files, edit format) fits the Coordinator's {CoordinatorLimits.MaxPromptChars}."];
        }

        if (request.IterationMaxTokens is < 1 or > TaskLimits.MaxIterationTokens)
        {
            errors["iteration_max_tokens"] = [$"iteration_max_tokens must be 1-{TaskLimits.MaxIterationTokens}."];
        }

        var requested = request.MaxIterations ?? -1;
        if (requested < -1 || requested > MaxFixedIterations)
        {
            errors["max_iterations"] = [$"max_iterations must be -1 (adaptive), 0 (unlimited) or 1-{MaxFixedIterations}."];
        }

        var verify = ReadVerifyCommand(request.Completion?.VerifyCommand, errors);
        if (verify is not null && !allowList.TryMatch(verify, out _, out var refusal))
        {
            errors["completion.verify_command"] = [$"verify_command `{string.Join(' ', verify)}` is not allowed: {refusal}"];
        }

        if (request.Completion?.VerifyTimeoutS is <= 0 or > 86400)
        {
            errors["completion.verify_timeout_s"] = ["verify_timeout_s must be between 0 and 86400."];
        }

        if (request.Budget?.MaxWallS is <= 0 or > TaskLimits.MaxWallSeconds)
        {
            errors["budget.max_wall_s"] = [$"max_wall_s must be 1-{TaskLimits.MaxWallSeconds} (a week, the largest hard backstop)."];
        }

        if (request.Budget?.MaxTokens is <= 0)
        {
            errors["budget.max_tokens"] = ["max_tokens must be positive."];
        }

        var tags = request.Tags ?? [];
        if (tags.Count > MaxTags || tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > MaxTagLength))
        {
            errors["tags"] = [$"at most {MaxTags} tags of 1-{MaxTagLength} characters."];
        }

        foreach (var (field, value) in StoredTexts(request, verify))
        {
            if (StorableText.Check(field, value) is { } problem)
            {
                errors[field] = [problem];
            }
        }

        var id = Guid.CreateVersion7().ToString();
        // A name longer than a folder name can be makes the path APIs throw; refuse it before resolving.
        string? workspaceProblem = $"workspace has {request.Workspace?.Length} characters; the limit is {TaskLimits.MaxWorkspaceChars}.";
        var workspace = request.Workspace is { Length: > TaskLimits.MaxWorkspaceChars } ? null : workspaces.Resolve(request.Workspace, id, out workspaceProblem);
        if (workspace is null)
        {
            errors["workspace"] = [workspaceProblem!];
        }
        else if (await store.WorkspaceOwnerAsync(workspace, cancellationToken) is { } owner)
        {
            errors["workspace"] = [$"workspace '{request.Workspace}' is, contains or lies in the workspace of task {owner.TaskId} ({owner.Workspace}); every task works in a folder of its own."];
        }

        if (errors.Count > 0)
        {
            return new SubmitOutcome(null, errors, LoopDisabled: false);
        }

        var (limit, mode, complexity) = await DecideLimitAsync(id, prompt, backend, requested, settings, cancellationToken);
        var now = time.GetUtcNow();
        var completion = new CompletionRule { Promise = request.Completion?.Promise, VerifyCommand = verify, VerifyTimeoutS = request.Completion?.VerifyTimeoutS };
        var task = new TaskRecord
        {
            Id = id,
            Prompt = prompt,
            Backend = backend,
            RequestedMaxIterations = requested,
            MaxIterations = limit,
            IterationMode = mode,
            Complexity = complexity,
            TaskType = AdaptiveLimit.TaskType(prompt),
            RequireApproval = request.RequireApproval == true ? 1 : 0,
            Context = request.Context?.ToJsonString(),
            Completion = completion.IsEmpty ? null : JsonSerializer.Serialize(completion, TaskJson.Options),
            Workspace = workspace!,
            MaxWallS = request.Budget?.MaxWallS,
            MaxTokens = request.Budget?.MaxTokens,
            IterationMaxTokens = request.IterationMaxTokens,
            Tags = JsonSerializer.Serialize(tags),
            Status = TaskStatuses.Queued,
            TraceId = Activity.Current?.TraceId.ToHexString(),
            CreatedAt = now,
            LastUpdate = now,
        };
        Directory.CreateDirectory(task.Workspace);
        await store.InsertAsync(task, cancellationToken);
        telemetry.Publish(TelemetryEventTypes.TaskSubmitted, new TaskSubmittedPayload(id, backend, prompt.Length, limit, mode, now), id);
        signal.Wake();
        return new SubmitOutcome(new SubmitTaskResponse(id, TaskStatuses.Queued, $"Task queued for backend '{backend}' ({mode}, {(limit == 0 ? "unlimited" : limit + " iterations")}).", limit, mode), null, false);
    }

    private async Task<(int Limit, string Mode, string? Complexity)> DecideLimitAsync(string id, string prompt, string backend, int requested,
        RalphSettings settings, CancellationToken cancellationToken)
    {
        if (requested == 0)
        {
            return (0, IterationModes.Unlimited, null);
        }

        if (requested > 0)
        {
            return (requested, IterationModes.Fixed, null);
        }

        if (!settings.AdaptiveEnabled)
        {
            return (settings.DefaultMaxIterations, IterationModes.Fixed, null);
        }

        var taskType = AdaptiveLimit.TaskType(prompt);
        var outcomes = await history.RecentAsync(taskType, backend, cancellationToken);
        var decision = AdaptiveLimit.Calculate(prompt, settings.BaseLimits, outcomes);
        telemetry.Publish(TelemetryEventTypes.AdaptiveLimitCalculated, new AdaptiveLimitCalculatedPayload(
            RalphTelemetry.Protect(prompt.Length > 100 ? prompt[..100] : prompt, settings.HashContent), decision.Complexity.ToWireName(),
            decision.BaseLimit, decision.HistoryAdjustment, decision.FinalLimit, decision.TaskType, backend), id);
        return (decision.FinalLimit, IterationModes.Adaptive, decision.Complexity.ToWireName());
    }

    /// <summary>The texts of a submission that end up in the database, by wire name.</summary>
    private static IEnumerable<(string Field, string? Value)> StoredTexts(SubmitTaskRequest request, IReadOnlyList<string>? verify)
    {
        yield return ("prompt", request.Prompt);
        yield return ("backend", request.Backend);
        yield return ("workspace", request.Workspace);
        yield return ("completion.promise", request.Completion?.Promise);
        foreach (var (tag, i) in (request.Tags ?? []).Select((tag, i) => (tag, i)))
        {
            yield return ($"tags[{i}]", tag);
        }

        foreach (var (argument, i) in (verify ?? []).Select((argument, i) => (argument, i)))
        {
            yield return ($"completion.verify_command[{i}]", argument);
        }
    }

    private static List<string>? ReadVerifyCommand(JsonElement? value, Dictionary<string, string[]> errors)
    {
        if (value is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        List<string>? command = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            JsonValueKind.Array when element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                element.EnumerateArray().Select(e => e.GetString()!).ToList(),
            _ => null,
        };
        if (command is null || command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            errors["completion.verify_command"] = ["verify_command must be a non-empty argument list (array of strings) or a string."];
            return null;
        }

        return command;
    }
}
