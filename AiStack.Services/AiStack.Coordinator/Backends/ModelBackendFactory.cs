using System.ClientModel;
using System.ClientModel.Primitives;
using AiStack.Coordinator.Routing;
using AiStack.Llama.Hosting;
using AiStack.Coordinator.Telemetry;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace AiStack.Coordinator.Backends;

/// <summary>
/// Builds each backend's pipeline once at start-up: model client -> GenAI telemetry -> timeout and circuit breaker.
/// The local model comes from the keyed <see cref="IChatClient"/> <see cref="LocalModelKey"/> (the llama.cpp client, registered
/// when <c>Inference:ModelPath</c> is set), the remote one from the <c>Remote</c> settings.
/// </summary>
public static class ModelBackendFactory
{
    public const string LocalModelKey = LlamaServiceCollectionExtensions.ServiceKey;
    public const string RemoteHttpClient = "remote-model";

    public static ModelBackends Create(IServiceProvider services)
    {
        var telemetry = services.GetRequiredService<CoordinatorTelemetry>();
        var time = services.GetRequiredService<TimeProvider>();
        var breakers = services.GetRequiredService<CircuitBreakerRegistry>();
        var llama = services.GetService<LlamaModelHost>();
        var local = services.GetKeyedService<IChatClient>(LocalModelKey) is { } localClient
            ? Compose(ModelRoute.Local, localClient, "llama.cpp", services.GetRequiredService<IOptionsMonitor<BackendResilienceOptions>>().Get("Local"), telemetry, time,
                // A model that failed to load (missing native libraries, a bad file) is unavailable, and the reason shows in /health.
                llama is null ? null : () => llama.GetStatus(LlamaModelKind.Chat) is { State: LlamaBackendState.Failed or LlamaBackendState.NotConfigured } status ? status.Detail : null)
            : ModelBackend.NotConfigured(ModelRoute.Local);

        var remoteOptions = services.GetRequiredService<IOptions<RemoteModelOptions>>().Value;
        var remote = remoteOptions.IsConfigured
            ? Compose(ModelRoute.Remote, CreateRemoteClient(remoteOptions, services.GetRequiredService<IHttpClientFactory>().CreateClient(RemoteHttpClient)),
                "openai", services.GetRequiredService<IOptionsMonitor<BackendResilienceOptions>>().Get("Remote"), telemetry, time)
            : ModelBackend.NotConfigured(ModelRoute.Remote);

        foreach (var backend in new[] { local, remote }.Where(b => b.IsConfigured))
        {
            // The model breakers show in /health and /metrics beside the HTTP ones.
            breakers.Register($"{backend.Route.ToWireName()}-model", () => CircuitBreakerRegistry.FromPolly(backend.BreakerState));
        }

        return new ModelBackends(local, remote);
    }

    private static ModelBackend Compose(ModelRoute route, IChatClient client, string provider, BackendResilienceOptions resilience, CoordinatorTelemetry telemetry,
        TimeProvider time, Func<string?>? unavailableNow = null)
    {
        var name = client.GetService<ChatClientMetadata>()?.DefaultModelId ?? provider;
        var traced = new GenAiTelemetryChatClient(client, telemetry, provider, route.ToWireName(), time);
        var guarded = new CircuitBreakerChatClient(traced, $"{route.ToWireName()}-model", resilience, time);
        return new ModelBackend(route, name, guarded, guarded.StateProvider, unavailableNow: unavailableNow);
    }

    private static OpenAIChatClientAdapter CreateRemoteClient(RemoteModelOptions options, HttpClient http)
    {
        var client = new ChatClient(options.Model!, new ApiKeyCredential(string.IsNullOrWhiteSpace(options.ApiKey) ? "none" : options.ApiKey),
            new OpenAIClientOptions
            {
                Endpoint = options.Endpoint,
                Transport = new HttpClientPipelineTransport(http),
                // The breaker and the router decide about failures; the SDK's own retries would hide them.
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            });
        return new OpenAIChatClientAdapter(client, options.Model!, options.Endpoint!);
    }
}
