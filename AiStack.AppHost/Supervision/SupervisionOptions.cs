using System.ComponentModel.DataAnnotations;
using AiStack.AppHost.Infrastructure;

namespace AiStack.AppHost.Supervision;

/// <summary>Bounds of the AppHost's supervision (configuration section <c>AppHost</c>).</summary>
public sealed class SupervisionOptions
{
    public const string SectionName = "AppHost";

    /// <summary>How long a restart through the control API may take until the resource is healthy again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(90);

    public RestartOptions Restart { get; set; } = new();
}

/// <summary>Marks a resource the AppHost restarts when it crashes and lists in its control API.</summary>
public sealed class SupervisedAnnotation : IResourceAnnotation
{
    /// <summary>Which lines of its output count as errors.</summary>
    public required Func<string, bool, bool> IsError { get; init; }

    /// <summary>The signal that stops it cleanly (PostgreSQL: SIGINT, its fast shutdown; everything else SIGTERM).</summary>
    public PosixSignalNumber StopSignal { get; init; } = PosixSignalNumber.Terminate;
}

public static class SupervisionExtensions
{
    /// <summary>Supervised: restarted with backoff after a crash, a crash loop reported, its recent output kept.</summary>
    public static IResourceBuilder<T> WithSupervision<T>(
        this IResourceBuilder<T> builder, Func<string, bool, bool>? isError = null, PosixSignalNumber stopSignal = PosixSignalNumber.Terminate)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithAnnotation(new SupervisedAnnotation { IsError = isError ?? LogLineClassifier.IsServiceError, StopSignal = stopSignal });
    }
}
