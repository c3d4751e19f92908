using System.Text.Json;
using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Collections;
using AiStack.KnowledgeBase.Documents;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Retrieval;
using AiStack.KnowledgeBase.Validation;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Vectors;

/// <summary>The original's <c>/vector/embed</c>, <c>/vector/index</c> and <c>/vector/search</c>.</summary>
public static class VectorEndpoints
{
    public static RouteGroupBuilder MapVectorEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/vector").WithTags("Vectors");
        group.MapPost("/embed", EmbedAsync).WithName("EmbedTexts").Accepts<EmbedRequest>("application/json");
        group.MapPost("/index", IndexAsync).WithName("IndexItems").Accepts<VectorIndexRequest>("application/json");
        group.MapPost("/search", SearchAsync).WithName("SearchVectors").Accepts<VectorSearchRequest>("application/json");
        return group;
    }

    private static async Task<IResult> EmbedAsync(
        HttpRequest http, KnowledgeEmbedder embedder, IOptions<RequestLimits> limits, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<EmbedRequest>(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new ValidationErrors();
        var texts = request!.Texts;
        if (texts is null || texts.Count == 0)
        {
            errors.Add("texts", "'texts' must be a non-empty array of strings.");
        }
        else if (texts.Count > limits.Value.MaxEmbedTexts)
        {
            errors.Add("texts", $"'texts' has {texts.Count} items; the limit is {limits.Value.MaxEmbedTexts}.");
        }
        else
        {
            for (var i = 0; i < texts.Count; i++)
            {
                errors.Text($"texts[{i}]", texts[i], limits.Value.MaxEmbedTextChars, required: true);
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var vectors = await embedder.EmbedAsync(texts!, cancellationToken);
        return TypedResults.Ok(new EmbedResponse(vectors, await embedder.GetDimensionsAsync(cancellationToken), embedder.ModelId));
    }

    private static async Task<IResult> IndexAsync(
        HttpRequest http, DocumentIngestor ingestor, KnowledgeCollections collections, IOptions<RequestLimits> limits, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<VectorIndexRequest>(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new ValidationErrors();
        var collection = request!.Collection;
        if (collection is null || !collections.TryGet(collection, out _))
        {
            errors.Add("collection", $"'collection' must be one of: {string.Join(", ", collections.Names)}.");
        }

        var project = errors.Text("project", request.Project, limits.Value.MaxProjectChars, required: false)?.Trim() ?? "default";
        var items = request.Items;
        if (items is null || items.Count == 0)
        {
            errors.Add("items", "'items' must be a non-empty array of {id?, text, metadata?}.");
        }
        else if (items.Count > limits.Value.MaxIndexItems)
        {
            errors.Add("items", $"'items' has {items.Count} entries; the limit is {limits.Value.MaxIndexItems}.");
        }

        var documents = new List<NewDocument>();
        for (var i = 0; items is not null && i < items.Count && i < limits.Value.MaxIndexItems; i++)
        {
            var item = items[i];
            if (item is null)
            {
                errors.Add($"items[{i}]", "An item must be an object.");
                continue;
            }

            var id = errors.Text($"items[{i}].id", item.Id, limits.Value.MaxSourceChars, required: false)?.Trim() ?? Guid.NewGuid().ToString("N");
            var text = errors.Text($"items[{i}].text", item.Text, limits.Value.MaxContentChars, required: true);
            var metadata = errors.Metadata($"items[{i}].metadata", item.Metadata, limits.Value.MaxMetadataChars);
            if (text is not null && collection is not null)
            {
                documents.Add(new NewDocument(project, collection, id, id, text, metadata));
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        // Each item is its own document (and transaction); all items were validated first, so a bad item writes nothing.
        var indexed = new List<VectorIndexedItem>();
        foreach (var document in documents)
        {
            var result = await ingestor.IngestAsync(document, cancellationToken);
            indexed.Add(new VectorIndexedItem(document.Source, result.DocumentId, result.ChunkCount));
        }

        return TypedResults.Ok(new VectorIndexResponse(collection!, indexed.Count, indexed));
    }

    private static async Task<IResult> SearchAsync(
        HttpRequest http,
        KnowledgeEmbedder embedder,
        IVectorStore store,
        ChunkReader chunks,
        KnowledgeCollections collections,
        IOptions<RequestLimits> limits,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var (request, problem) = await JsonBody.ReadAsync<VectorSearchRequest>(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new ValidationErrors();
        KnowledgeCollection? collection = null;
        if (request!.Collection is null || !collections.TryGet(request.Collection, out collection))
        {
            errors.Add("collection", $"'collection' must be one of: {string.Join(", ", collections.Names)}.");
        }

        var query = errors.Text("query", request.Query, limits.Value.MaxQueryChars, required: false);
        var dimensions = await embedder.GetDimensionsAsync(cancellationToken);
        if ((query is null) == (request.Vector is null))
        {
            errors.Add("query", "Give exactly one of 'query' (text) and 'vector'.");
        }
        else if (request.Vector is { } raw && (raw.Length != dimensions || raw.Any(f => !float.IsFinite(f))))
        {
            errors.Add("vector", $"'vector' must have {dimensions} finite numbers (model {embedder.ModelId}).");
        }

        if (request.Limit is { } limit && (limit < 1 || limit > limits.Value.MaxResults))
        {
            errors.Add("limit", $"'limit' must be between 1 and {limits.Value.MaxResults}.");
        }

        if (request.MinScore is { } minScore && (double.IsNaN(minScore) || minScore < -1 || minScore > 1))
        {
            errors.Add("min_score", "'min_score' must be between -1 and 1 (a cosine similarity).");
        }

        var (project, documentId) = ReadFilter(request.Filter, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var vector = request.Vector is { } given ? VectorMath.Normalized(given) : await embedder.EmbedAsync(query!, cancellationToken);
        var matches = await store.SearchAsync(collection!.Name, new VectorQuery(
            vector, request.Limit ?? collection.DefaultLimit, project, documentId, (float)(request.MinScore ?? collection.MinScore)), cancellationToken);
        var stored = await chunks.ReadAsync(matches.Select(m => m.ChunkId).ToList(), cancellationToken);
        var results = matches
            .Where(m => stored.ContainsKey(m.ChunkId))
            .Select(m =>
            {
                var chunk = stored[m.ChunkId];
                return new VectorSearchResult(chunk.Source, chunk.ChunkId, chunk.DocumentId, chunk.Collection, chunk.Project,
                    Math.Round(m.Score, 6), chunk.Content, JsonSerializer.Deserialize<JsonElement>(chunk.Metadata));
            })
            .ToList();
        return TypedResults.Ok(new VectorSearchResponse(collection.Name, results,
            Math.Round(timeProvider.GetElapsedTime(started).TotalMilliseconds, 3)));
    }

    private static (string? Project, long? DocumentId) ReadFilter(Dictionary<string, JsonElement>? filter, ValidationErrors errors)
    {
        string? project = null;
        long? documentId = null;
        foreach (var (key, value) in filter ?? [])
        {
            switch (key)
            {
                case "project" when value.ValueKind == JsonValueKind.String:
                    project = value.GetString();
                    break;
                case "document_id" when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var id):
                    documentId = id;
                    break;
                case "project" or "document_id":
                    errors.Add($"filter.{key}", $"'filter.{key}' has the wrong type (project: string, document_id: integer).");
                    break;
                default:
                    errors.Add("filter", $"Unknown filter key '{key[..Math.Min(key.Length, 100)]}'. Supported: project, document_id.");
                    break;
            }
        }

        return (project, documentId);
    }
}
