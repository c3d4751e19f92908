using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AiStack.Clients;
using AiStack.Learning.Ingest;
using AiStack.Learning.Processing;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Patterns;

/// <summary>
/// Near-duplicate dedup: new patterns are embedded by the KnowledgeBase (<c>POST /vector/embed</c>), outside any transaction;
/// then, in one transaction, a pattern whose embedding is at least <c>Learning:NearDuplicateSimilarity</c> (0.9) close to an
/// older one of the same type merges into it (value = 0.8 old + 0.2 new, occurrences added, origins moved) and disappears.
/// Without a KnowledgeBase only exact dedup applies.
/// </summary>
public sealed class NearDuplicates(Database database, IServiceProvider services, PipelineLease lease, IOptions<LearningOptions> options, TimeProvider time)
{
    private const int BatchSize = 64;

    public bool Enabled => services.GetService<KnowledgeBaseClient>() is not null;

    /// <summary>Returns how many patterns were merged away.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var client = services.GetService<KnowledgeBaseClient>();
        if (client is null)
        {
            return 0;
        }

        var merged = 0;
        while (true)
        {
            List<PatternRow> pending;
            await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            {
                pending = (await connection.QueryAsync<PatternRow>(new CommandDefinition(
                    $"SELECT {PatternRow.Columns} FROM patterns WHERE embedding IS NULL ORDER BY id LIMIT {BatchSize}", cancellationToken: cancellationToken))).AsList();
            }

            if (pending.Count == 0)
            {
                return merged;
            }

            var vectors = await client.EmbedAsync(pending.Select(p => p.Prompt + "\n" + p.Response).ToList(), cancellationToken);
            if (vectors.Count != pending.Count)
            {
                throw new InvalidOperationException($"The KnowledgeBase returned {vectors.Count} embeddings for {pending.Count} texts.");
            }

            merged += await database.InTransactionAsync(async (connection, transaction) =>
            {
                if (!await lease.RenewAsync(connection, transaction))
                {
                    throw new LeaseLostException();
                }

                var now = time.GetUtcNow();
                var known = (await connection.QueryAsync<(long Id, string Type, byte[] Embedding, double Value, long Occurrences)>(
                    "SELECT id, pattern_type, embedding, value, occurrences FROM patterns WHERE embedding IS NOT NULL", transaction: transaction))
                    .Select(r => (r.Id, r.Type, Vector: MemoryMarshal.Cast<byte, float>(r.Embedding).ToArray(), r.Value, r.Occurrences)).ToList();
                var count = 0;
                for (var i = 0; i < pending.Count; i++)
                {
                    var candidate = pending[i];
                    var vector = vectors[i];
                    var best = known.Where(k => k.Type == candidate.Type && k.Vector.Length == vector.Length)
                        .Select(k => (k.Id, k.Value, Similarity: TensorPrimitives.CosineSimilarity(k.Vector, vector)))
                        .OrderByDescending(k => k.Similarity).FirstOrDefault();
                    if (best.Id != 0 && best.Similarity >= options.Value.NearDuplicateSimilarity)
                    {
                        var value = Math.Round((0.8 * best.Value) + (0.2 * candidate.Value), 6);
                        await connection.ExecuteAsync(
                            "UPDATE patterns SET value = @value, occurrences = occurrences + @Occurrences, updated_at = @now WHERE id = @Id",
                            new { value, candidate.Occurrences, now, best.Id }, transaction);
                        await connection.ExecuteAsync("UPDATE pattern_origins SET pattern_id = @target WHERE pattern_id = @source",
                            new { target = best.Id, source = candidate.Id }, transaction);
                        await connection.ExecuteAsync("DELETE FROM dataset_entries WHERE pattern_id = @Id", new { candidate.Id }, transaction);
                        await connection.ExecuteAsync("DELETE FROM patterns WHERE id = @Id", new { candidate.Id }, transaction);
                        await Counters.AddAsync(connection, transaction, Counters.DedupNear, 1);
                        count++;
                        continue;
                    }

                    var bytes = MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
                    await connection.ExecuteAsync("UPDATE patterns SET embedding = @bytes WHERE id = @Id", new { bytes, candidate.Id }, transaction);
                    known.Add((candidate.Id, candidate.Type, vector, candidate.Value, candidate.Occurrences));
                }

                return count;
            }, cancellationToken);
        }
    }
}
