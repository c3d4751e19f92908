using AiStack.AppHost.Infrastructure;
using AiStack.Coordinator.Backends;
using Microsoft.Extensions.AI;
using Polly.CircuitBreaker;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace AiStack.Tests.Coordinator;

/// <summary>The remote backend's breaker against a real refused TCP connection (nothing listens on the port).</summary>
public sealed class RemoteBackendResilienceTests
{
    /// <summary>The remote backend as the Coordinator builds it (the OpenAI SDK as an IChatClient), aimed at a closed port.</summary>
    private static IChatClient UnreachableRemote() =>
        ModelBackendFactory.CreateRemoteClient(
            new RemoteModelOptions { Endpoint = new Uri($"http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}/v1"), Model = "remote-model" },
            new HttpClient());

    [Fact]
    public async Task The_breaker_opens_after_the_configured_failures_and_then_fails_fast()
    {
        var options = new BackendResilienceOptions { FailuresToOpen = 3, BreakDuration = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(5) };
        var client = new CircuitBreakerChatClient(UnreachableRemote(), "remote-model", options, TimeProvider.System);
        AiChatMessage[] messages = [new(ChatRole.User, "hello")];

        for (var i = 0; i < 3; i++)
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync(messages));
            Assert.IsNotType<BrokenCircuitException>(error);
        }

        Assert.Equal(CircuitState.Open, client.StateProvider.CircuitState);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetResponseAsync(messages));
    }

    [Fact]
    public async Task After_the_break_the_breaker_half_opens_and_one_probe_failure_opens_it_again()
    {
        var options = new BackendResilienceOptions { FailuresToOpen = 2, BreakDuration = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(5) };
        var client = new CircuitBreakerChatClient(UnreachableRemote(), "remote-model", options, TimeProvider.System);
        AiChatMessage[] messages = [new(ChatRole.User, "hello")];
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync(messages));
        }

        Assert.Equal(CircuitState.Open, client.StateProvider.CircuitState);
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        // Polly moves to half-open lazily: the next call is let through as the probe instead of being rejected.
        var probe = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync(messages));
        Assert.IsNotType<BrokenCircuitException>(probe);
        Assert.Equal(CircuitState.Open, client.StateProvider.CircuitState);
    }
}
