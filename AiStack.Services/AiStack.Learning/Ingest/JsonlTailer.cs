using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;
using AiStack.Learning.Diagnostics;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Ingest;

/// <summary>
/// Tails JSONL files written by outside agents. Only complete lines are read (a partial last line waits for its newline); the
/// read position is stored in the same transaction as the lines' events, so a crash neither skips nor re-reads a line. Rotation is
/// detected by the file's identity (inode): the open handle of the old file is drained first, then the new file is read from its
/// start. A file that shrinks below the stored position was truncated and is read again from its start. Lines that are not JSON
/// objects, not events, or events the store refuses are skipped and counted as corrupt: no line stalls the file.
/// </summary>
public sealed class JsonlTailer(
    Database database, EventStore events, IOptions<LearningOptions> options, TimeProvider time, LearningMetrics metrics, ILogger<JsonlTailer> logger)
    : IDisposable
{
    private const int MinChunkBytes = 4 * 1024 * 1024;
    private readonly Dictionary<string, OpenFile> _open = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public sealed record Position(string FileId, long Offset, long Lines, long Corrupt);

    private sealed record OpenFile(FileStream Stream, string Id);

    /// <summary>Reads what is new in <paramref name="path"/>; returns the events stored (duplicates excluded).</summary>
    public async Task<int> PollAsync(string path, CancellationToken cancellationToken)
    {
        path = Path.GetFullPath(path);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stored = await LoadAsync(path, cancellationToken);
            var accepted = 0;
            if (_open.TryGetValue(path, out var open))
            {
                if (stored is not null && open.Id == stored.FileId)
                {
                    // Drain the file we were reading first: after a rename it still holds lines written before the rotation.
                    accepted += await ReadAsync(path, open, stored.Offset, cancellationToken);
                }

                var current = FileIdentity.OfPath(path);
                if (current is null || current.Id != open.Id)
                {
                    logger.LogInformation("JSONL source {Path} was rotated or removed; reading the new file from its start", path);
                    await open.Stream.DisposeAsync();
                    _open.Remove(path);
                    open = null;
                }
            }

            if (open is null)
            {
                if (!File.Exists(path))
                {
                    return accepted;
                }

                var stream = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, Options = FileOptions.SequentialScan,
                });
                open = new OpenFile(stream, FileIdentity.OfHandle(stream.SafeFileHandle).Id);
                _open[path] = open;
            }

            stored = await LoadAsync(path, cancellationToken);
            var offset = stored is not null && stored.FileId == open.Id ? stored.Offset : 0;
            if (open.Stream.Length < offset)
            {
                logger.LogInformation("JSONL source {Path} shrank below the read position {Offset}: truncated, reading from its start", path, offset);
                offset = 0;
            }

            if (stored is null || stored.FileId != open.Id || stored.Offset != offset)
            {
                await database.InTransactionAsync(async (connection, transaction) =>
                {
                    await SaveAsync(connection, transaction, path, open.Id, offset, 0, 0);
                    return 0;
                }, cancellationToken);
            }

            return accepted + await ReadAsync(path, open, offset, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<Position?> LoadAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Position>(new CommandDefinition(
            "SELECT file_id AS FileId, position AS Offset, lines AS Lines, corrupt AS Corrupt FROM jsonl_positions WHERE path = @path",
            new { path }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<(string Path, Position Position)>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Path, string FileId, long Offset, long Lines, long Corrupt)>(new CommandDefinition(
            "SELECT path, file_id, position, lines, corrupt FROM jsonl_positions ORDER BY path", cancellationToken: cancellationToken));
        return rows.Select(r => (r.Path, new Position(r.FileId, r.Offset, r.Lines, r.Corrupt))).ToList();
    }

    private async Task<int> ReadAsync(string path, OpenFile file, long offset, CancellationToken cancellationToken)
    {
        var maxLine = options.Value.MaxLineBytes;
        var buffer = new byte[Math.Max(MinChunkBytes, maxLine + 1)];
        var source = SourceName(path);
        var stored = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            file.Stream.Seek(offset, SeekOrigin.Begin);
            var filled = await FillAsync(file.Stream, buffer, cancellationToken);
            if (filled == 0)
            {
                return stored;
            }

            var lastNewline = Array.LastIndexOf(buffer, (byte)'\n', filled - 1);
            if (lastNewline < 0)
            {
                if (filled <= maxLine)
                {
                    return stored; // a partial last line: wait for its newline
                }

                // An over-long line: skip it whole once its newline arrives.
                var end = await FindNewlineAsync(file.Stream, offset + filled, cancellationToken);
                if (end < 0)
                {
                    return stored;
                }

                await CommitAsync(path, file.Id, end + 1, [], 0, 1, cancellationToken);
                offset = end + 1;
                continue;
            }

            var read = new List<(TelemetryEvent? Event, long End)>();
            var now = time.GetUtcNow();
            var start = 0;
            while (start <= lastNewline)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, lastNewline - start + 1);
                var line = buffer.AsSpan(start, newline - start).TrimEnd((byte)'\r');
                var lineOffset = offset + start;
                start = newline + 1;
                if (line.Trim((byte)' ').IsEmpty)
                {
                    continue;
                }

                read.Add((line.Length > maxLine ? null : Parse(line, source, file.Id, lineOffset, now), offset + start));
            }

            var chunkEnd = offset + lastNewline + 1;
            try
            {
                var parsed = read.Where(r => r.Event is not null).Select(r => r.Event!).ToList();
                stored += await CommitAsync(path, file.Id, chunkEnd, parsed, read.Count, read.Count - parsed.Count, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                stored += await CommitLineByLineAsync(path, file.Id, read, chunkEnd, ex, cancellationToken);
            }

            offset = chunkEnd;
        }

        return stored;
    }

    /// <summary>
    /// After a chunk's transaction failed: each line on its own, so that a line the store refuses (the only kind of fault that spares
    /// the position write) is skipped and counted as corrupt, and the file goes on. A failure of the skip itself means the database is
    /// down or locked: it goes to the caller, and the position stays where it was.
    /// </summary>
    private async Task<int> CommitLineByLineAsync(
        string path, string fileId, List<(TelemetryEvent? Event, long End)> read, long chunkEnd, Exception chunkError, CancellationToken cancellationToken)
    {
        logger.LogWarning("Storing {Lines} lines of {Path} failed ({Error}); storing them one by one", read.Count, path, chunkError.Message);
        var stored = 0;
        foreach (var (telemetryEvent, end) in read)
        {
            if (telemetryEvent is null)
            {
                await CommitAsync(path, fileId, end, [], 1, 1, cancellationToken);
                continue;
            }

            try
            {
                stored += await CommitAsync(path, fileId, end, [telemetryEvent], 1, 0, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await CommitAsync(path, fileId, end, [], 1, 1, cancellationToken);
                logger.LogWarning("Skipped the line at byte {Offset} of {Path}: the store refused its event {EventId}: {Error}",
                    end, path, telemetryEvent.Id, ex.Message);
            }
        }

        if (read.Count == 0 || read[^1].End < chunkEnd)
        {
            await CommitAsync(path, fileId, chunkEnd, [], 0, 0, cancellationToken);
        }

        return stored;
    }

    private async Task<int> CommitAsync(
        string path, string fileId, long offset, IReadOnlyList<TelemetryEvent> parsed, int lines, int corrupt, CancellationToken cancellationToken)
    {
        var result = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var added = parsed.Count == 0 ? new TelemetryBatchResult(0, 0, []) : await events.AddAsync(connection, transaction, parsed);
            await Counters.AddAsync(connection, transaction, Counters.EventsCorrupt, corrupt);
            await SaveAsync(connection, transaction, path, fileId, offset, lines, corrupt);
            return added;
        }, cancellationToken);
        if (corrupt > 0)
        {
            metrics.Error("corrupt_line", corrupt);
            logger.LogWarning("Skipped {Corrupt} corrupt lines in {Path}", corrupt, path);
        }

        return result.Accepted;
    }

    private static TelemetryEvent? Parse(ReadOnlySpan<byte> line, string source, string fileId, long offset, DateTimeOffset now)
    {
        try
        {
            if (JsonNode.Parse(line) is not JsonObject json)
            {
                return null;
            }

            // A line without an id gets a stable one: the same line of the same file is the same event, whenever it is read.
            var hash = Convert.ToHexStringLower(SHA256.HashData(line))[..16];
            var fallbackId = $"jsonl:{fileId}:{offset}:{hash}";
            return EventMapper.TryMap(json, source, fallbackId, now, out var mapped, out _) ? mapped : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            // Not JSON, not valid UTF-8, a value that does not convert: the line is corrupt, whatever the parser's complaint.
            return null;
        }
    }

    private Task SaveAsync(DbConnection connection, DbTransaction transaction, string path, string fileId, long offset, int lines, int corrupt) =>
        connection.ExecuteAsync(
            "INSERT INTO jsonl_positions (path, file_id, position, lines, corrupt, updated_at) VALUES (@path, @fileId, @offset, @lines, @corrupt, @now) " +
            "ON CONFLICT (path) DO UPDATE SET file_id = excluded.file_id, position = excluded.position, " +
            "lines = jsonl_positions.lines + excluded.lines, corrupt = jsonl_positions.corrupt + excluded.corrupt, updated_at = excluded.updated_at",
            new { path, fileId, offset, lines = (long)lines, corrupt = (long)corrupt, now = time.GetUtcNow() }, transaction);

    /// <summary>"ralph-events.jsonl" comes from "ralph".</summary>
    public static string SourceName(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name.EndsWith("-events", StringComparison.Ordinal) ? name[..^"-events".Length] : name;
    }

    private static async Task<int> FillAsync(FileStream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private static async Task<long> FindNewlineAsync(FileStream stream, long from, CancellationToken cancellationToken)
    {
        var chunk = new byte[64 * 1024];
        stream.Seek(from, SeekOrigin.Begin);
        var position = from;
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            var index = Array.IndexOf(chunk, (byte)'\n', 0, read);
            if (index >= 0)
            {
                return position + index;
            }

            position += read;
        }

        return -1;
    }

    public void Dispose()
    {
        foreach (var file in _open.Values)
        {
            file.Stream.Dispose();
        }

        _open.Clear();
        _gate.Dispose();
    }
}
