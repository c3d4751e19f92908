using System.ComponentModel.DataAnnotations;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>
/// Configuration section <c>Resilience</c>: how every outgoing HttpClient call is bounded, retried and broken.
/// Ranges follow what Polly accepts, so a bad value stops the service at start-up rather than at its first call.
/// </summary>
public sealed class ResilienceOptions
{
    public const string SectionName = "Resilience";

    /// <summary>Upper bound for one logical call, retries and back-off included.</summary>
    [Range(0.05, 3600, ErrorMessage = "Resilience:TotalTimeoutSeconds must be between 0.05 and 3600.")]
    public double TotalTimeoutSeconds { get; set; } = 30;

    /// <summary>Upper bound for one attempt; a timed-out attempt counts as a transient failure.</summary>
    [Range(0.05, 3600, ErrorMessage = "Resilience:AttemptTimeoutSeconds must be between 0.05 and 3600.")]
    public double AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>Retries after the first attempt, for idempotent methods only. 0 turns retries off.</summary>
    [Range(0, 10, ErrorMessage = "Resilience:MaxRetryAttempts must be between 0 and 10.")]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First back-off delay; later ones grow exponentially, with jitter.</summary>
    [Range(0, 60_000, ErrorMessage = "Resilience:RetryBaseDelayMilliseconds must be between 0 and 60000.")]
    public int RetryBaseDelayMilliseconds { get; set; } = 200;

    /// <summary>Share of failed calls in the sampling window that opens the breaker.</summary>
    [Range(0.01, 1.0, ErrorMessage = "Resilience:BreakerFailureRatio must be between 0.01 and 1.")]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed in the sampling window before the breaker may open (the original opened after 5 failures).</summary>
    [Range(2, 10_000, ErrorMessage = "Resilience:BreakerMinimumThroughput must be between 2 and 10000.")]
    public int BreakerMinimumThroughput { get; set; } = 5;

    [Range(0.5, 3600, ErrorMessage = "Resilience:BreakerSamplingSeconds must be between 0.5 and 3600.")]
    public double BreakerSamplingSeconds { get; set; } = 30;

    /// <summary>How long an open breaker refuses calls before it lets one probe through (half-open).</summary>
    [Range(0.5, 3600, ErrorMessage = "Resilience:BreakerBreakSeconds must be between 0.5 and 3600.")]
    public double BreakerBreakSeconds { get; set; } = 30;
}
