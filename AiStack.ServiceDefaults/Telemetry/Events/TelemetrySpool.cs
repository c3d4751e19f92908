using System.Globalization;
using System.Text;

namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>
/// The outbox on disk: an append-only JSONL file of events and, beside it, the byte offset up to which events were delivered.
/// Appends are flushed to the operating system at once, so a crash of the process loses nothing that Publish returned from.
/// The offset is replaced atomically (temp file + rename) after a delivery; a crash between delivery and that write only resends
/// events, which the receiver drops by id.
/// </summary>
public sealed class TelemetrySpool : IDisposable
{
    private readonly Lock _gate = new();
    private readonly FileStream _writer;
    private long _shipped;

    public TelemetrySpool(string directory, string service)
    {
        Directory.CreateDirectory(directory);
        // A second process of the same service on the same home gets its own file rather than interleaving writes.
        try
        {
            FilePath = Path.Combine(directory, service + ".jsonl");
            _writer = new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (IOException)
        {
            FilePath = Path.Combine(directory, $"{service}-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
            _writer = new FileStream(FilePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        }

        OffsetPath = FilePath + ".offset";
        _shipped = ReadOffset();
        if (_shipped > _writer.Length)
        {
            // The file was emptied after a full delivery but the offset not yet reset: everything in it was shipped.
            _shipped = 0;
            WriteOffset(0);
        }

        _writer.Seek(0, SeekOrigin.End);
    }

    public string FilePath { get; }

    public string OffsetPath { get; }

    /// <summary>Bytes written but not yet delivered.</summary>
    public long PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _writer.Length - _shipped;
            }
        }
    }

    public void Append(string jsonLine)
    {
        var bytes = Encoding.UTF8.GetBytes(jsonLine + "\n");
        lock (_gate)
        {
            _writer.Write(bytes);
            _writer.Flush();
        }
    }

    /// <summary>Up to <paramref name="maxEvents"/> complete lines after the delivered offset, and the offset just past them.</summary>
    public (IReadOnlyList<string> Lines, long EndOffset) ReadPending(int maxEvents)
    {
        long start, length;
        lock (_gate)
        {
            start = _shipped;
            length = _writer.Length;
        }

        var lines = new List<string>();
        if (length <= start)
        {
            return (lines, start);
        }

        using var reader = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        reader.Seek(start, SeekOrigin.Begin);
        var end = start;
        var buffer = new List<byte>(4096);
        int b;
        while (lines.Count < maxEvents && end < length && (b = reader.ReadByte()) >= 0)
        {
            end++;
            if (b == '\n')
            {
                var line = Encoding.UTF8.GetString(buffer.ToArray()).Trim();
                if (line.Length > 0)
                {
                    lines.Add(line);
                }

                buffer.Clear();
                start = end;
            }
            else
            {
                buffer.Add((byte)b);
            }
        }

        // A line still being written (no newline yet) waits for the next round.
        return (lines, start);
    }

    /// <summary>Records delivery up to <paramref name="offset"/>, and empties the file when all of it was delivered and it has grown.</summary>
    public void MarkShipped(long offset, long compactAfterBytes)
    {
        lock (_gate)
        {
            _shipped = offset;
            if (_shipped == _writer.Length && _shipped >= compactAfterBytes)
            {
                // Empty first, then reset the offset: a crash in between leaves offset > length, which the constructor reads as "all shipped".
                _writer.SetLength(0);
                _writer.Flush(flushToDisk: true);
                _shipped = 0;
            }

            WriteOffset(_shipped);
        }
    }

    private long ReadOffset()
    {
        try
        {
            return File.Exists(OffsetPath) && long.TryParse(File.ReadAllText(OffsetPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                ? offset
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void WriteOffset(long offset)
    {
        var temporary = OffsetPath + ".tmp";
        File.WriteAllText(temporary, offset.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, OffsetPath, overwrite: true);
    }

    public void Dispose() => _writer.Dispose();
}
