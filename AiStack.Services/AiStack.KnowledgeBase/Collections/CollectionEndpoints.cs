using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Documents;

namespace AiStack.KnowledgeBase.Collections;

/// <summary><c>GET /collections</c>: each collection with its defaults and how much it holds.</summary>
public static class CollectionEndpoints
{
    public static RouteHandlerBuilder MapCollectionEndpoints(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/collections", async (KnowledgeCollections collections, DocumentRepository repository, CancellationToken cancellationToken) =>
        {
            var counts = await repository.CountByCollectionAsync(cancellationToken);
            return TypedResults.Ok(new CollectionListResponse(collections.All.Select(c =>
            {
                var (documents, chunks) = counts.GetValueOrDefault(c.Name);
                return new CollectionInfo(c.Name, c.Description, c.DefaultLimit, c.MinScore, documents, chunks);
            }).ToList()));
        }).WithName("ListCollections");
}
