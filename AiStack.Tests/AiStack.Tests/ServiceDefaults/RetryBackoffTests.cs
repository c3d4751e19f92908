using AiStack.ServiceDefaults.Hosting;

namespace AiStack.Tests.ServiceDefaults;

public sealed class RetryBackoffTests
{
    [Fact]
    public void Retry_pauses_double_from_the_interval_up_to_the_cap_and_start_again_after_a_success()
    {
        var backoff = new RetryBackoff(TimeSpan.FromSeconds(10));
        var pauses = Enumerable.Range(0, 5).Select(_ => backoff.Failed(TimeSpan.FromSeconds(1)).TotalSeconds).ToArray();
        Assert.Equal([2.0, 4.0, 8.0, 10.0, 10.0], pauses);

        backoff.Succeeded();
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Failed(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(10), RetryBackoff.Delay(TimeSpan.FromSeconds(1), int.MaxValue, TimeSpan.FromSeconds(10)));
    }
}
