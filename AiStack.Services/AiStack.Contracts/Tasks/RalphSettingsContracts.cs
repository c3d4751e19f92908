using System.ComponentModel.DataAnnotations;

namespace AiStack.Contracts.Tasks;

// Ralph's live settings (GET/PUT /settings, GET /settings/history) and GET /stats.

/// <summary>Iteration limits per complexity level; the original's 3/10/25/50.</summary>
public sealed record BaseLimits
{
    [Range(1, 100)] public int Simple { get; init; } = 3;
    [Range(1, 100)] public int Moderate { get; init; } = 10;
    [Range(1, 100)] public int Complex { get; init; } = 25;
    [Range(1, 100)] public int VeryComplex { get; init; } = 50;
}

/// <summary>
/// The settings that can change while Ralph runs. They apply to tasks submitted after the change; every change is recorded with
/// who made it and when. Start-up defaults come from configuration section <c>Ralph:Defaults</c>.
/// </summary>
public sealed record RalphSettings
{
    public const string SectionName = "Ralph:Defaults";

    /// <summary>When false no task is claimed and POST /tasks answers 503 (the original's "loop disabled").</summary>
    public bool LoopEnabled { get; init; } = true;

    public bool AdaptiveEnabled { get; init; } = true;

    public BaseLimits BaseLimits { get; init; } = new();

    /// <summary>The limit for <c>max_iterations: -1</c> when the adaptive switch is off (the original's 20).</summary>
    [Range(1, 100)] public int DefaultMaxIterations { get; init; } = 20;

    [Required] public string DefaultBackend { get; init; } = "llm";

    /// <summary>How long an iteration of an approval-gated task waits for approval before the task is rejected (the original's 300 s).</summary>
    [Range(0.05, 86400)] public double ApprovalTimeoutS { get; init; } = 300;

    /// <summary>The backstop for every task, unlimited ones included: iterations.</summary>
    [Range(1, 100000)] public int HardMaxIterations { get; init; } = 200;

    /// <summary>The backstop for every task, unlimited ones included: wall time from its start (the original's 3600 s).</summary>
    [Range(0.1, 604800)] public double HardMaxWallS { get; init; } = 3600;

    /// <summary>Privacy: prompt and output fields of telemetry events are replaced by their SHA-256 hashes.</summary>
    public bool HashContent { get; init; }

    /// <summary>Answer length of one <c>llm</c> iteration when the task sets none (room for whole-file edits).</summary>
    [Range(1, TaskLimits.MaxIterationTokens)] public int LlmMaxTokens { get; init; } = 2048;
}

/// <summary>PUT /settings: every field optional; absent fields keep their current value.</summary>
/// <summary>A change of some of the base limits (<c>{"base_limits": {"simple": 5}}</c> changes only that one).</summary>
public sealed record BaseLimitsUpdate
{
    public int? Simple { get; init; }
    public int? Moderate { get; init; }
    public int? Complex { get; init; }
    public int? VeryComplex { get; init; }

    public BaseLimits ApplyTo(BaseLimits current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new BaseLimits
        {
            Simple = Simple ?? current.Simple,
            Moderate = Moderate ?? current.Moderate,
            Complex = Complex ?? current.Complex,
            VeryComplex = VeryComplex ?? current.VeryComplex,
        };
    }

    /// <summary>All four, as a full update.</summary>
    public static BaseLimitsUpdate From(BaseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return new() { Simple = limits.Simple, Moderate = limits.Moderate, Complex = limits.Complex, VeryComplex = limits.VeryComplex };
    }
}

public sealed record SettingsUpdate
{
    public bool? LoopEnabled { get; init; }
    public bool? AdaptiveEnabled { get; init; }
    /// <summary>The base limits it names; the others keep their values.</summary>
    public BaseLimitsUpdate? BaseLimits { get; init; }
    public int? DefaultMaxIterations { get; init; }
    public string? DefaultBackend { get; init; }
    public double? ApprovalTimeoutS { get; init; }
    public int? HardMaxIterations { get; init; }
    public double? HardMaxWallS { get; init; }
    public bool? HashContent { get; init; }
    public int? LlmMaxTokens { get; init; }
    public string? ChangedBy { get; init; }

    public RalphSettings ApplyTo(RalphSettings current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current with
        {
            LoopEnabled = LoopEnabled ?? current.LoopEnabled,
            AdaptiveEnabled = AdaptiveEnabled ?? current.AdaptiveEnabled,
            BaseLimits = BaseLimits?.ApplyTo(current.BaseLimits) ?? current.BaseLimits,
            DefaultMaxIterations = DefaultMaxIterations ?? current.DefaultMaxIterations,
            DefaultBackend = DefaultBackend ?? current.DefaultBackend,
            ApprovalTimeoutS = ApprovalTimeoutS ?? current.ApprovalTimeoutS,
            HardMaxIterations = HardMaxIterations ?? current.HardMaxIterations,
            HardMaxWallS = HardMaxWallS ?? current.HardMaxWallS,
            HashContent = HashContent ?? current.HashContent,
            LlmMaxTokens = LlmMaxTokens ?? current.LlmMaxTokens,
        };
    }
}

public sealed record SettingsResponse(RalphSettings Settings, string? UpdatedBy, DateTimeOffset? UpdatedAt);

public sealed record SettingsChange(RalphSettings Settings, string ChangedBy, DateTimeOffset ChangedAt);

public sealed record HistorySummary(string TaskType, string Backend, int TotalTasks, int Successful, double SuccessRate, double AvgIterations, double CurrentAdjustment);

public sealed record AdaptiveStats(bool Enabled, int HistoryEntries, IReadOnlyDictionary<string, HistorySummary> History);

/// <summary>Ralph's GET /stats.</summary>
public sealed record RalphStatsResponse(long TotalTasks, long Queued, long Running, long Completed, long Failed, long Stopped, long Rejected, long Error,
    long TotalIterations, double AverageIterations, AdaptiveStats Adaptive);

public static class RalphSettingsRoutes
{
    public const string Settings = "settings";
    public const string History = "settings/history";
    public const string Stats = "stats";

    /// <summary>Who changed the settings, when the body does not say (<see cref="SettingsUpdate.ChangedBy"/>).</summary>
    public const string ChangedByHeader = "X-AiStack-User";
}
