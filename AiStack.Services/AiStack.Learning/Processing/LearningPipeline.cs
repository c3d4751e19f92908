using AiStack.Contracts.Learning;
using AiStack.Contracts.Telemetry;
using AiStack.Learning.Dataset;
using AiStack.Learning.Diagnostics;
using AiStack.Learning.Ingest;
using AiStack.Learning.Patterns;
using AiStack.Learning.Proposals;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Processing;

/// <summary>
/// The learning pipeline. Stored events are processed in batches, each in one transaction that holds the batch's results
/// (patterns, dataset entries, signals, proposals, joined state), marks exactly those events processed, advances the checkpoint
/// and renews the lease: a crash at any point leaves either all of a batch or none of it. After the batches: near-duplicate
/// dedup, publishing to the KnowledgeBase, submitting proposals to Ralph, writing the dataset file and retention, each of them
/// idempotent so that a crash in between only means doing it again.
/// </summary>
public sealed class LearningPipeline(
    Database database,
    EventStore events,
    EventInterpreter interpreter,
    PipelineLease lease,
    DeadLetters deadLetters,
    NearDuplicates nearDuplicates,
    PatternPublisher publisher,
    ProposalSubmitter submitter,
    ProposalApplier applier,
    CoordinatorRouting routing,
    DatasetWriter dataset,
    Retention retention,
    IOptions<LearningOptions> options,
    TimeProvider time,
    LearningMetrics metrics,
    ITelemetryEvents telemetryEvents,
    ILogger<LearningPipeline> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public PipelineState State { get; } = new();

    public async Task<ProcessResponse> RunAsync(bool onDemand, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!await lease.TryAcquireAsync(cancellationToken))
            {
                State.Standby = true;
                return new ProcessResponse("standby", 0, 0, 0, 0, 0, State.Paused);
            }

            State.Standby = false;
            await routing.RefreshAsync(cancellationToken);
            var backlog = await events.GetBacklogAsync(cancellationToken);
            var paused = IsOverThreshold(backlog);
            State.Update(backlog, paused);
            metrics.Backlog(backlog.Events, backlog.Lag, paused);
            if (paused)
            {
                logger.LogWarning("Learning backlog {Events} events / {Bytes} bytes is over the threshold: scheduled learning paused (one batch per run)",
                    backlog.Events, backlog.Bytes);
            }

            var maxBatches = paused && !onDemand ? 1 : int.MaxValue;
            int batches = 0, patterns = 0;
            long processed = 0;
            // Events that failed in this run wait for the next one (one attempt per run), so they never hold up the events after them.
            var failed = new HashSet<long>();
            while (batches < maxBatches && !cancellationToken.IsCancellationRequested)
            {
                var batch = await ProcessBatchAsync(failed, cancellationToken);
                if (batch.Read == 0)
                {
                    break;
                }

                batches++;
                processed += batch.Events;
                patterns += batch.Patterns;
            }

            if (patterns > 0)
            {
                telemetryEvents.Publish(TelemetryEventTypes.PatternExtracted, new PatternExtractedPayload(patterns, processed, batches));
            }

            var proposals = await AfterBatchesAsync(processed > 0, cancellationToken);
            backlog = await events.GetBacklogAsync(cancellationToken);
            paused = IsOverThreshold(backlog);
            State.Update(backlog, paused);
            State.LastRun = time.GetUtcNow();
            metrics.Backlog(backlog.Events, backlog.Lag, paused);
            await deadLetters.CountAsync(cancellationToken); // refreshes the learning_dead_letters gauge for scrapes between runs
            var examples = await dataset.CountAsync(cancellationToken);
            return new ProcessResponse(paused ? "learning_paused" : "ok", batches, processed, patterns, examples, proposals, paused);
        }
        finally
        {
            _gate.Release();
        }
    }

    public bool IsOverThreshold(Backlog backlog)
    {
        ArgumentNullException.ThrowIfNull(backlog);
        return backlog.Events > options.Value.BackpressureEvents || backlog.Bytes > options.Value.BackpressureBytes;
    }

    /// <summary>What one batch did: events read, events processed (the others failed and were recorded), patterns created.</summary>
    public readonly record struct BatchResult(int Read, int Events, int Patterns);

    /// <summary>
    /// Processes the next batch of unprocessed events (except <paramref name="failed"/>) in one transaction. When that throws, the
    /// batch is done again one event per transaction, so that only the events that fail themselves are held back: each of them gets
    /// an attempt recorded (and is quarantined at the last one) and joins <paramref name="failed"/>. When even recording the failure
    /// fails, the database itself is the problem: the exception goes to the caller and nothing is charged to the events.
    /// </summary>
    public async Task<BatchResult> ProcessBatchAsync(ISet<long> failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failed);
        List<StoredEvent> rows;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            var skip = failed.Count == 0 ? "" : " AND NOT (" + database.Dialect.InList("seq", "failed") + ")";
            rows = (await connection.QueryAsync<StoredEvent>(new CommandDefinition(
                $"SELECT {StoredEvent.Columns} FROM events WHERE processed_batch IS NULL{skip} ORDER BY seq LIMIT @limit",
                new { limit = options.Value.BatchSize, failed = failed.ToArray() }, cancellationToken: cancellationToken))).AsList();
        }

        if (rows.Count == 0)
        {
            return new BatchResult(0, 0, 0);
        }

        try
        {
            var patterns = await CommitAsync(rows, cancellationToken);
            return new BatchResult(rows.Count, rows.Count, patterns);
        }
        catch (Exception ex) when (IsEventFailure(ex, cancellationToken) && rows.Count > 1)
        {
            logger.LogWarning("A batch of {Count} events failed ({Error}); processing them one by one to find the failing ones", rows.Count, ex.Message);
        }
        catch (Exception ex) when (IsEventFailure(ex, cancellationToken))
        {
            await deadLetters.RecordFailureAsync(rows[0], ex, cancellationToken);
            failed.Add(rows[0].Seq);
            return new BatchResult(1, 0, 0);
        }

        int processed = 0, created = 0;
        foreach (var row in rows)
        {
            try
            {
                created += await CommitAsync([row], cancellationToken);
                processed++;
            }
            catch (Exception ex) when (IsEventFailure(ex, cancellationToken))
            {
                await deadLetters.RecordFailureAsync(row, ex, cancellationToken);
                failed.Add(row.Seq);
            }
        }

        return new BatchResult(rows.Count, processed, created);
    }

    /// <summary>A failure that may be the event's own; a lost lease or a stop is the pipeline's and is never charged to an event.</summary>
    private static bool IsEventFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not LeaseLostException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    /// <summary>One transaction: the rows' results, the rows marked processed, counters, checkpoint and lease. Returns the patterns created.</summary>
    private async Task<int> CommitAsync(IReadOnlyList<StoredEvent> rows, CancellationToken cancellationToken)
    {
        var counts = await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (!await lease.RenewAsync(connection, transaction))
            {
                throw new LeaseLostException();
            }

            var now = time.GetUtcNow();
            var batchNumber = (await connection.QuerySingleOrDefaultAsync<long?>(
                "SELECT batch FROM checkpoint WHERE name = @Name", new { PipelineLease.Name }, transaction) ?? 0) + 1;
            var batch = new BatchCounts();
            foreach (var row in rows)
            {
                await interpreter.InterpretAsync(connection, transaction, row, batch, now);
            }

            var seqs = rows.Select(r => r.Seq).ToArray();
            var marked = await connection.ExecuteAsync(
                $"UPDATE events SET processed_batch = @batchNumber, processed_at = @now WHERE {database.Dialect.InList("seq", "seqs")} AND processed_batch IS NULL",
                new { batchNumber, now, seqs }, transaction);
            if (marked != rows.Count)
            {
                // Someone else processed some of these events meanwhile: this batch's results would count them twice.
                throw new LeaseLostException($"Only {marked} of {rows.Count} events were still unprocessed; the batch is rolled back.");
            }

            await deadLetters.ClearAsync(connection, transaction, seqs);
            await Counters.AddAsync(connection, transaction, Counters.EventsProcessed, rows.Count);
            await Counters.AddAsync(connection, transaction, Counters.NotLearnable, batch.NotLearnable);
            await connection.ExecuteAsync(
                "INSERT INTO checkpoint (name, batch, last_seq, events, holder, updated_at) VALUES (@Name, @batchNumber, @lastSeq, @count, @Holder, @now) " +
                "ON CONFLICT (name) DO UPDATE SET batch = excluded.batch, last_seq = excluded.last_seq, events = checkpoint.events + excluded.events, " +
                "holder = excluded.holder, updated_at = excluded.updated_at",
                new { PipelineLease.Name, batchNumber, lastSeq = seqs[^1], count = (long)rows.Count, lease.Holder, now }, transaction);
            return batch;
        }, cancellationToken);

        metrics.EventsProcessed(rows.Count);
        metrics.PatternsExtracted(counts.PatternsCreated);
        return counts.PatternsCreated;
    }

    private async Task<int> AfterBatchesAsync(bool datasetMayHaveChanged, CancellationToken cancellationToken)
    {
        var merged = await Step("knowledgebase", () => nearDuplicates.RunAsync(cancellationToken));
        await Step("knowledgebase", () => publisher.RunAsync(cancellationToken));
        var submitted = await Step("ralph", () => submitter.RunAsync(cancellationToken));
        await Step("coordinator", () => applier.RunAsync(cancellationToken));
        if (datasetMayHaveChanged || merged > 0 || !File.Exists(dataset.Path))
        {
            await Step("dataset", async () => (int)(await dataset.WriteAsync(cancellationToken)).Examples);
        }

        await Step("retention", async () => (int)(await retention.RunAsync(cancellationToken)).Deleted);
        return submitted;
    }

    private async Task<int> Step(string errorType, Func<Task<int>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException or InvalidOperationException or TaskCanceledException or System.Data.Common.DbException)
        {
            metrics.Error(errorType);
            logger.LogWarning(ex, "Learning step {Step} failed; it is retried on the next run", errorType);
            return 0;
        }
    }
}

/// <summary>What the last run saw, for health and stats without a query.</summary>
public sealed class PipelineState
{
    private Backlog _backlog = new(0, 0, TimeSpan.Zero);

    public Backlog Backlog => Volatile.Read(ref _backlog);

    public bool Paused { get; private set; }

    public bool Standby { get; set; }

    public DateTimeOffset? LastRun { get; set; }

    /// <summary>Scheduled runs that failed in a row (0 after a success), and the last failure, for /health.</summary>
    public int ConsecutiveFailures { get; set; }

    public string? LastError { get; set; }

    public void Update(Backlog backlog, bool paused)
    {
        Volatile.Write(ref _backlog, backlog);
        Paused = paused;
    }
}
