using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;
using AiStack.Learning.Ingest;
using AiStack.Learning.Patterns;
using AiStack.Learning.Proposals;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Processing;

/// <summary>
/// Turns one stored event into the pipeline's results, inside the batch's transaction: patterns (completed tasks, answered queries
/// with their feedback, error -> fix sequences), the state that joins events across batches (iterations, interactions), and the
/// signals and proposals for optimizations.
/// </summary>
public sealed class EventInterpreter(PatternStore patterns, Signals signals, IOptions<LearningOptions> options)
{
    private static readonly string[] NameResolutionErrors =
        ["name resolution", "could not resolve", "name or service not known", "nodename nor servname", "no such host", "getaddrinfo"];

    public async Task InterpretAsync(DbConnection connection, DbTransaction transaction, StoredEvent stored, BatchCounts batch, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var payload = stored.PayloadObject();
        try
        {
            await InterpretAsync(connection, transaction, stored, payload, batch, now);
        }
        catch (JsonException)
        {
            // A payload that is not its type's record (a field of the wrong type) teaches nothing; it must not stop the batch.
            batch.NotLearnable++;
        }
    }

    private async Task InterpretAsync(DbConnection connection, DbTransaction transaction, StoredEvent stored, JsonObject payload, BatchCounts batch, DateTimeOffset now)
    {
        switch (stored.Type)
        {
            case TelemetryEventTypes.TaskCompleted:
                await TaskCompletedAsync(connection, transaction, stored, payload, batch, now);
                break;
            case TelemetryEventTypes.IterationCompleted:
                await IterationCompletedAsync(connection, transaction, stored, payload, batch, now);
                break;
            case TelemetryEventTypes.QueryAnswered or "interaction_tracked":
                await QueryAnsweredAsync(connection, transaction, stored, payload, batch, now);
                break;
            case TelemetryEventTypes.Feedback or "learning_feedback":
                await FeedbackAsync(connection, transaction, stored, payload, batch, now);
                break;
        }
    }

    private async Task TaskCompletedAsync(DbConnection connection, DbTransaction transaction, StoredEvent stored, JsonObject p, BatchCounts batch, DateTimeOffset now)
    {
        var completed = EventPayload.Read<TaskCompletedPayload>(p);
        var summary = completed.Task;
        var taskId = stored.TaskId ?? completed.TaskId ?? stored.Id;
        var prompt = Learnable(summary?.Prompt);
        var output = Learnable(summary?.Output);
        var iterations = completed.TotalIterations;
        var backend = summary?.Backend;
        var status = completed.Status;
        var outcome = Outcomes.Normalize(status);
        var limit = summary?.MaxIterations ?? completed.AdaptiveLimitUsed;
        var reason = completed.CompletionReason ?? "";

        var hitLimit = reason.Contains("limit", StringComparison.OrdinalIgnoreCase)
                       || status is "max_iterations" or "iteration_limit" or "limit_reached"
                       || (limit is > 0 && iterations >= limit && outcome != Outcomes.Success);
        if (hitLimit)
        {
            var level = summary?.Complexity ?? await LevelOfAsync(connection, transaction, taskId) ?? "unknown";
            await LimitHitAsync(connection, transaction, batch, level, taskId, iterations, limit, backend, stored, now);
        }

        if (prompt is null || output is null)
        {
            // Privacy-hashed payloads (prompt_hash, output_hash) carry nothing to learn from.
            batch.NotLearnable++;
            return;
        }

        await SaveAsync(connection, transaction, batch, new PatternCandidate(
            PatternTypes.TaskCompletion, "task:" + taskId, prompt, output, backend, iterations, outcome, null, stored.Time), now);
    }

    private static async Task<string?> LevelOfAsync(DbConnection connection, DbTransaction transaction, string taskId)
    {
        var payload = await connection.QueryFirstOrDefaultAsync<string>(
            "SELECT payload FROM events WHERE task_id = @taskId AND type = @type ORDER BY seq DESC LIMIT 1",
            new { taskId, type = TelemetryEventTypes.AdaptiveLimitCalculated }, transaction);
        return payload is null ? null : EventPayload.Read<AdaptiveLimitCalculatedPayload>((JsonObject)JsonNode.Parse(payload)!).Complexity;
    }

    private async Task LimitHitAsync(
        DbConnection connection, DbTransaction transaction, BatchCounts batch, string level, string taskId, int? iterations, int? limit,
        string? backend, StoredEvent stored, DateTimeOffset now)
    {
        var sample = new JsonObject { ["task_id"] = taskId, ["event_id"] = stored.Id, ["iterations"] = iterations, ["limit"] = limit, ["backend"] = backend };
        var signal = await Signals.RecordAsync(connection, transaction, ProposalKinds.IterationLimitIncrease, "limit:" + level, sample, true, now);
        if (!signals.Enough(signal))
        {
            return;
        }

        var current = ProposalKinds.BaseLimit(level) ?? limit ?? 10;
        var suggested = (int)Math.Ceiling(current * 1.25);
        var evidence = new JsonObject { ["level"] = level, ["current_limit"] = current, ["suggested_limit"] = suggested, ["signal"] = signal.Evidence.DeepClone() };
        await signals.ProposeAsync(connection, transaction, batch, ProposalKinds.IterationLimitIncrease, level,
            $"Raise the iteration limit of {level} tasks from {current} to {suggested} (+25%)",
            $"{signal.Count} '{level}' tasks hit their iteration limit of {current} before completing. Raise Ralph's base iteration limit " +
            $"for the {level} level from {current} to {suggested} (+25%) in its settings. Evidence: {signal.Evidence.ToJsonString()}",
            evidence, now);
    }

    private async Task IterationCompletedAsync(
        DbConnection connection, DbTransaction transaction, StoredEvent stored, JsonObject p, BatchCounts batch, DateTimeOffset now)
    {
        var ran = EventPayload.Read<IterationCompletedPayload>(p);
        var taskId = stored.TaskId ?? ran.TaskId;
        if (taskId is null || ran.Iteration < 1)
        {
            batch.NotLearnable++;
            return;
        }

        var iteration = ran.Iteration;
        var exitCode = ran.ExitCode;
        var output = ran.Output;
        var error = ran.Error;
        var backend = ran.Backend ?? "unknown";
        await connection.ExecuteAsync(
            "INSERT INTO task_iterations (task_id, iteration, exit_code, backend, output, error, fixed) " +
            "VALUES (@taskId, @iteration, @exitCode, @backend, @output, @error, 0) ON CONFLICT DO NOTHING",
            new { taskId, iteration = (long)iteration, exitCode = (long)exitCode, backend, output, error }, transaction);

        var text = ((error ?? "") + " " + (exitCode != 0 ? output ?? "" : "")).ToLowerInvariant();
        var sample = new JsonObject { ["task_id"] = taskId, ["iteration"] = iteration, ["exit_code"] = exitCode, ["backend"] = backend, ["event_id"] = stored.Id };
        if (exitCode == 124 || text.Contains("timed out", StringComparison.Ordinal) || text.Contains("timeout", StringComparison.Ordinal))
        {
            var signal = await Signals.RecordAsync(connection, transaction, ProposalKinds.TimeoutAdjustment, "timeout:" + backend, sample, true, now);
            if (signals.Enough(signal))
            {
                await signals.ProposeAsync(connection, transaction, batch, ProposalKinds.TimeoutAdjustment, backend,
                    $"Raise the timeout of the {backend} backend by 20%",
                    $"The {backend} backend timed out {signal.Count} times. Raise its timeout by 20% in Ralph's backend settings. Evidence: {signal.Evidence.ToJsonString()}",
                    new JsonObject { ["backend"] = backend, ["increase"] = 0.2, ["signal"] = signal.Evidence.DeepClone() }, now);
            }
        }

        var dependency = text.Contains("connection refused", StringComparison.Ordinal) ? "connection_refused"
            : NameResolutionErrors.Any(e => text.Contains(e, StringComparison.Ordinal)) ? "name_resolution"
            : null;
        if (dependency is not null)
        {
            var signal = await Signals.RecordAsync(connection, transaction, ProposalKinds.DependencyCheckAddition, $"dependency:{dependency}:{backend}", sample, true, now);
            if (signals.Enough(signal))
            {
                await signals.ProposeAsync(connection, transaction, batch, ProposalKinds.DependencyCheckAddition, $"{dependency}:{backend}",
                    $"Check dependencies before running {backend} tasks ({dependency.Replace('_', ' ')})",
                    $"Iterations on the {backend} backend failed {signal.Count} times with {dependency.Replace('_', ' ')} errors. Add a dependency " +
                    $"check (reachability of the services the task needs) before the task's first iteration. Evidence: {signal.Evidence.ToJsonString()}",
                    new JsonObject { ["backend"] = backend, ["error_kind"] = dependency, ["signal"] = signal.Evidence.DeepClone() }, now);
            }
        }

        if (exitCode == 0 && output is not null)
        {
            var failed = (await connection.QueryAsync<(long Iteration, string? Output, string? Error)>(
                "SELECT iteration, output, error FROM task_iterations WHERE task_id = @taskId AND iteration < @iteration AND exit_code <> 0 AND fixed = 0 " +
                "AND (error IS NOT NULL OR output IS NOT NULL) ORDER BY iteration DESC LIMIT 1",
                new { taskId, iteration = (long)iteration }, transaction)).AsList();
            if (failed.Count > 0)
            {
                var previous = failed[0];
                await connection.ExecuteAsync("UPDATE task_iterations SET fixed = 1 WHERE task_id = @taskId AND iteration <= @iteration AND exit_code <> 0",
                    new { taskId, iteration = (long)iteration }, transaction);
                var problem = previous.Error ?? previous.Output!;
                await SaveAsync(connection, transaction, batch, new PatternCandidate(
                    PatternTypes.ErrorFix, string.Create(CultureInfo.InvariantCulture, $"fix:{taskId}:{previous.Iteration}"),
                    problem, output, backend, iteration - (int)previous.Iteration, Outcomes.Success, null, stored.Time), now);
            }
        }
    }

    private async Task QueryAnsweredAsync(DbConnection connection, DbTransaction transaction, StoredEvent stored, JsonObject p, BatchCounts batch, DateTimeOffset now)
    {
        var answered = EventPayload.Read<QueryAnsweredPayload>(p);
        var interactionId = answered.InteractionId ?? stored.Id;
        // A private request's text is hashed by the Coordinator: there is nothing to learn from it.
        var prompt = answered.Private ? null : Learnable(answered.Query);
        var response = answered.Private ? null : Learnable(answered.Response);
        var outcome = Outcomes.Normalize(answered.Outcome);
        await connection.ExecuteAsync(
            "INSERT INTO interactions (interaction_id, prompt, response, route, query_kind, variant, tags, outcome, time) " +
            "VALUES (@interactionId, @prompt, @response, @route, @kind, @variant, @tags, @outcome, @Time) ON CONFLICT (interaction_id) DO UPDATE SET " +
            "prompt = excluded.prompt, response = excluded.response, route = excluded.route, query_kind = excluded.query_kind, " +
            "variant = excluded.variant, tags = excluded.tags, time = excluded.time, " +
            "outcome = CASE WHEN interactions.outcome IS NULL OR interactions.outcome = 'unknown' THEN excluded.outcome ELSE interactions.outcome END",
            new
            {
                interactionId, prompt, response, route = answered.Route,
                kind = answered.QueryKind ?? answered.AgentType ?? "general",
                variant = answered.Variant, tags = "," + string.Join(",", answered.Tags ?? []) + ",",
                outcome, stored.Time,
            }, transaction);
        await InteractionPatternAsync(connection, transaction, interactionId, batch, stored.Time, now);
    }

    private async Task FeedbackAsync(DbConnection connection, DbTransaction transaction, StoredEvent stored, JsonObject p, BatchCounts batch, DateTimeOffset now)
    {
        var rated = EventPayload.Read<FeedbackPayload>(p);
        var interactionId = rated.InteractionId;
        if (interactionId is null)
        {
            batch.NotLearnable++;
            return;
        }

        var rating = rated.Rating;
        var feedback = rated.Feedback;
        feedback ??= rating switch { >= 4 => 1, <= 2 => 0, _ => null };
        var outcome = Outcomes.Normalize(rated.Outcome);
        if (outcome == Outcomes.Unknown && feedback is not null)
        {
            outcome = feedback == 1 ? Outcomes.Success : Outcomes.Failure;
        }

        // The Coordinator's feedback carries the rated query and answer too, so feedback alone can make the pattern.
        await connection.ExecuteAsync(
            "INSERT INTO interactions (interaction_id, prompt, response, route, outcome, feedback, rating, time) " +
            "VALUES (@interactionId, @prompt, @response, @route, @outcome, @feedback, @rating, @Time) " +
            "ON CONFLICT (interaction_id) DO UPDATE SET outcome = excluded.outcome, feedback = excluded.feedback, rating = COALESCE(excluded.rating, interactions.rating), " +
            "prompt = CASE WHEN interactions.route IS NULL THEN COALESCE(interactions.prompt, excluded.prompt) ELSE interactions.prompt END, " +
            "response = CASE WHEN interactions.route IS NULL THEN COALESCE(interactions.response, excluded.response) ELSE interactions.response END, " +
            "route = COALESCE(interactions.route, excluded.route)",
            new
            {
                interactionId, prompt = Learnable(rated.Query), response = Learnable(rated.Response),
                route = rated.Route,
                outcome, feedback = (long?)feedback, rating, stored.Time,
            }, transaction);

        var interaction = await connection.QuerySingleAsync<(string? Route, string? Kind)>(
            "SELECT route, query_kind FROM interactions WHERE interaction_id = @interactionId", new { interactionId }, transaction);
        if (interaction.Route is "local" or "remote" && interaction.Kind is not null)
        {
            await RouteOutcomeAsync(connection, transaction, batch, interaction.Kind, interaction.Route, outcome == Outcomes.Failure, interactionId, now);
        }

        await InteractionPatternAsync(connection, transaction, interactionId, batch, stored.Time, now);
    }

    private async Task InteractionPatternAsync(
        DbConnection connection, DbTransaction transaction, string interactionId, BatchCounts batch, DateTimeOffset time, DateTimeOffset now)
    {
        var row = await connection.QuerySingleAsync<(string? Prompt, string? Response, string? Route, string? Outcome, long? Feedback)>(
            "SELECT prompt, response, route, outcome, feedback FROM interactions WHERE interaction_id = @interactionId", new { interactionId }, transaction);
        if (row.Prompt is null || row.Response is null)
        {
            if (row.Route is not null)
            {
                batch.NotLearnable++;
            }

            return;
        }

        await SaveAsync(connection, transaction, batch, new PatternCandidate(
            PatternTypes.QueryAnswer, "interaction:" + interactionId, row.Prompt, row.Response, row.Route, null,
            row.Outcome ?? Outcomes.Unknown, (int?)row.Feedback, time), now);
    }

    private async Task RouteOutcomeAsync(
        DbConnection connection, DbTransaction transaction, BatchCounts batch, string kind, string route, bool failed, string interactionId, DateTimeOffset now)
    {
        var sample = new JsonObject { ["interaction_id"] = interactionId, ["failed"] = failed };
        await Signals.RecordAsync(connection, transaction, ProposalKinds.RouteThreshold, $"route:{kind}:{route}", sample, failed, now);
        var local = await Signals.ReadAsync(connection, transaction, $"route:{kind}:local");
        var remote = await Signals.ReadAsync(connection, transaction, $"route:{kind}:remote");
        if (local is null || remote is null || !signals.Enough(local) || !signals.Enough(remote))
        {
            return;
        }

        var localRate = (double)local.Failures / local.Count;
        var remoteRate = (double)remote.Failures / remote.Count;
        if (localRate <= remoteRate + 0.1)
        {
            return;
        }

        var current = options.Value.CurrentRouteThreshold;
        var suggested = Math.Round(Math.Min(0.99, current + 0.05), 2);
        await signals.ProposeAsync(connection, transaction, batch, ProposalKinds.RouteThreshold, kind,
            $"Raise the local-route confidence threshold for '{kind}' queries to {suggested.ToString(CultureInfo.InvariantCulture)}",
            $"Local answers to '{kind}' queries failed {Signals.Percent(localRate)} of {local.Count} rated times, remote ones {Signals.Percent(remoteRate)} " +
            $"of {remote.Count}. Raise the Coordinator's local-route confidence threshold for this kind from {current.ToString(CultureInfo.InvariantCulture)} " +
            $"to {suggested.ToString(CultureInfo.InvariantCulture)}.",
            new JsonObject
            {
                ["query_kind"] = kind, ["current_threshold"] = current, ["suggested_threshold"] = suggested,
                ["local"] = local.Evidence.DeepClone(), ["remote"] = remote.Evidence.DeepClone(),
            }, now);
    }

    /// <summary>The text, unless it is a privacy hash ("sha256:..."), which carries nothing to learn from.</summary>
    private static string? Learnable(string? text) => ContentHash.IsHash(text) ? null : text;

    private async Task SaveAsync(DbConnection connection, DbTransaction transaction, BatchCounts batch, PatternCandidate candidate, DateTimeOffset now)
    {
        if (await patterns.SaveAsync(connection, transaction, candidate, now) == PatternStore.Result.Created)
        {
            batch.PatternsCreated++;
        }
    }
}
