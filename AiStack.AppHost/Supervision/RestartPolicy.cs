using System.ComponentModel.DataAnnotations;

namespace AiStack.AppHost.Supervision;

/// <summary>How the AppHost reacts to a crashed resource (configuration section <c>AppHost:Restart</c>).</summary>
public sealed class RestartOptions
{
    /// <summary>Delay before the first restart; each further crash within the window doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This many crashes within <see cref="CrashLoopWindow"/> is a crash loop: restarts pause until restarted by hand.</summary>
    [Range(2, 1000)]
    public int CrashLoopThreshold { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CrashLoopWindow { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>What to do after a crash: restart after <see cref="Delay"/>, or stop trying (crash loop).</summary>
public sealed record RestartDecision(bool IsCrashLoop, TimeSpan Delay, int CrashesInWindow);

/// <summary>
/// Exponential restart backoff (1 s, 2 s, 4 s ... capped) counted over a sliding window, and crash-loop detection over the same
/// window. A resource that has run quietly for longer than the window starts again from the initial delay.
/// </summary>
public sealed class RestartPolicy
{
    private readonly TimeProvider _time;
    private readonly RestartOptions _options;
    private readonly Queue<DateTimeOffset> _crashes = new();

    public RestartPolicy(TimeProvider time, RestartOptions options)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _options = options;
    }

    public RestartDecision RecordCrash()
    {
        var now = _time.GetUtcNow();
        while (_crashes.Count > 0 && now - _crashes.Peek() > _options.CrashLoopWindow)
        {
            _crashes.Dequeue();
        }

        _crashes.Enqueue(now);
        var count = _crashes.Count;
        if (count >= _options.CrashLoopThreshold)
        {
            return new RestartDecision(IsCrashLoop: true, TimeSpan.Zero, count);
        }

        // 2^(count-1) seconds, computed in ticks and capped before it can overflow.
        var factor = Math.Pow(2, count - 1);
        var delayTicks = Math.Min(_options.InitialDelay.Ticks * factor, _options.MaxDelay.Ticks);
        return new RestartDecision(IsCrashLoop: false, TimeSpan.FromTicks((long)delayTicks), count);
    }

    public TimeSpan Window => _options.CrashLoopWindow;

    /// <summary>Forgets past crashes (a restart by hand clears a crash loop).</summary>
    public void Reset() => _crashes.Clear();
}
