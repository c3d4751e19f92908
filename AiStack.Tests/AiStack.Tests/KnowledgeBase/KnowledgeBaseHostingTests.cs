using System.Diagnostics.Metrics;
using AiStack.KnowledgeBase.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>Start-up validation and the service's own metrics.</summary>
public sealed class KnowledgeBaseHostingTests
{
    [Theory]
    [InlineData("Chunking:Overlap", "900", "Chunking:Overlap")]
    [InlineData("Chunking:Size", "5", "Chunking:Size")]
    [InlineData("Cache:RedisTimeout", "00:01:00", "Cache:RedisTimeout")]
    [InlineData("ConnectionStrings:qdrant", "not a url", "ConnectionStrings:qdrant")]
    [InlineData("ConnectionStrings:redis", "localhost:6379,nonsense=1", "ConnectionStrings:redis")]
    [InlineData("Collections:Overrides:no-such-collection:MinScore", "0.5", "Collections:Overrides")]
    [InlineData("Collections:Overrides:error-solutions:MinScore", "3", "Collections:Overrides")]
    public async Task A_bad_setting_stops_start_up_with_a_message_naming_it(string key, string value, string named)
    {
        var error = await KnowledgeBaseFactory.StartFailureAsync(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cache_hits_and_misses_are_counted_on_the_service_meter()
    {
        await using var factory = new KnowledgeBaseFactory();
        using var client = factory.CreateApiClient();
        var meterFactory = factory.Services.GetRequiredService<IMeterFactory>();
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter: other tests run hosts with meters of the same name in parallel.
            if (instrument.Meter.Name == KnowledgeBaseTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (counts)
            {
                counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        await client.PostJsonAsync("/documents", new { project = "m", title = "Metered", content = "Counting cache hits." });
        await client.PostJsonAsync("/context", new { query = "cache hits" });
        await client.PostJsonAsync("/context", new { query = "cache hits" });

        lock (counts)
        {
            Assert.Equal(1, counts.GetValueOrDefault("aistack_kb_cache_misses"));
            Assert.Equal(1, counts.GetValueOrDefault("aistack_kb_cache_hits"));
            Assert.Equal(1, counts.GetValueOrDefault("aistack_kb_documents_indexed"));
        }
    }
}
