using System.Diagnostics;
using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Collections;
using AiStack.KnowledgeBase.Diagnostics;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Vectors;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Retrieval;

/// <summary>A validated retrieval request.</summary>
public sealed record ContextQuery(string Query, IReadOnlyList<KnowledgeCollection> Collections, string? Project, int? Limit, double? MinScore);

/// <summary>
/// Hybrid retrieval: the query's nearest chunks by cosine similarity and its keyword matches, fused by reciprocal rank fusion
/// (k = 60). Each result's <c>score</c> is its cosine similarity to the query (computed from the stored vector for keyword-only
/// hits; 0 for a chunk still waiting to be re-embedded by the current model), and results below the minimum score (the
/// request's, else each collection's) are dropped; under a collection's default minimum the strongest keyword hits
/// (<see cref="RetrievalOptions.StrongKeywordRank"/>) stay whatever their cosine, and take the place of the weakest other
/// result when the fusion ranks them below the limit.
/// Without a limit each collection contributes up to its default count.
/// </summary>
public sealed class HybridRetriever(
    KnowledgeEmbedder embedder, IVectorStore vectorStore, KeywordSearch keywordSearch, ChunkReader chunkReader, IOptions<RetrievalOptions> options)
{
    public async Task<IReadOnlyList<ContextResult>> RetrieveAsync(ContextQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.retrieve");
        activity?.SetTag("kb.collections", string.Join(',', query.Collections.Select(c => c.Name)));
        var wanted = query.Limit ?? query.Collections.Sum(c => c.DefaultLimit);
        var pool = Math.Clamp(wanted * 4, 20, 400);

        var model = embedder.ModelId;
        var vector = await embedder.EmbedAsync(query.Query, cancellationToken);
        var vectorTask = VectorRankingAsync(query, vector, pool, cancellationToken);
        var keywordTask = keywordSearch.SearchAsync(query.Query, query.Collections.Select(c => c.Name).ToList(), query.Project, pool, cancellationToken);
        var vectorHits = await vectorTask;
        var keywordHits = await keywordTask;

        var fused = ReciprocalRankFusion.Fuse<long>(
            [vectorHits.Select(h => h.ChunkId).ToList(), keywordHits.Select(h => h.ChunkId).ToList()], [1.0, options.Value.KeywordWeight]);
        var chunks = await chunkReader.ReadAsync(fused.Select(f => f.Item).ToList(), cancellationToken);

        var vectorRank = vectorHits.Select((h, i) => (h, i)).ToDictionary(x => x.h.ChunkId, x => (Rank: x.i + 1, x.h.Score));
        var keywordRank = keywordHits.Select((h, i) => (h.ChunkId, i)).ToDictionary(x => x.ChunkId, x => x.i + 1);
        var collections = query.Collections.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var perCollection = new Dictionary<string, int>(StringComparer.Ordinal);
        var results = new List<ContextResult>();
        foreach (var (chunkId, fusedScore) in fused)
        {
            if (!chunks.TryGetValue(chunkId, out var chunk) || !collections.TryGetValue(chunk.Collection, out var collection))
            {
                continue; // a vector whose chunk is gone, or one moved to a collection not asked for
            }

            var hasVector = vectorRank.TryGetValue(chunkId, out var v);
            var cosine = hasVector ? v.Score : chunk.EmbeddingModel == model ? VectorMath.Cosine(vector, chunk.Embedding) : 0;
            var hasKeyword = keywordRank.TryGetValue(chunkId, out var k);
            // A request's own min_score is a hard cut; the collection's default one spares the strongest keyword hits.
            var strongKeyword = query.MinScore is null && hasKeyword && k <= options.Value.StrongKeywordRank;
            if (cosine < (query.MinScore ?? collection.MinScore) && !strongKeyword)
            {
                continue;
            }

            var full = results.Count >= wanted;
            if (full && !strongKeyword)
            {
                continue; // the list is full; only a strong keyword hit may still take the place of the weakest other result
            }

            if (query.Limit is null && !full)
            {
                var taken = perCollection.GetValueOrDefault(collection.Name);
                if (taken >= collection.DefaultLimit)
                {
                    continue;
                }

                perCollection[collection.Name] = taken + 1;
            }

            var result = new ContextResult
            {
                ChunkId = chunk.ChunkId,
                DocumentId = chunk.DocumentId,
                Collection = chunk.Collection,
                Project = chunk.Project,
                Source = chunk.Source,
                Title = chunk.Title,
                Content = chunk.Content,
                Score = Math.Round(cosine, 6),
                VectorScore = Math.Round(cosine, 6),
                VectorRank = hasVector ? v.Rank : null,
                KeywordRank = hasKeyword ? k : null,
                FusedScore = Math.Round(fusedScore, 6),
            };
            if (!full)
            {
                results.Add(result);
                continue;
            }

            var weakest = results.FindLastIndex(r => r.KeywordRank is not { } rank || rank > options.Value.StrongKeywordRank);
            if (weakest >= 0)
            {
                if (query.Limit is null)
                {
                    perCollection[results[weakest].Collection]--;
                    perCollection[collection.Name] = perCollection.GetValueOrDefault(collection.Name) + 1;
                }

                results[weakest] = result;
            }
        }

        activity?.SetTag("kb.results", results.Count);
        activity?.SetStatus(ActivityStatusCode.Ok);
        return results;
    }

    private async Task<List<VectorMatch>> VectorRankingAsync(ContextQuery query, float[] vector, int pool, CancellationToken cancellationToken)
    {
        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.vector_search");
        activity?.SetTag("kb.vector_store", vectorStore.Name);
        // One search per collection, concurrently: remote stores (Qdrant) answer in parallel; the embedded index completes inline.
        var perCollection = await Task.WhenAll(query.Collections.Select(collection =>
            vectorStore.SearchAsync(collection.Name, new VectorQuery(vector, pool, query.Project), cancellationToken)));
        var all = perCollection.SelectMany(hits => hits).ToList();

        all.Sort((a, b) => b.Score.CompareTo(a.Score));
        return all.Count > pool ? all.GetRange(0, pool) : all;
    }
}
