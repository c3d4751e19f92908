namespace AiStack.AppHost.Publishing.Kubernetes;

/// <summary>
/// How a known image runs safely: the non-root user it has, whether its root filesystem can be read-only and which folders it
/// must still write to. Images the publisher does not know keep their own user and a writable root filesystem.
/// </summary>
public sealed record ContainerProfile(long? User, bool ReadOnlyRootFilesystem, IReadOnlyList<string> WritablePaths, string Component, string? DataPath = null)
{
    /// <summary>The .NET SDK's container images run as the <c>app</c> user (uid 1654); .NET writes only to /tmp.</summary>
    public static readonly ContainerProfile DotNetService = new(1654, true, ["/tmp"], "service");

    public static ContainerProfile For(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var repository = image.Split('@')[0];
        repository = repository[(repository.LastIndexOf('/') + 1)..].Split(':')[0];
        return repository switch
        {
            // The official images' postgres and redis users; PostgreSQL also needs its socket folder.
            "postgres" => new ContainerProfile(999, true, ["/tmp", "/var/run/postgresql"], "database", "/var/lib/postgresql"),
            // Redis keeps its snapshot on a volume even when the app model declares none (Aspire's AddRedis has none by default).
            "redis" => new ContainerProfile(999, true, ["/tmp"], "cache", "/data"),
            // Qdrant writes an init marker and snapshots next to its binary.
            "qdrant" => new ContainerProfile(1000, false, [], "vector-store", "/qdrant/storage"),
            _ => new ContainerProfile(null, false, [], "container"),
        };
    }
}
