using AiStack.Llama;
using AiStack.Llama.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaHostingTests(LlamaModelFixture fixture)
{
    [Fact]
    public async Task A_configured_model_is_served_through_the_keyed_chat_client_and_embedding_generator()
    {
        await using var provider = BuildProvider(new()
        {
            ["Inference:ModelPath"] = fixture.ModelPath,
            ["Inference:ContextSize"] = "256",
            ["Inference:Threads"] = "1",
            ["Inference:ContextPoolSize"] = "1",
        });

        var client = provider.GetRequiredKeyedService<IChatClient>(LlamaServiceCollectionExtensions.ServiceKey);
        var response = await client.GetResponseAsync("hello", new ChatOptions { Temperature = 0, MaxOutputTokens = 4 });
        Assert.Equal(4, response.Usage!.OutputTokenCount);

        var embedder = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(LlamaServiceCollectionExtensions.ServiceKey);
        var embedding = await embedder.GenerateAsync(["hello"]);
        Assert.Equal(fixture.Model.EmbeddingSize, embedding[0].Vector.Length);

        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task Without_a_model_the_backend_reports_unavailable_instead_of_crashing()
    {
        await using var provider = BuildProvider(new());
        var client = provider.GetRequiredKeyedService<IChatClient>(LlamaServiceCollectionExtensions.ServiceKey);

        var error = await Assert.ThrowsAsync<LlamaUnavailableException>(() => client.GetResponseAsync("hello"));
        Assert.Contains("Inference:ModelPath", error.Message, StringComparison.Ordinal);
        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.StartsWith("local backend unavailable", health.Entries["llama"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_model_makes_the_backend_unavailable_with_the_reason()
    {
        var path = Path.Combine(fixture.Directory, "not-a-model.gguf");
        await File.WriteAllTextAsync(path, "this is not a GGUF file");
        await using var provider = BuildProvider(new() { ["Inference:ModelPath"] = path });
        var client = provider.GetRequiredKeyedService<IChatClient>(LlamaServiceCollectionExtensions.ServiceKey);

        var error = await Assert.ThrowsAsync<LlamaUnavailableException>(() => client.GetResponseAsync("hello"));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        var host = provider.GetRequiredService<LlamaModelHost>();
        Assert.Equal(LlamaBackendState.Failed, host.GetStatus(LlamaModelKind.Chat).State);
        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains(path, health.Entries["llama"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_preloads_only_the_registered_kind_without_blocking_health()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:ModelPath"] = fixture.ModelPath,
            ["Inference:ContextPoolSize"] = "1",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLlamaEmbeddingGenerator(configuration);
        using var host = builder.Build();
        var models = host.Services.GetRequiredService<LlamaModelHost>();
        Assert.Equal(LlamaBackendState.NotLoaded, models.GetStatus(LlamaModelKind.Embedding).State);

        await host.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (models.GetStatus(LlamaModelKind.Embedding).State != LlamaBackendState.Ready && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(LlamaBackendState.Ready, models.GetStatus(LlamaModelKind.Embedding).State);
        Assert.Equal(LlamaBackendState.NotLoaded, models.GetStatus(LlamaModelKind.Chat).State);
        await host.StopAsync();
    }

    [Fact]
    public void Invalid_settings_are_rejected_at_start()
    {
        using var provider = BuildProvider(new() { ["Inference:ContextPoolSize"] = "0" });
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<LlamaInferenceOptions>>().Value);
        Assert.Contains("ContextPoolSize", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLlamaChatClient(configuration);
        services.AddLlamaEmbeddingGenerator(configuration);
        services.AddHealthChecks().AddLlamaHealthCheck();
        return services.BuildServiceProvider();
    }
}
