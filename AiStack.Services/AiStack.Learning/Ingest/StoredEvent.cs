using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;

namespace AiStack.Learning.Ingest;

/// <summary>An event as the store holds it: its position (<see cref="Seq"/>) and its payload, plain or gzip-compressed by retention.</summary>
public sealed class StoredEvent
{
    public const string Columns = "seq AS Seq, id AS Id, time AS Time, source AS Source, type AS Type, trace_id AS TraceId, task_id AS TaskId, payload AS Payload, payload_gz AS PayloadGz, size_bytes AS SizeBytes";

    public long Seq { get; set; }

    public string Id { get; set; } = "";

    public DateTimeOffset Time { get; set; }

    public string Source { get; set; } = "";

    public string Type { get; set; } = "";

    public string? TraceId { get; set; }

    public string? TaskId { get; set; }

    public string? Payload { get; set; }

    public byte[]? PayloadGz { get; set; }

    public long SizeBytes { get; set; }

    public JsonObject PayloadObject()
    {
        var text = Payload ?? (PayloadGz is null ? "{}" : Decompress(PayloadGz));
        return JsonNode.Parse(text) as JsonObject ?? [];
    }

    public TelemetryEvent ToEvent() => new(Id, Time, Source, Type, TraceId, TaskId, PayloadObject());

    public static byte[] Compress(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    public static string Decompress(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
