using System.Diagnostics.Metrics;
using AiStack.Coordinator.Caching;
using AiStack.Coordinator.Routing;
using AiStack.Coordinator.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiStack.Tests.Coordinator;

/// <summary>The exact cache's key covers the routing constraints: a private or pinned request never gets another route's answer.</summary>
public sealed class ExactCachePartitionTests
{
    [Fact]
    public async Task The_same_request_private_pinned_or_routed_is_three_cache_entries()
    {
        var model = new ScriptedChatClient("model");
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new CoordinatorTelemetry(services.GetRequiredService<IMeterFactory>());
        var rules = new CacheRules(telemetry, new NoEvents());
        var storage = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var options = new StaticOptions(new ResponseCacheOptions());
        var cache = new ExactResponseCache(model, storage, rules, options, Microsoft.Extensions.Logging.Abstractions.NullLogger<ExactResponseCache>.Instance);
        ChatMessage[] messages = [new(ChatRole.User, "same question")];
        ChatOptions With(RouteHints hints) => hints.ApplyTo(new ChatOptions { Temperature = 0 });

        await cache.GetResponseAsync(messages, With(new()));
        await cache.GetResponseAsync(messages, With(new(Private: true)));
        await cache.GetResponseAsync(messages, With(new(ForcedRoute: ModelRoute.Remote)));
        var replay = await cache.GetResponseAsync(messages, With(new(Private: true)));

        Assert.Equal(3, model.Calls);
        Assert.True(RouteReport.IsCached(replay));
        Assert.Equal(1, rules.Counts.Hits);
    }

    private sealed class NoEvents : ITelemetryEvents
    {
        public void Publish(string type, object payload, string? taskId = null)
        {
        }
    }

    private sealed class StaticOptions(ResponseCacheOptions value) : IOptionsMonitor<ResponseCacheOptions>
    {
        public ResponseCacheOptions CurrentValue => value;

        public ResponseCacheOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ResponseCacheOptions, string?> listener) => null;
    }
}
