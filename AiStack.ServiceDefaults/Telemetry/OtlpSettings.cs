using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace AiStack.ServiceDefaults.Telemetry;

/// <summary>
/// The standard OTLP variables, read through configuration so the AppHost's injected values and appsettings both work:
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (export is on only when it is set) and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (grpc or http/protobuf).
/// </summary>
public sealed record OtlpSettings(Uri Endpoint, OtlpExportProtocol Protocol)
{
    public static OtlpSettings? From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException(
                $"OTEL_EXPORTER_OTLP_ENDPOINT is '{endpoint}', which is not an absolute URL such as http://localhost:4317.");
        }

        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]?.Trim().ToLowerInvariant() switch
        {
            null or "" or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException(
                $"OTEL_EXPORTER_OTLP_PROTOCOL is '{other}'; use grpc or http/protobuf."),
        };
        return new OtlpSettings(uri, protocol);
    }

    /// <summary>Configures one exporter; over http/protobuf a signal's path is appended, as the SDK does for its own variables.</summary>
    public void Apply(OtlpExporterOptions options, string signalPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Protocol = Protocol;
        options.Endpoint = Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(Endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : Endpoint;
    }
}
