using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.Infrastructure;

/// <summary>A received span: its trace, its name, the service that sent it and its attributes (values as text; arrays comma-joined).</summary>
public sealed record CollectedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, string Service)
{
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// An OTLP/HTTP (protobuf) trace receiver on a loopback port: what a real collector would get from the services.
/// It reads the few fields it needs straight from the protobuf wire format (ExportTraceServiceRequest -> ResourceSpans ->
/// ScopeSpans -> Span, and the resource's service.name).
/// </summary>
public sealed class OtlpTraceCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpTraceCollector(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<CollectedSpan> Spans { get; } = new();

    public static async Task<OtlpTraceCollector> StartAsync()
    {
        var port = AiStack.AppHost.Infrastructure.LocalServerProcess.FreeTcpPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new OtlpTraceCollector(app, new Uri($"http://127.0.0.1:{port}"));
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in ReadExport(body.ToArray()))
            {
                collector.Spans.Enqueue(span);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        return collector;
    }

    private static IEnumerable<CollectedSpan> ReadExport(byte[] export)
    {
        foreach (var resourceSpans in Fields(export, 1))
        {
            var service = "";
            foreach (var resource in Fields(resourceSpans, 1))
            {
                foreach (var attribute in Fields(resource, 1))
                {
                    var key = Fields(attribute, 1).Select(b => b.ToStringUtf8()).FirstOrDefault();
                    if (key == "service.name")
                    {
                        service = Fields(attribute, 2).SelectMany(value => Fields(value, 1)).Select(b => b.ToStringUtf8()).FirstOrDefault() ?? "";
                    }
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    yield return new CollectedSpan(
                        Hex(Fields(span, 1).FirstOrDefault()),
                        Hex(Fields(span, 2).FirstOrDefault()),
                        Hex(Fields(span, 4).FirstOrDefault()),
                        Fields(span, 5).Select(b => b.ToStringUtf8()).FirstOrDefault() ?? "",
                        service)
                    {
                        Attributes = Fields(span, 9).ToDictionary(
                            kv => Fields(kv, 1).Select(b => b.ToStringUtf8()).FirstOrDefault() ?? "",
                            kv => Fields(kv, 2).Select(AnyValue).FirstOrDefault() ?? ""),
                    };
                }
            }
        }
    }

    /// <summary>An OTLP AnyValue as text: string 1, bool 2, int 3, double 4, array 5 (of AnyValue).</summary>
    private static string AnyValue(ByteString value)
    {
        var input = new CodedInputStream(value.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    return input.ReadString();
                case 2:
                    return input.ReadBool() ? "true" : "false";
                case 3:
                    return input.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 4:
                    return input.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 5:
                    return string.Join(",", Fields(input.ReadBytes(), 1).Select(AnyValue));
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return "";
    }

    /// <summary>Every length-delimited field <paramref name="number"/> of a message; other fields are skipped.</summary>
    private static List<ByteString> Fields(ByteString message, int number) => Fields(message.ToByteArray(), number);

    private static List<ByteString> Fields(byte[] message, int number)
    {
        var found = new List<ByteString>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }

    private static string Hex(ByteString? bytes) => bytes is null || bytes.IsEmpty ? "" : Convert.ToHexString(bytes.ToByteArray()).ToLowerInvariant();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
