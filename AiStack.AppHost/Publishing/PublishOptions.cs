namespace AiStack.AppHost.Publishing;

/// <summary>What <c>publish</c> was asked for; every field has a default so the committed output is reproducible.</summary>
public sealed record PublishOptions
{
    public const string DefaultNamespace = "aistack";

    /// <summary>A manifest file to read; when null the AppHost writes its own with <c>--publisher manifest</c>.</summary>
    public string? ManifestPath { get; init; }

    public required string OutputPath { get; init; }

    public PublishTier Tier { get; init; } = PublishTier.Medium;

    /// <summary>Registry prefix of the service images (e.g. <c>registry.example.com:5000</c>); empty for none.</summary>
    public string Registry { get; init; } = string.Empty;

    public string Tag { get; init; } = "latest";

    public string Namespace { get; init; } = DefaultNamespace;

    /// <summary>OTLP collector for every service (e.g. <c>http://otel-collector.monitoring:4317</c>); none by default.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary><c>grpc</c> (port 4317) or <c>http/protobuf</c> (4318), as OTEL_EXPORTER_OTLP_PROTOCOL.</summary>
    public string OtlpProtocol { get; init; } = "grpc";

    /// <summary>A GGUF file on the Coordinator's models volume (<c>Inference__ModelPath=/models/&lt;file&gt;</c>); none by default.</summary>
    public string? ModelFile { get; init; }

    /// <summary>Namespace whose Prometheus may scrape <c>/metrics</c> (the only ingress besides the app model's edges).</summary>
    public string MonitoringNamespace { get; init; } = "monitoring";

    /// <summary>Values of the manifest's non-secret parameters (<c>--Parameters:&lt;name&gt;=&lt;value&gt;</c>), e.g. a remote model's endpoint.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string BackupSchedule { get; init; } = "30 2 * * *";

    public int BackupRetentionDays { get; init; } = 7;

    /// <summary>The container repository of a project's image: <c>aistack/&lt;resource&gt;</c>, as the service csproj sets it.</summary>
    public static string RepositoryFor(string resource) => "aistack/" + resource;

    public string ImageFor(string resource) =>
        (Registry.Length == 0 ? string.Empty : Registry.TrimEnd('/') + "/") + RepositoryFor(resource) + ":" + Tag;
}

/// <summary>A publish that cannot go on; the message says which option or resource is wrong.</summary>
public sealed class PublishException(string message) : Exception(message);
