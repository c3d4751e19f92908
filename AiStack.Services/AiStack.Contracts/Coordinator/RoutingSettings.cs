using System.ComponentModel.DataAnnotations;

namespace AiStack.Contracts.Coordinator;

/// <summary>
/// The Coordinator's live routing settings (GET /settings returns every field; PATCH /settings changes only the fields it names).
/// The Coordinator is their one source of truth: Learning's approved route-threshold proposal and the control center change them
/// here, nobody keeps a copy.
/// </summary>
public sealed record RoutingSettings
{
    /// <summary>Top retrieval score at or above which a request goes to the local model.</summary>
    [Range(0.0, 1.0)]
    public double? LocalConfidenceThreshold { get; init; }

    /// <summary>Remote tokens allowed per UTC day (0: no limit).</summary>
    public long? DailyRemoteTokenBudget { get; init; }

    /// <summary>Remote requests allowed per UTC day (0: no limit).</summary>
    public int? DailyRemoteRequestBudget { get; init; }

    public const string Route = "/settings";
}
