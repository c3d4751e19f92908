using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>
/// Events the receiver refused for good, beside the spool (<c>{service}.dead-letters.jsonl</c>): one JSON line each with the time,
/// the HTTP status, the reason and the event as it was spooled, so the outbox can go on and an operator can see (and resend)
/// what was lost. Appended and flushed before the spool's offset moves past the event, so a crash can repeat a line, never lose one.
/// </summary>
public sealed class TelemetryDeadLetterFile
{
    private readonly Lock _gate = new();
    private long _count = -1;

    public TelemetryDeadLetterFile(string spoolFilePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(spoolFilePath);
        FilePath = Path.ChangeExtension(spoolFilePath, ".dead-letters.jsonl");
    }

    public string FilePath { get; }

    /// <summary>Lines in the file, this run's and earlier runs'.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return CountLocked();
            }
        }
    }

    private long CountLocked()
    {
        if (_count < 0)
        {
            _count = File.Exists(FilePath) ? File.ReadLines(FilePath).LongCount(l => l.Length > 0) : 0;
        }

        return _count;
    }

    public void Append(string spooledLine, int? status, string reason, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(spooledLine);
        JsonNode? spooled;
        try
        {
            spooled = JsonNode.Parse(spooledLine);
        }
        catch (JsonException)
        {
            spooled = spooledLine; // a torn line is kept as the text it was
        }

        var line = new JsonObject
        {
            ["time"] = time.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["status"] = status,
            ["reason"] = reason,
            ["event"] = spooled,
        }.ToJsonString() + "\n";
        lock (_gate)
        {
            var known = CountLocked();
            using (var stream = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                stream.Write(Encoding.UTF8.GetBytes(line));
                stream.Flush(flushToDisk: true);
            }

            _count = known + 1;
        }
    }
}
