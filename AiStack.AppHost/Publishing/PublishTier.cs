namespace AiStack.AppHost.Publishing;

/// <summary>Requests and limits of one container.</summary>
public sealed record ContainerResources(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit);

/// <summary>
/// What a tier means on a cluster: the resources of every workload, the production replicas of the stateless services and the
/// local model's settings. Development always runs one replica of each service on the small tier's resources.
/// </summary>
public sealed record PublishTier(
    string Name,
    IReadOnlyDictionary<string, int> ProductionReplicas,
    IReadOnlyDictionary<string, ContainerResources> Resources,
    ContainerResources DefaultResources,
    IReadOnlyList<KeyValuePair<string, string>> ModelSettings)
{
    public static readonly PublishTier Small = new(
        "small",
        new Dictionary<string, int> { ["knowledgebase"] = 2, ["coordinator"] = 2, ["ralph"] = 2 },
        new Dictionary<string, ContainerResources>
        {
            ["coordinator"] = new("250m", "512Mi", "2", "3Gi"),
            ["knowledgebase"] = new("200m", "384Mi", "1", "1Gi"),
            ["postgres"] = new("250m", "256Mi", "1", "1Gi"),
            ["qdrant"] = new("200m", "256Mi", "1", "1Gi"),
        },
        new ContainerResources("100m", "192Mi", "500m", "512Mi"),
        [
            KeyValuePair.Create("Inference__Threads", "2"),
            KeyValuePair.Create("Inference__ContextSize", "2048"),
            KeyValuePair.Create("Inference__ContextPoolSize", "1"),
            KeyValuePair.Create("Inference__GpuLayers", "0"),
        ]);

    public static readonly PublishTier Medium = new(
        "medium",
        new Dictionary<string, int> { ["knowledgebase"] = 2, ["coordinator"] = 2, ["ralph"] = 3 },
        new Dictionary<string, ContainerResources>
        {
            ["coordinator"] = new("1", "2Gi", "4", "8Gi"),
            ["knowledgebase"] = new("250m", "512Mi", "2", "2Gi"),
            ["postgres"] = new("500m", "512Mi", "2", "2Gi"),
            ["qdrant"] = new("250m", "512Mi", "2", "2Gi"),
        },
        new ContainerResources("200m", "256Mi", "1", "1Gi"),
        [
            KeyValuePair.Create("Inference__Threads", "4"),
            KeyValuePair.Create("Inference__ContextSize", "4096"),
            KeyValuePair.Create("Inference__ContextPoolSize", "2"),
            KeyValuePair.Create("Inference__GpuLayers", "0"),
        ]);

    public static readonly PublishTier Large = new(
        "large",
        new Dictionary<string, int> { ["knowledgebase"] = 3, ["coordinator"] = 3, ["ralph"] = 4 },
        new Dictionary<string, ContainerResources>
        {
            ["coordinator"] = new("2", "4Gi", "8", "16Gi"),
            ["knowledgebase"] = new("500m", "1Gi", "4", "4Gi"),
            ["postgres"] = new("1", "1Gi", "4", "4Gi"),
            ["qdrant"] = new("500m", "1Gi", "4", "4Gi"),
        },
        new ContainerResources("250m", "384Mi", "2", "2Gi"),
        [
            KeyValuePair.Create("Inference__Threads", "8"),
            KeyValuePair.Create("Inference__ContextSize", "8192"),
            KeyValuePair.Create("Inference__ContextPoolSize", "4"),
            KeyValuePair.Create("Inference__GpuLayers", "0"),
        ]);

    public static IReadOnlyList<PublishTier> All { get; } = [Small, Medium, Large];

    /// <summary>The resource that runs the local model gets the model settings.</summary>
    public const string ModelHost = "coordinator";

    public ContainerResources ResourcesFor(string workload) => Resources.GetValueOrDefault(workload) ?? DefaultResources;

    public int ReplicasFor(string workload) => ProductionReplicas.GetValueOrDefault(workload, 1);

    public static PublishTier Parse(string? name) =>
        All.FirstOrDefault(tier => string.Equals(tier.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new PublishException($"Unknown tier '{name}': use --tier small, medium or large.");
}
