namespace AiStack.Learning.Proposals;

public static class ProposalKinds
{
    public const string IterationLimitIncrease = "iteration_limit_increase";
    public const string TimeoutAdjustment = "timeout_adjustment";
    public const string DependencyCheckAddition = "dependency_check_addition";
    public const string RouteThreshold = "route_threshold";

    /// <summary>Ralph's base iteration limits per complexity level (the original's), for the +25 % suggestion.</summary>
    public static int? BaseLimit(string level) => level switch
    {
        "simple" => 3,
        "moderate" => 10,
        "complex" => 25,
        "very_complex" => 50,
        _ => null,
    };
}

/// <summary>A stored proposal, as <c>GET /learning/proposals</c> lists it.</summary>
public sealed class ProposalRow
{
    public const string Columns =
        "id AS Id, dedup_key AS DedupKey, kind AS Kind, title AS Title, prompt AS Prompt, evidence AS Evidence, status AS Status, " +
        "ralph_task_id AS RalphTaskId, attempts AS Attempts, last_error AS LastError, created_at AS CreatedAt, submitted_at AS SubmittedAt";

    public long Id { get; set; }

    public string DedupKey { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Title { get; set; } = "";

    public string Prompt { get; set; } = "";

    public string Evidence { get; set; } = "{}";

    public string Status { get; set; } = "";

    public string? RalphTaskId { get; set; }

    public long Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SubmittedAt { get; set; }
}
