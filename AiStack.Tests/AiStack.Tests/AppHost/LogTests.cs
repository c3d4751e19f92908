using AiStack.AppHost.Supervision;
using AiStack.Contracts.Stack;

namespace AiStack.Tests.AppHost;

public sealed class LogTests
{
    [Fact]
    public void The_ring_keeps_the_last_lines_and_the_last_errors_separately()
    {
        var ring = new LogRing(lineCapacity: 3, errorCapacity: 2);
        ring.Add(new LogEntry(DateTimeOffset.UtcNow, "fail: first", true));
        for (var i = 0; i < 5; i++)
        {
            ring.Add(new LogEntry(DateTimeOffset.UtcNow, $"info: {i}", false));
        }

        Assert.Equal(["info: 2", "info: 3", "info: 4"], ring.Lines(50).Select(e => e.Text));
        Assert.Equal(["info: 4"], ring.Lines(1).Select(e => e.Text));
        Assert.Equal(["fail: first"], ring.Errors(20).Select(e => e.Text));
    }

    [Theory]
    [InlineData("warn: Microsoft.AspNetCore[1] slow request", false, true)]
    [InlineData("fail: AiStack.KnowledgeBase[0] database unreachable", false, true)]
    [InlineData("12:00:01 crit: AiStack.KnowledgeBase[0] out of disk", false, true)]
    [InlineData("info: Microsoft.Hosting.Lifetime[0] Application started.", false, false)]
    [InlineData("anything on stderr", true, true)]
    public void Service_lines_at_warning_level_or_on_stderr_are_errors(string line, bool stderr, bool expected)
    {
        Assert.Equal(expected, LogLineClassifier.IsServiceError(line, stderr));
    }

    [Fact]
    public void Server_lines_are_errors_by_their_own_level_markers()
    {
        Assert.True(LogLineClassifier.IsPostgresError("2026-01-01 UTC [1] FATAL:  password authentication failed"));
        Assert.False(LogLineClassifier.IsPostgresError("2026-01-01 UTC [1] LOG:  database system is ready to accept connections"));
        Assert.True(LogLineClassifier.IsRedisError("1:M 01 Jan 2026 00:00:00.000 # WARNING Memory overcommit must be enabled!"));
        Assert.False(LogLineClassifier.IsRedisError("1:C 01 Jan 2026 00:00:00.000 # Configuration loaded"));
    }
}
