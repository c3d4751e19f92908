using System.ClientModel;
using System.ClientModel.Primitives;
using AiStack.Coordinator.Routing;
using AiStack.Coordinator.Telemetry;
using AiStack.Llama.Hosting;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace AiStack.Coordinator.Backends;

/// <summary>
/// Builds each backend's pipeline once at start-up. The local model is the keyed <see cref="IChatClient"/>
/// <see cref="LocalModelKey"/> (the llama.cpp client, registered when <c>Inference:ModelPath</c> is set); the remote one is the
/// OpenAI SDK's chat client as an <see cref="IChatClient"/> (Microsoft.Extensions.AI.OpenAI) for the <c>Remote</c> settings.
/// </summary>
public static class ModelBackendFactory
{
    public const string LocalModelKey = LlamaServiceCollectionExtensions.ServiceKey;
    public const string RemoteHttpClient = "remote-model";

    public static ModelBackends Create(IServiceProvider services)
    {
        var resilience = services.GetRequiredService<IOptionsMonitor<BackendResilienceOptions>>();
        var breakers = services.GetRequiredService<CircuitBreakerRegistry>();
        var llama = services.GetService<LlamaModelHost>();
        var local = services.GetKeyedService<IChatClient>(LocalModelKey) is { } localClient
            ? Compose(services, ModelRoute.Local, localClient, "llama.cpp", resilience.Get("Local"),
                // A model that failed to load (missing native libraries, a bad file) is unavailable, and the reason shows in /health.
                llama is null ? null : () => llama.GetStatus(LlamaModelKind.Chat) is { State: LlamaBackendState.Failed or LlamaBackendState.NotConfigured } status ? status.Detail : null)
            : ModelBackend.NotConfigured(ModelRoute.Local);

        var remoteOptions = services.GetRequiredService<IOptions<RemoteModelOptions>>().Value;
        var remote = remoteOptions.IsConfigured
            ? Compose(services, ModelRoute.Remote, CreateRemoteClient(remoteOptions, services.GetRequiredService<IHttpClientFactory>().CreateClient(RemoteHttpClient)),
                "openai", resilience.Get("Remote"))
            : ModelBackend.NotConfigured(ModelRoute.Remote);

        foreach (var backend in new[] { local, remote }.Where(b => b.IsConfigured))
        {
            // The model breakers show in /health and /metrics beside the HTTP ones.
            breakers.Register($"{backend.Route.ToWireName()}-model", () => CircuitBreakerRegistry.FromPolly(backend.BreakerState));
        }

        return new ModelBackends(local, remote);
    }

    /// <summary>
    /// One backend's pipeline, outermost first: timeout + circuit breaker, the backend's own model id, OpenTelemetry (gen_ai spans and metrics), logging,
    /// the model. The breaker sits outside the span so that a call it refuses fast is no model call.
    /// </summary>
    private static ModelBackend Compose(IServiceProvider services, ModelRoute route, IChatClient model, string provider,
        BackendResilienceOptions resilience, Func<string?>? unavailableNow = null)
    {
        var name = model.GetService<ChatClientMetadata>()?.DefaultModelId ?? provider;
        var time = services.GetRequiredService<TimeProvider>();
        CircuitBreakerChatClient? breaker = null;
        var pipeline = new ChatClientBuilder(model)
            .Use(inner => breaker = new CircuitBreakerChatClient(inner, $"{route.ToWireName()}-model", resilience, time))
            // The request names the stack's model (aistack-hybrid, aistack-remote ...); each backend answers with its own.
            .ConfigureOptions(options => options.ModelId = null)
            .UseOpenTelemetry(sourceName: CoordinatorTelemetry.Name)
            .UseLogging()
            .Build(services);
        return new ModelBackend(route, name, pipeline, breaker!.StateProvider, unavailableNow: unavailableNow);
    }

    public static IChatClient CreateRemoteClient(RemoteModelOptions options, HttpClient http) =>
        new OpenAI.Chat.ChatClient(options.Model!, new ApiKeyCredential(string.IsNullOrWhiteSpace(options.ApiKey) ? "none" : options.ApiKey),
            new OpenAIClientOptions
            {
                Endpoint = options.Endpoint,
                Transport = new HttpClientPipelineTransport(http),
                // The breaker and the router decide about failures; the SDK's own retries would hide them.
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            }).AsIChatClient();
}
