using AiStack.Learning.Ingest;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Processing;

/// <summary>
/// Telemetry retention: processed events older than <c>Learning:CompressAfter</c> (7 days) keep their row but their payload is
/// gzip-compressed; processed events older than <c>Learning:DeleteAfter</c> (30 days) are deleted. Unprocessed events are never touched.
/// Quarantined events (processed_batch 0, see <see cref="DeadLetters"/>) are kept too. Age is the event's own time.
/// </summary>
public sealed class Retention(Database database, IOptions<LearningOptions> options, TimeProvider time)
{
    private const int CompressBatch = 500;

    public sealed record Result(long Compressed, long Deleted);

    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var deleteBefore = now - options.Value.DeleteAfter;
        var compressBefore = now - options.Value.CompressAfter;
        long deleted;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            deleted = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM events WHERE processed_batch > 0 AND time < @deleteBefore", new { deleteBefore }, cancellationToken: cancellationToken));
        }

        long compressed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var count = await database.InTransactionAsync(async (connection, transaction) =>
            {
                var rows = (await connection.QueryAsync<(long Seq, string Payload)>(
                    $"SELECT seq, payload FROM events WHERE processed_batch > 0 AND payload IS NOT NULL AND time < @compressBefore ORDER BY seq LIMIT {CompressBatch}",
                    new { compressBefore }, transaction)).AsList();
                foreach (var row in rows)
                {
                    await connection.ExecuteAsync("UPDATE events SET payload_gz = @gz, payload = NULL WHERE seq = @Seq",
                        new { gz = StoredEvent.Compress(row.Payload), row.Seq }, transaction);
                }

                return rows.Count;
            }, cancellationToken);
            compressed += count;
            if (count < CompressBatch)
            {
                break;
            }
        }

        return new Result(compressed, deleted);
    }
}
