using AiStack.AppHost.Supervision;

namespace AiStack.Tests.AppHost;

public sealed class RestartPolicyTests
{
    private readonly FakeTimeProvider _time = new();

    private RestartPolicy Policy(int threshold = 5, int maxDelaySeconds = 30) => new(_time, new RestartOptions
    {
        InitialDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(maxDelaySeconds),
        CrashLoopThreshold = threshold,
        CrashLoopWindow = TimeSpan.FromMinutes(2),
    });

    [Fact]
    public void Restart_delays_double_from_one_second()
    {
        var policy = Policy();
        var delays = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            delays.Add(policy.RecordCrash().Delay.TotalSeconds);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([1, 2, 4, 8], delays);
    }

    [Fact]
    public void Restart_delay_is_capped()
    {
        var policy = Policy(threshold: 100, maxDelaySeconds: 5);
        RestartDecision last = null!;
        for (var i = 0; i < 10; i++)
        {
            last = policy.RecordCrash();
        }

        Assert.Equal(TimeSpan.FromSeconds(5), last.Delay);
        Assert.False(last.IsCrashLoop);
    }

    [Fact]
    public void Five_crashes_within_two_minutes_is_a_crash_loop()
    {
        var policy = Policy();
        for (var i = 0; i < 4; i++)
        {
            Assert.False(policy.RecordCrash().IsCrashLoop);
            _time.Advance(TimeSpan.FromSeconds(20));
        }

        var fifth = policy.RecordCrash();

        Assert.True(fifth.IsCrashLoop);
        Assert.Equal(5, fifth.CrashesInWindow);
    }

    [Fact]
    public void Crashes_older_than_the_window_no_longer_count()
    {
        var policy = Policy();
        for (var i = 0; i < 4; i++)
        {
            policy.RecordCrash();
            _time.Advance(TimeSpan.FromSeconds(50));
        }

        // The first crashes are now more than two minutes old: no loop, and the backoff has come down again.
        var decision = policy.RecordCrash();

        Assert.False(decision.IsCrashLoop);
        Assert.Equal(3, decision.CrashesInWindow);
        Assert.Equal(TimeSpan.FromSeconds(4), decision.Delay);
    }

    [Fact]
    public void A_quiet_period_brings_the_delay_back_to_one_second()
    {
        var policy = Policy();
        policy.RecordCrash();
        policy.RecordCrash();
        _time.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal(TimeSpan.FromSeconds(1), policy.RecordCrash().Delay);
    }

    [Fact]
    public void Reset_ends_a_crash_loop()
    {
        var policy = Policy(threshold: 2);
        policy.RecordCrash();
        Assert.True(policy.RecordCrash().IsCrashLoop);

        policy.Reset();

        Assert.False(policy.RecordCrash().IsCrashLoop);
    }
}
