namespace AiStack.AppHost.Stack;

/// <summary>How much of the stack a machine can carry; a resource starts only on its minimum tier or above.</summary>
public enum StackTier
{
    Small,
    Medium,
    Large,
}

/// <summary>What the machine offers, as the runtime sees it (container memory limits included).</summary>
public sealed record MachineCapacity(long MemoryBytes, int Cores)
{
    public static MachineCapacity Detect() => new(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, Environment.ProcessorCount);
}

/// <summary>
/// Chooses the tier: the one asked for (<c>--tier</c>), otherwise from RAM and cores. A machine needs both the memory and the cores
/// of a tier to get it, since either one alone would starve the services that tier adds.
/// </summary>
public static class TierSelector
{
    public const long GiB = 1024L * 1024 * 1024;
    public const long MediumMemory = 8 * GiB;
    public const int MediumCores = 4;
    public const long LargeMemory = 32 * GiB;
    public const int LargeCores = 8;

    public static StackTier Detect(MachineCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        if (capacity.MemoryBytes >= LargeMemory && capacity.Cores >= LargeCores)
        {
            return StackTier.Large;
        }

        return capacity.MemoryBytes >= MediumMemory && capacity.Cores >= MediumCores ? StackTier.Medium : StackTier.Small;
    }

    /// <summary>The requested tier when one is given, else the detected one; an unknown name is an error that lists the valid ones.</summary>
    public static StackTier Select(string? requested, MachineCapacity capacity)
    {
        if (string.IsNullOrWhiteSpace(requested) || requested.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return Detect(capacity);
        }

        return Enum.TryParse<StackTier>(requested.Trim(), ignoreCase: true, out var tier) && Enum.IsDefined(tier)
            ? tier
            : throw new StackConfigurationException($"Unknown tier '{requested}': use --tier small, medium, large or auto.");
    }
}

/// <summary>
/// What a tier gives the services: model threads and context, how many tasks Ralph runs at once, and how many Ralph replicas
/// the published manifest asks for. A setting given on the command line (<c>--Inference:Threads=8</c>) wins over the tier's.
/// </summary>
public sealed record TierSettings(int ModelThreads, int ContextSize, int ContextPoolSize, int RalphConcurrency, int RalphReplicas)
{
    public static TierSettings For(StackTier tier, MachineCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        return tier switch
        {
            StackTier.Small => new(ModelThreads: Math.Clamp(capacity.Cores, 1, 2), ContextSize: 2048, ContextPoolSize: 1, RalphConcurrency: 2, RalphReplicas: 1),
            StackTier.Medium => new(ModelThreads: 4, ContextSize: 4096, ContextPoolSize: 2, RalphConcurrency: 4, RalphReplicas: 1),
            _ => new(ModelThreads: Math.Max(4, capacity.Cores / 2), ContextSize: 8192, ContextPoolSize: 4, RalphConcurrency: 8, RalphReplicas: 2),
        };
    }

    /// <summary>The settings as configuration keys, as each service reads them.</summary>
    public IReadOnlyDictionary<string, string> AsConfiguration() => new Dictionary<string, string>
    {
        ["Inference:Threads"] = ModelThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Inference:ContextSize"] = ContextSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Inference:ContextPoolSize"] = ContextPoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ralph:Concurrency"] = RalphConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
