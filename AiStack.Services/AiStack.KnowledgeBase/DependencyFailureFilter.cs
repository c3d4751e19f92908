using System.Data.Common;
using AiStack.Storage;

namespace AiStack.KnowledgeBase;

/// <summary>
/// Turns a failing dependency (the database, or Qdrant) into 503 problem details that say which one and how to fix it,
/// instead of a bare 500. Nothing was written: writes are transactional and the vector store is written before the commit.
/// </summary>
public sealed class DependencyFailureFilter(Database database, ILogger<DependencyFailureFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context);
        }
        catch (DbException ex)
        {
            logger.LogError(ex, "Database failure on {Path}", context.HttpContext.Request.Path);
            return Unavailable($"The database ({database.Description}) failed: {ex.Message}. {DatabaseHealthCheck.FixHint(database)}");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !context.HttpContext.RequestAborted.IsCancellationRequested))
        {
            logger.LogError(ex, "Vector store failure on {Path}", context.HttpContext.Request.Path);
            return Unavailable($"The vector store failed: {ex.Message}. Check Qdrant and ConnectionStrings__qdrant.");
        }
    }

    private static IResult Unavailable(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "A dependency of the knowledge base is unavailable.");
}
