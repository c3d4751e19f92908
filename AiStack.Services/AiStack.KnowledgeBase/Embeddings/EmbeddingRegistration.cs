using AiStack.KnowledgeBase.Embeddings.MiniLm;
using AiStack.Llama.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>
/// Embedders are keyed <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> registrations; <c>Embeddings:Provider</c> picks one.
/// Another library adds its own (for example <c>services.AddKeyedSingleton&lt;IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;&gt;("llama", ...)</c>)
/// and it becomes selectable without touching the knowledge base.
/// </summary>
public static class EmbeddingRegistration
{
    public static IServiceCollection AddKnowledgeBaseEmbeddings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmbeddingOptions>()
            .Bind(configuration.GetSection(EmbeddingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // A local embedding model (Inference:EmbeddingModelPath) registers the "llama" embedder and becomes the default provider.
        if (!string.IsNullOrWhiteSpace(configuration["Inference:EmbeddingModelPath"]))
        {
            services.AddLlamaEmbeddingGenerator(configuration);
            if (string.IsNullOrWhiteSpace(configuration[EmbeddingOptions.SectionName + ":Provider"]))
            {
                services.PostConfigure<EmbeddingOptions>(options => options.Provider = LlamaServiceCollectionExtensions.ServiceKey);
            }
        }

        services.AddOptions<MiniLmOptions>()
            .Bind(configuration.GetSection(MiniLmOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(EmbeddingOptions.MiniLmProvider,
            (sp, _) => new MiniLmEmbeddingGenerator(MiniLmModel.Shared(sp.GetRequiredService<IOptions<MiniLmOptions>>().Value)));
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(EmbeddingOptions.HashingProvider,
            (sp, _) => new HashingEmbeddingGenerator(sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.Dimensions));

        services.AddSingleton(sp =>
        {
            var provider = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value.Provider;
            return sp.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(provider)
                ?? throw new InvalidOperationException(
                    $"Embeddings:Provider is '{provider}', but no embedder with that name is registered in this build. " +
                    $"Use '{EmbeddingOptions.MiniLmProvider}' (or '{EmbeddingOptions.HashingProvider}', the word-hash fallback), or register the provider's IEmbeddingGenerator under that key.");
        });
        services.AddSingleton<KnowledgeEmbedder>();
        return services;
    }
}
