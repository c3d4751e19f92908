using System.ComponentModel.DataAnnotations;

namespace AiStack.Coordinator.Backends;

/// <summary>Resilience settings of one backend (sections <c>Backends:Local</c> and <c>Backends:Remote</c>).</summary>
public sealed class BackendResilienceOptions
{
    /// <summary>Failures in a row (within the sampling window) that open the breaker.</summary>
    [Range(1, 1000)]
    public int FailuresToOpen { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan BreakDuration { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromMinutes(10);

    // The original's breakers: the local LLM opens after 3 failures for 120 s, remote APIs after 5 for 60 s.
    public static BackendResilienceOptions LocalDefaults() => new() { FailuresToOpen = 3, BreakDuration = TimeSpan.FromSeconds(120), Timeout = TimeSpan.FromSeconds(120) };

    public static BackendResilienceOptions RemoteDefaults() => new() { FailuresToOpen = 5, BreakDuration = TimeSpan.FromSeconds(60), Timeout = TimeSpan.FromSeconds(60) };
}

/// <summary>The remote OpenAI-compatible API (section <c>Remote</c>).</summary>
public sealed class RemoteModelOptions
{
    public const string Section = "Remote";

    /// <summary>Base address of the API, e.g. https://api.openai.com/v1 or http://127.0.0.1:8092/v1.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Model name sent to the API.</summary>
    public string? Model { get; set; }

    /// <summary>API key for the remote service; read from configuration or the environment, never from the repository.</summary>
    public string? ApiKey { get; set; }

    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(Model);
}
