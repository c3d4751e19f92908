using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>Pipelines for the named clients that were given their own settings with <c>ConfigureResilience</c>.</summary>
internal sealed class ClientResiliencePipelines(
    IOptionsMonitor<ResilienceOptions> options,
    CircuitBreakerRegistry registry,
    TimeProvider timeProvider,
    ILogger<HttpResiliencePipelines> logger)
{
    private readonly ConcurrentDictionary<string, HttpResiliencePipelines> _byClient = new(StringComparer.Ordinal);

    public HttpResiliencePipelines For(string clientName) =>
        _byClient.GetOrAdd(clientName, name => new HttpResiliencePipelines(options.Get(name), name, registry, timeProvider, logger));
}
