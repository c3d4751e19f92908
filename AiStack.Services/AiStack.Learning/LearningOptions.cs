using System.ComponentModel.DataAnnotations;

namespace AiStack.Learning;

/// <summary>The <c>Learning</c> configuration section: ingest limits, the pipeline's schedule, thresholds and retention.</summary>
public sealed class LearningOptions
{
    public const string SectionName = "Learning";

    /// <summary>Events per <c>POST /events</c> batch; a larger batch is refused with 400 (the shipper splits its spool).</summary>
    [Range(1, 100_000, ErrorMessage = "Learning:MaxBatchEvents must be between 1 and 100000.")]
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Body size of one <c>POST /events</c> request (413 above it).</summary>
    [Range(1024, 256L * 1024 * 1024, ErrorMessage = "Learning:MaxBatchBytes must be between 1 KiB and 256 MiB.")]
    public long MaxBatchBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>One event's serialized payload; a larger event is refused on its own (the rest of its batch is stored).</summary>
    [Range(256, 16 * 1024 * 1024, ErrorMessage = "Learning:MaxEventBytes must be between 256 bytes and 16 MiB.")]
    public int MaxEventBytes { get; set; } = 256 * 1024;

    /// <summary>JSONL files of outside agents to tail (the original's ralph-events.jsonl, hybrid-events.jsonl, ...).</summary>
    public List<string> Sources { get; set; } = [];

    /// <summary>How often the JSONL sources are polled.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Learning:TailInterval must be between 10 ms and 1 hour.")]
    public TimeSpan TailInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A JSONL line longer than this is skipped as corrupt.</summary>
    [Range(256, 64 * 1024 * 1024, ErrorMessage = "Learning:MaxLineBytes must be between 256 bytes and 64 MiB.")]
    public int MaxLineBytes { get; set; } = 1024 * 1024;

    /// <summary>How often the pipeline processes new events (it also runs on <c>POST /learning/process</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "Learning:ProcessingInterval must be between 10 ms and 1 day.")]
    public TimeSpan ProcessingInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Events per processing transaction.</summary>
    [Range(1, 10_000, ErrorMessage = "Learning:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 100;

    /// <summary>Runs in which an event's processing may throw before it is quarantined in <c>dead_letters</c> (one attempt per run).</summary>
    [Range(1, 100, ErrorMessage = "Learning:MaxAttempts must be between 1 and 100.")]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Longest pause of a background loop (processing, tailing) after consecutive failures: the pause starts at the loop's own
    /// interval and doubles with each failure up to this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "Learning:MaxRetryDelay must be between 10 ms and 1 day.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a replica holds the pipeline lease without renewing it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Learning:LeaseDuration must be between 1 second and 1 hour.")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Patterns at or above this value go to the KnowledgeBase.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Learning:ValueThreshold must be between 0 and 1.")]
    public double ValueThreshold { get; set; } = 0.7;

    /// <summary>Embedding cosine at or above which two patterns are the same and merge.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Learning:NearDuplicateSimilarity must be between 0 and 1.")]
    public double NearDuplicateSimilarity { get; set; } = 0.9;

    /// <summary>Task patterns that took more iterations are not learned from (the original's filter).</summary>
    [Range(1, 1000, ErrorMessage = "Learning:MaxPatternIterations must be between 1 and 1000.")]
    public int MaxPatternIterations { get; set; } = 5;

    /// <summary>Occurrences of a signal (limit hits, timeouts, dependency errors) before it becomes a proposal.</summary>
    [Range(1, 10_000, ErrorMessage = "Learning:ProposalMinOccurrences must be between 1 and 10000.")]
    public int ProposalMinOccurrences { get; set; } = 3;

    /// <summary>New proposals per processing batch (the original's cap).</summary>
    [Range(0, 100, ErrorMessage = "Learning:MaxProposalsPerBatch must be between 0 and 100.")]
    public int MaxProposalsPerBatch { get; set; } = 5;

    /// <summary>Unprocessed events above which learning pauses (backpressure).</summary>
    [Range(1, long.MaxValue, ErrorMessage = "Learning:BackpressureEvents must be positive.")]
    public long BackpressureEvents { get; set; } = 100_000;

    /// <summary>Unprocessed bytes above which learning pauses (the original: 100 MB).</summary>
    [Range(1, long.MaxValue, ErrorMessage = "Learning:BackpressureBytes must be positive.")]
    public long BackpressureBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Processed events older than this have their payload gzip-compressed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Learning:CompressAfter must be between 0 and 10 years.")]
    public TimeSpan CompressAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Processed events older than this are deleted (unprocessed ones never are).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Learning:DeleteAfter must be between 0 and 10 years.")]
    public TimeSpan DeleteAfter { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Where the fine-tuning dataset is written; default <c>$AISTACK_HOME/learning/finetuning.jsonl</c>.</summary>
    public string? DatasetPath { get; set; }

    /// <summary>System message of every dataset example.</summary>
    public string DatasetSystemPrompt { get; set; } = "You are a helpful AI development assistant running in the AiStack local stack.";
}
