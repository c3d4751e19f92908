using System.Globalization;
using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Collections;
using AiStack.KnowledgeBase.Validation;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Documents;

/// <summary><c>/documents</c>: add or replace, list (with keyword search), read, delete.</summary>
public static class DocumentEndpoints
{
    /// <summary>Maps the group and returns it with the expensive route (POST, which embeds) for rate limiting.</summary>
    public static (RouteGroupBuilder Group, RouteHandlerBuilder Add) MapDocumentEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/documents").WithTags("Documents");
        var add = group.MapPost("/", AddAsync).WithName("AddDocument").Accepts<AddDocumentRequest>("application/json")
            .WithSummary("Adds a document, or replaces the one with the same project and source; it is chunked, embedded and indexed.");
        group.MapGet("/", ListAsync).WithName("ListDocuments");
        group.MapGet("/{id:long}", GetAsync).WithName("GetDocument");
        group.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteDocument");
        return (group, add);
    }

    private static async Task<IResult> AddAsync(
        HttpRequest http, DocumentIngestor ingestor, KnowledgeCollections collections, IOptions<RequestLimits> limits, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<AddDocumentRequest>(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new ValidationErrors();
        var document = Validate(request!, collections, limits.Value, errors);
        if (document is null)
        {
            return errors.ToProblem();
        }

        var result = await ingestor.IngestAsync(document, cancellationToken);
        var body = new AddDocumentResponse(result.DocumentId, result.ChunkCount, document.Project, document.Collection, document.Source, result.Replaced);
        return result.Replaced
            ? TypedResults.Ok(body)
            : TypedResults.Created($"/documents/{result.DocumentId.ToString(CultureInfo.InvariantCulture)}", body);
    }

    public static NewDocument? Validate(AddDocumentRequest request, KnowledgeCollections collections, RequestLimits limits, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(collections);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(errors);
        var project = errors.Text("project", request.Project, limits.MaxProjectChars, required: true);
        var title = errors.Text("title", request.Title, limits.MaxTitleChars, required: true);
        var content = errors.Text("content", request.Content, limits.MaxContentChars, required: true);
        var source = errors.Text("source", request.Source, limits.MaxSourceChars, required: false);
        var metadata = errors.Metadata("metadata", request.Metadata, limits.MaxMetadataChars);
        var collection = request.Collection ?? KnowledgeCollections.CodebaseContext;
        if (!collections.TryGet(collection, out _))
        {
            errors.Add("collection", $"Unknown collection '{collection[..Math.Min(collection.Length, 100)]}'. Known: {string.Join(", ", collections.Names)}.");
        }

        if (errors.Any)
        {
            return null;
        }

        return new NewDocument(project!.Trim(), collection, title!.Trim(), (source ?? title!).Trim(), content!, metadata);
    }

    private static async Task<IResult> ListAsync(
        DocumentRepository repository,
        IOptions<RequestLimits> limits,
        CancellationToken cancellationToken,
        string? project = null,
        string? limit = null,
        string? offset = null,
        string? search = null,
        string? include_content = null)
    {
        var errors = new ValidationErrors();
        var projectValue = errors.Text("project", project, limits.Value.MaxProjectChars, required: false)?.Trim();
        var searchValue = errors.Text("search", search, limits.Value.MaxQueryChars, required: false)?.Trim();
        var pageSize = ParseInt(errors, "limit", limit, 50, 1, limits.Value.MaxPageSize);
        var skip = ParseInt(errors, "offset", offset, 0, 0, int.MaxValue);
        var withContent = false;
        if (include_content is not null && !bool.TryParse(include_content, out withContent))
        {
            errors.Add("include_content", "'include_content' must be true or false.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (page, total) = await repository.ListAsync(projectValue, searchValue, pageSize, skip, withContent, cancellationToken);
        return TypedResults.Ok(new DocumentListResponse(page, total, projectValue, pageSize, skip));
    }

    private static async Task<IResult> GetAsync(long id, DocumentRepository repository, CancellationToken cancellationToken) =>
        await repository.GetAsync(id, cancellationToken) is { } document
            ? TypedResults.Ok(document)
            : NotFound(id);

    private static async Task<IResult> DeleteAsync(long id, DocumentIngestor ingestor, CancellationToken cancellationToken) =>
        await ingestor.DeleteAsync(id, cancellationToken) is { } removed
            ? TypedResults.Ok(new DeleteDocumentResponse(id, Deleted: true, removed))
            : NotFound(id);

    private static IResult NotFound(long id) =>
        TypedResults.Problem(detail: $"No document has id {id}.", statusCode: StatusCodes.Status404NotFound, title: "Document not found.");

    private static int ParseInt(ValidationErrors errors, string field, string? value, int fallback, int min, int max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            errors.Add(field, $"'{field}' must be a whole number between {min} and {max}.");
            return fallback;
        }

        return parsed;
    }
}
