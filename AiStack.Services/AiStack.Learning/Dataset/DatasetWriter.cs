using System.Text;
using AiStack.Learning.Diagnostics;
using AiStack.ServiceDefaults.Hosting;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Dataset;

/// <summary>
/// Writes the fine-tuning dataset file from the <c>dataset_entries</c> table (the source of truth, committed with each batch):
/// into a temporary file beside it, flushed to disk, then renamed over the old one, so a reader or a crash never sees half a file.
/// Entries are unique per pattern and per content hash, so the file has no duplicate lines.
/// </summary>
public sealed class DatasetWriter(Database database, IOptions<LearningOptions> options, LearningMetrics metrics)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path => options.Value.DatasetPath is { Length: > 0 } configured
        ? System.IO.Path.GetFullPath(configured)
        : System.IO.Path.Combine(AiStackPaths.Home, "learning", "finetuning.jsonl");

    public sealed record Written(string Path, long Examples, long Bytes);

    public async Task<Written> WriteAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var path = Path;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            long examples = 0;
            await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 65536, FileOptions.Asynchronous))
            await using (var writer = new StreamWriter(file, new UTF8Encoding(false)))
            {
                var lines = await connection.QueryAsync<string>(new CommandDefinition("SELECT line FROM dataset_entries ORDER BY id", cancellationToken: cancellationToken));
                foreach (var line in lines)
                {
                    await writer.WriteAsync(line);
                    await writer.WriteAsync('\n');
                    examples++;
                }

                await writer.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            var bytes = new FileInfo(path).Length;
            metrics.DatasetSize(bytes);
            return new Written(path, examples, bytes);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM dataset_entries", cancellationToken: cancellationToken));
    }
}
