using AiStack.Clients;

namespace AiStack.Dashboard.Access;

/// <summary>The fine-tuning dataset for a signed-in browser, fetched server-side so that the stack's key stays on the server.</summary>
public static class DatasetDownload
{
    public const string Path = "/downloads/finetuning.jsonl";

    public static IEndpointRouteBuilder MapDatasetDownload(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, async (LearningClient learning, CancellationToken cancellationToken) =>
                TypedResults.Stream(await learning.DatasetAsync(cancellationToken), "application/jsonl", "finetuning.jsonl"))
            .RequireAuthorization()
            .AllowWithoutApiKey();
        return endpoints;
    }
}
