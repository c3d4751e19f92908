using System.Numerics.Tensors;
using AiStack.KnowledgeBase.Embeddings;
using Microsoft.Extensions.AI;

namespace AiStack.Tests.KnowledgeBase;

public sealed class HashingEmbeddingGeneratorTests
{
    private readonly HashingEmbeddingGenerator _embedder = new();

    private float Similarity(string a, string b) => TensorPrimitives.Dot(_embedder.Embed(a), _embedder.Embed(b));

    [Fact]
    public void The_same_text_gives_the_same_vector_in_every_instance()
    {
        const string text = "Configure PostgreSQL connection pooling for the knowledge base";

        Assert.Equal(new HashingEmbeddingGenerator().Embed(text), new HashingEmbeddingGenerator().Embed(text));
    }

    [Fact]
    public void Vectors_have_384_dimensions_and_unit_length()
    {
        var vector = _embedder.Embed("Any text at all, with some words.");

        Assert.Equal(384, vector.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(vector), 4);
    }

    [Fact]
    public void A_text_without_words_is_the_zero_vector()
    {
        Assert.All(_embedder.Embed("  ... !!! "), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Related_texts_are_closer_than_unrelated_ones()
    {
        const string query = "how to fix a connection refused error from postgres";
        var related = Similarity(query, "PostgreSQL connection refused: start the postgres service and check the port.");
        var unrelated = Similarity(query, "The dashboard renders charts of completed tasks with Radzen components.");

        Assert.True(related > unrelated + 0.2f, $"related {related}, unrelated {unrelated}");
    }

    [Fact]
    public void Word_forms_share_character_ngrams()
    {
        var inflected = Similarity("configuring caches", "configure cache");
        var other = Similarity("configuring caches", "rotate logs");

        Assert.True(inflected > other + 0.2f, $"inflected {inflected}, other {other}");
    }

    [Fact]
    public void Case_and_punctuation_do_not_matter()
    {
        Assert.Equal(1f, Similarity("Redis cache, bypassed!", "redis CACHE bypassed"), 4);
    }

    [Fact]
    public async Task It_works_through_the_Microsoft_Extensions_AI_interface()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = _embedder;

        var embeddings = await generator.GenerateAsync(["one text", "another text"]);

        Assert.Equal(2, embeddings.Count);
        Assert.Equal(_embedder.Embed("one text"), embeddings[0].Vector.ToArray());
        Assert.Equal(384, generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions);
    }

    [Fact]
    public void Ill_formed_unicode_is_embedded_without_error()
    {
        var vector = _embedder.Embed("lone \ud800 surrogate and emoji 😀 text");

        Assert.Equal(1f, TensorPrimitives.Norm(vector), 4);
    }
}
