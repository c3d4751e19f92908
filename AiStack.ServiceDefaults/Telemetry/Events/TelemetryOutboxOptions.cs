using System.ComponentModel.DataAnnotations;

namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>The telemetry outbox (section <c>Telemetry:Outbox</c>).</summary>
public sealed class TelemetryOutboxOptions
{
    public const string SectionName = "Telemetry:Outbox";

    /// <summary>Folder of the spool files; default <c>$AISTACK_HOME/spool</c>.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>Unshipped bytes the spool may hold; past this new events are dropped and counted (never the service blocked).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxSpoolBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Unshipped bytes at which /health turns degraded (the Learning service is probably unreachable).</summary>
    [Range(0, long.MaxValue)]
    public long WarningSpoolBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Events per POST /events.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ShipInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest pause between deliveries while they fail (5xx, 429, unreachable): the pause doubles from <see cref="ShipInterval"/> up to this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The service that receives events (its address from <c>services__{name}__http__0</c>).</summary>
    [Required]
    public string Destination { get; set; } = "learning";

    /// <summary>Shipped spool bytes after which the file is emptied (once everything in it is shipped).</summary>
    [Range(0, long.MaxValue)]
    public long CompactAfterBytes { get; set; } = 1024 * 1024;
}
