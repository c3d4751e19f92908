namespace AiStack.ServiceDefaults.Hosting;

/// <summary>
/// The pause of a background loop after failures: its normal interval after a success, then doubling with each consecutive
/// failure up to <see cref="Max"/>. A loop that catches its own exceptions and waits <see cref="Next"/> keeps going through a
/// fault that lasts (a locked database, an unreachable service) without spinning and without stopping its host.
/// </summary>
public sealed class RetryBackoff(TimeSpan max)
{
    public TimeSpan Max { get; } = max;

    /// <summary>Failures since the last success.</summary>
    public int Failures { get; private set; }

    public void Succeeded() => Failures = 0;

    /// <summary>Counts a failure and returns the pause before the next try: <paramref name="interval"/> x 2^failures, at most <see cref="Max"/>.</summary>
    public TimeSpan Failed(TimeSpan interval)
    {
        Failures++;
        return Delay(interval, Failures, Max);
    }

    public static TimeSpan Delay(TimeSpan interval, int failures, TimeSpan max)
    {
        if (interval <= TimeSpan.Zero || failures <= 0)
        {
            return interval < max ? interval : max;
        }

        // Past 2^30 the doubling only overflows; the cap has long been reached.
        var factor = Math.Pow(2, Math.Min(failures, 30));
        var ticks = interval.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
