using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Documents;
using AiStack.KnowledgeBase.Embeddings;

namespace AiStack.KnowledgeBase.Collections;

/// <summary><c>GET /collections</c>: each collection with its defaults and how much it holds.</summary>
public static class CollectionEndpoints
{
    public static RouteHandlerBuilder MapCollectionEndpoints(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/collections", async (KnowledgeCollections collections, DocumentRepository repository, CollectionEmbedders embedders,
            ReembeddingProgress progress, CancellationToken cancellationToken) =>
        {
            var counts = await repository.CountByCollectionAsync(cancellationToken);
            var recorded = await embedders.ReadAsync(cancellationToken);
            var pending = progress.Pending;
            return TypedResults.Ok(new CollectionListResponse(collections.All.Select(c =>
            {
                var (documents, chunks) = counts.GetValueOrDefault(c.Name);
                recorded.TryGetValue(c.Name, out var embedder);
                return new CollectionInfo(c.Name, c.Description, c.DefaultLimit, c.MinScore, documents, chunks,
                    embedder?.EmbeddingModel, embedder?.Dimensions, pending.TryGetValue(c.Name, out var p) ? p.Remaining : 0);
            }).ToList()));
        }).WithName("ListCollections");
}
