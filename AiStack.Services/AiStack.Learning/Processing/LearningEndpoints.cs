using System.Globalization;
using System.Text.Json.Nodes;
using AiStack.Contracts.Learning;
using AiStack.Contracts.Telemetry;
using AiStack.Contracts.Validation;
using AiStack.Learning.Dataset;
using AiStack.Learning.Ingest;
using AiStack.Learning.Proposals;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Storage;
using Dapper;

namespace AiStack.Learning.Processing;

/// <summary>The original's <c>/learning</c> contract: stats, process, export, dataset download, proposals, A/B comparison.</summary>
public static class LearningEndpoints
{
    public static RouteGroupBuilder MapLearningApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/learning").WithTags("Learning");
        group.MapGet("/stats", StatsAsync).WithName("LearningStats");
        group.MapPost("/process", ProcessAsync).WithName("ProcessNow").WithSummary("Processes every unprocessed event now (also while paused).");
        group.MapPost("/export", ExportAsync).WithName("ExportDataset");
        group.MapGet("/dataset", DownloadAsync).WithName("DownloadDataset");
        group.MapGet("/proposals", ProposalsAsync).WithName("ListProposals");
        group.MapGet("/patterns", PatternsAsync).WithName("ListPatterns").WithSummary("The most valuable patterns first (for the control center).");
        group.MapPost("/ab_compare", AbCompareAsync).WithName("AbCompare");
        group.MapGet("/dead_letters", DeadLettersAsync).WithName("ListDeadLetters").WithSummary("Events whose processing failed: quarantined and retrying.");
        group.MapPost("/dead_letters/replay", ReplayAllAsync).WithName("ReplayDeadLetters").WithSummary("Puts every quarantined event back into processing.");
        group.MapPost("/dead_letters/{seq:long}/replay", ReplayOneAsync).WithName("ReplayDeadLetter").WithSummary("Puts one quarantined event back into processing.");
        return group;
    }

    private static async Task<IResult> StatsAsync(Database database, EventStore events, LearningPipeline pipeline, PipelineLease lease, DeadLetters deadLetters,
        Microsoft.Extensions.Options.IOptions<LearningOptions> options, CancellationToken cancellationToken)
    {
        var dead = await deadLetters.CountAsync(cancellationToken);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var counters = await Counters.ReadAllAsync(connection, cancellationToken);
        long Counter(string name) => counters.GetValueOrDefault(name);
        var byType = (await connection.QueryAsync<(string Type, long Count)>(new CommandDefinition(
            "SELECT pattern_type, COUNT(*) FROM patterns GROUP BY pattern_type ORDER BY pattern_type", cancellationToken: cancellationToken)))
            .ToDictionary(r => r.Type, r => r.Count, StringComparer.Ordinal);
        var dataset = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM dataset_entries", cancellationToken: cancellationToken));
        var proposals = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM proposals", cancellationToken: cancellationToken));
        var checkpoint = (await connection.QueryAsync<(long Batch, long LastSeq, long Events, string Holder, DateTimeOffset UpdatedAt)>(new CommandDefinition(
            "SELECT batch, last_seq, events, holder, updated_at FROM checkpoint WHERE name = @Name", new { PipelineLease.Name }, cancellationToken: cancellationToken)))
            .Select(c => new CheckpointView(c.Batch, c.LastSeq, c.Events, c.Holder, c.UpdatedAt)).FirstOrDefault();
        var backlog = await events.GetBacklogAsync(cancellationToken);
        var paused = pipeline.IsOverThreshold(backlog);
        var removed = Counter(Counters.DedupExact) + Counter(Counters.DedupNear);
        var candidates = Counter(Counters.Candidates);
        var current = await lease.CurrentAsync(cancellationToken);
        return TypedResults.Ok(new LearningStatsResponse(
            byType.Values.Sum(),
            byType,
            dataset,
            proposals,
            new BackpressureView(backlog.Events, backlog.Bytes, options.Value.BackpressureEvents, options.Value.BackpressureBytes, paused),
            paused,
            new DeduplicationView(candidates == 0 ? 0 : Math.Round((double)removed / candidates, 4), removed, Counter(Counters.DedupExact), Counter(Counters.DedupNear)),
            new EventCounts(Counter(Counters.EventsReceived), Counter(Counters.EventsProcessed), backlog.Events, Math.Round(backlog.Lag.TotalSeconds, 3),
                Counter(Counters.EventsCorrupt), Counter(Counters.EventsDuplicate), Counter(Counters.NotLearnable), Counter(Counters.Filtered),
                dead.Quarantined, dead.Retrying),
            checkpoint,
            current is null ? null : new LeaseView(current.Value.Holder, current.Value.ExpiresAt, current.Value.Holder == lease.Holder),
            pipeline.State.LastRun));
    }

    private static async Task<IResult> ProcessAsync(LearningPipeline pipeline, CancellationToken cancellationToken)
    {
        try
        {
            var result = await pipeline.RunAsync(onDemand: true, cancellationToken);
            return result.Status == "standby"
                ? TypedResults.Problem(detail: "Another replica holds the learning pipeline lease; it processes the events.", statusCode: StatusCodes.Status409Conflict,
                    title: "Pipeline active elsewhere.")
                : TypedResults.Ok(result);
        }
        catch (LeaseLostException ex)
        {
            return TypedResults.Problem(detail: ex.Message, statusCode: StatusCodes.Status409Conflict, title: "Pipeline active elsewhere.");
        }
    }

    private static async Task<IResult> ExportAsync(DatasetWriter dataset, ITelemetryEvents events, CancellationToken cancellationToken)
    {
        var written = await dataset.WriteAsync(cancellationToken);
        events.Publish(TelemetryEventTypes.DatasetExported, new DatasetExportedPayload(written.Path, written.Examples, written.Bytes));
        return TypedResults.Ok(new ExportResponse("exported", written.Path, written.Examples, written.Bytes));
    }

    private static async Task<IResult> DownloadAsync(DatasetWriter dataset, CancellationToken cancellationToken)
    {
        if (!File.Exists(dataset.Path))
        {
            await dataset.WriteAsync(cancellationToken);
        }

        return TypedResults.PhysicalFile(dataset.Path, "application/jsonl", "finetuning.jsonl");
    }

    private static async Task<IResult> ProposalsAsync(Database database, CancellationToken cancellationToken, string? status = null)
    {
        if (StorableText.Check("status", status) is { } unstorable)
        {
            return Invalid("status", unstorable);
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ProposalRow>(new CommandDefinition(
            $"SELECT {ProposalRow.Columns} FROM proposals WHERE (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT 500",
            new { status }, cancellationToken: cancellationToken));
        var proposals = rows.Select(r => new ProposalView(r.Id, r.Kind, r.Title, r.Prompt, JsonNode.Parse(r.Evidence), r.Status, r.RalphTaskId,
            r.Attempts, r.LastError, r.CreatedAt, r.SubmittedAt)).ToList();
        return TypedResults.Ok(new ProposalListResponse(proposals, proposals.Count));
    }

    private static async Task<IResult> PatternsAsync(Database database, CancellationToken cancellationToken, string? type = null, int? limit = null)
    {
        if (StorableText.Check("type", type) is { } unstorable)
        {
            return Invalid("type", unstorable);
        }

        var count = limit ?? 50;
        if (count is < 1 or > LearningRoutes.MaxPatternPage)
        {
            return Invalid("limit", $"limit must be a whole number from 1 to {LearningRoutes.MaxPatternPage}.");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PatternView>(new CommandDefinition(
            "SELECT id AS Id, pattern_type AS PatternType, prompt AS Prompt, outcome AS Outcome, backend AS Backend, iterations AS Iterations, " +
            "value AS Value, occurrences AS Occurrences, updated_at AS UpdatedAt FROM patterns WHERE (@type IS NULL OR pattern_type = @type) " +
            "ORDER BY value DESC, id DESC LIMIT @count", new { type, count }, cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM patterns WHERE (@type IS NULL OR pattern_type = @type)", new { type }, cancellationToken: cancellationToken));
        return TypedResults.Ok(new PatternListResponse(rows.AsList(), total));
    }

    private static async Task<IResult> AbCompareAsync(AbCompareRequest? request, Database database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return Invalid("$", "Send {variant_a, variant_b} or {tag_a, tag_b}, and optionally days.");
        }

        var byVariant = !string.IsNullOrWhiteSpace(request.VariantA) && !string.IsNullOrWhiteSpace(request.VariantB);
        var byTag = !string.IsNullOrWhiteSpace(request.TagA) && !string.IsNullOrWhiteSpace(request.TagB);
        if (byVariant == byTag)
        {
            return Invalid("variant_a", "Give either variant_a and variant_b, or tag_a and tag_b.");
        }

        var days = request.Days ?? 7;
        if (days is < 1 or > 3650)
        {
            return Invalid("days", "days must be between 1 and 3650.");
        }

        var since = time.GetUtcNow().AddDays(-days);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        async Task<VariantStats> StatsFor(string name)
        {
            var filter = byVariant ? "variant = @name" : "tags LIKE @pattern";
            var row = await connection.QuerySingleAsync<(long Total, long Rated, double? Average)>(new CommandDefinition(
                $"SELECT COUNT(*), COUNT(rating), AVG(rating) FROM interactions WHERE prompt IS NOT NULL AND time >= @since AND {filter}",
                new { name, pattern = "%," + name + ",%", since }, cancellationToken: cancellationToken));
            return new VariantStats(name, row.Total, row.Rated, row.Average is null ? null : Math.Round(row.Average.Value, 4));
        }

        var a = await StatsFor(byVariant ? request.VariantA! : request.TagA!);
        var b = await StatsFor(byVariant ? request.VariantB! : request.TagB!);
        double? delta = a.AvgRating is not null && b.AvgRating is not null ? Math.Round(b.AvgRating.Value - a.AvgRating.Value, 4) : null;
        return TypedResults.Ok(new AbCompareResponse(a, b, new AbDelta(delta), days));
    }

    private static async Task<IResult> DeadLettersAsync(DeadLetters deadLetters, CancellationToken cancellationToken, string? limit = null)
    {
        var count = 100;
        if (limit is not null && (!int.TryParse(limit, CultureInfo.InvariantCulture, out count) || count < 1 || count > LearningRoutes.MaxDeadLetterPage))
        {
            return Invalid("limit", $"limit must be a whole number from 1 to {LearningRoutes.MaxDeadLetterPage}.");
        }

        var rows = await deadLetters.ListAsync(count, cancellationToken);
        var counts = await deadLetters.CountAsync(cancellationToken);
        return TypedResults.Ok(new DeadLetterListResponse(rows, rows.Count, counts.Quarantined, counts.Retrying));
    }

    private static async Task<IResult> ReplayAllAsync(DeadLetters deadLetters, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ReplayResponse(await deadLetters.ReplayAsync(null, cancellationToken)));

    private static async Task<IResult> ReplayOneAsync(long seq, DeadLetters deadLetters, CancellationToken cancellationToken)
    {
        var replayed = await deadLetters.ReplayAsync(seq, cancellationToken);
        return replayed == 0
            ? TypedResults.Problem(detail: $"No quarantined event has seq {seq.ToString(CultureInfo.InvariantCulture)} (it was replayed already, or has not failed Learning:MaxAttempts times); GET /learning/dead_letters lists them.",
                statusCode: StatusCodes.Status404NotFound, title: "No such dead letter.")
            : TypedResults.Ok(new ReplayResponse(replayed));
    }

    private static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
