using System.ComponentModel.DataAnnotations;

namespace AiStack.Coordinator.Routing;

/// <summary>Routing settings (section <c>Routing</c>).</summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>
    /// Top retrieval score at or above which a request goes to the local model. The original's 0.85 was for bge-small; 0.37 is
    /// calibrated for the KnowledgeBase's all-MiniLM-L6-v2 on a labelled set (KnowledgeBase README, "Thresholds"). The start-up value, which PATCH /settings overrides.
    /// </summary>
    [Range(0.0, 1.0)]
    public double LocalConfidenceThreshold { get; set; } = 0.37;

    /// <summary>Where a request goes when the KnowledgeBase gives no confidence (down, or nothing indexed).</summary>
    public ModelRoute RouteWithoutContext { get; set; } = ModelRoute.Local;

    /// <summary>Collections whose top score is the routing confidence (the original's three).</summary>
    [MinLength(1)]
    public string[] ConfidenceCollections { get; set; } = ["skills-patterns", "error-solutions", "best-practices"];

    /// <summary>Daily budget of remote tokens (prompt + completion); 0 = no token limit.</summary>
    [Range(0, long.MaxValue)]
    public long DailyRemoteTokenBudget { get; set; } = 200_000;

    /// <summary>Daily budget of remote requests; 0 = no request limit.</summary>
    [Range(0, int.MaxValue)]
    public int DailyRemoteRequestBudget { get; set; }

    /// <summary>File that keeps today's remote usage across restarts; default <c>$AISTACK_HOME/data/coordinator-remote-budget.json</c>.</summary>
    public string? BudgetStateFile { get; set; }

    /// <summary>File that keeps the settings changed through PATCH /settings; default <c>$AISTACK_HOME/data/coordinator-settings.json</c>.</summary>
    public string? SettingsFile { get; set; }

    /// <summary>How long a retrieval confidence is reused for the same text.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ConfidenceCacheDuration { get; set; } = TimeSpan.FromMinutes(5);
}
