using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Tests.KnowledgeBase.Quality;

/// <summary>Two real KnowledgeBases holding the labelled set: one on MiniLM (the default), one on the word-hash fallback.</summary>
public sealed class LabelledKnowledgeBaseFixture : IAsyncLifetime
{
    public const string Collection = "codebase-context";

    public KnowledgeBaseFactory MiniLm { get; } = new();

    public KnowledgeBaseFactory Hashing { get; } = new(settings: new Dictionary<string, string?> { ["Embeddings:Provider"] = "hashing" });

    public async Task InitializeAsync()
    {
        await FillAsync(MiniLm);
        await FillAsync(Hashing);
    }

    public async Task DisposeAsync()
    {
        await MiniLm.DisposeAsync();
        await Hashing.DisposeAsync();
    }

    public static async Task FillAsync(KnowledgeBaseFactory factory)
    {
        using var client = factory.CreateApiClient();
        var items = RetrievalQualitySet.Pairs.Select(p => new { id = p.Id, text = p.Chunk })
            .Concat(RetrievalQualitySet.Distractors().Select((text, i) => new { id = $"distractor-{i}", text }))
            .ToList();
        foreach (var batch in items.Chunk(250))
        {
            var indexed = await (await client.PostJsonAsync("/vector/index", new { collection = Collection, project = "quality", items = batch }))
                .ReadAsync<VectorIndexResponse>();
            Assert.Equal(batch.Length, indexed.Indexed);
        }
    }
}
