using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Caching;
using AiStack.KnowledgeBase.Collections;

namespace AiStack.Tests.KnowledgeBase;

public sealed class ContextCacheKeyTests
{
    private static readonly IReadOnlyList<KnowledgeCollection> Two = KnowledgeCollections.Defaults.Take(2).ToList();

    private static string Key(ContextRequest request, IReadOnlyList<KnowledgeCollection>? collections = null, string model = "m") =>
        ContextCacheKey.For(request, collections ?? Two, model);

    [Fact]
    public void Case_whitespace_and_collection_order_do_not_change_the_key() =>
        Assert.Equal(Key(new() { Query = "Redis  cache\tdown" }), Key(new() { Query = " redis cache DOWN " }, Two.Reverse().ToList()));

    [Fact]
    public void Everything_that_changes_the_answer_changes_the_key()
    {
        var baseline = Key(new() { Query = "q" });

        Assert.NotEqual(baseline, Key(new() { Query = "q2" }));
        Assert.NotEqual(baseline, Key(new() { Query = "q", Project = "p" }));
        Assert.NotEqual(baseline, Key(new() { Query = "q", Limit = 3 }));
        Assert.NotEqual(baseline, Key(new() { Query = "q", MinScore = 0.5 }));
        Assert.NotEqual(baseline, Key(new() { Query = "q" }, model: "other-model"));
        Assert.NotEqual(baseline, Key(new() { Query = "q" }, [Two[0] with { MinScore = 0.1 }, Two[1]]));
    }
}
