using System.Net;
using System.Text.Json.Nodes;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Contracts.Tasks;
using AiStack.ServiceDefaults.OpenApi;
using AiStack.Tests.Coordinator;
using AiStack.Tests.KnowledgeBase;
using AiStack.Tests.Ralph;

namespace AiStack.Tests.Fuzzing;

/// <summary>Each service publishes its OpenAPI document behind the key, with the request records' required fields and limits.</summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task Ralph_documents_the_task_submission_with_its_limits()
    {
        await using var ralph = new RalphFactory();
        var schema = await BodySchemaAsync(ralph.CreateClient(), "/tasks", "post");

        Assert.Contains("prompt", schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(TaskLimits.MaxPromptChars, schema["properties"]!["prompt"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(TaskLimits.MaxIterationTokens, Number(schema["properties"]!["iteration_max_tokens"]!["maximum"]));
    }

    [Fact]
    public async Task The_coordinator_and_the_knowledgebase_document_their_request_records()
    {
        await using var coordinator = new CoordinatorFactory();
        var feedback = await BodySchemaAsync(coordinator.CreateClient(), "/feedback", "post");
        Assert.Equal(CoordinatorLimits.MaxCorrectionChars, feedback["properties"]!["correction"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(5, Number(feedback["properties"]!["rating"]!["maximum"]));

        await using var knowledgeBase = new KnowledgeBaseFactory();
        var context = await BodySchemaAsync(knowledgeBase.CreateApiClient(), "/context", "post");
        Assert.Contains("query", context["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(ContextLimits.MaxQueryChars, context["properties"]!["query"]!["maxLength"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_document_needs_the_key()
    {
        await using var knowledgeBase = new KnowledgeBaseFactory();
        using var response = await knowledgeBase.CreateClient().GetAsync(new Uri(OpenApiDocuments.Path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<JsonObject> BodySchemaAsync(HttpClient client, string path, string method)
    {
        var document = await client.GetStringAsync(new Uri(OpenApiDocuments.Path, UriKind.Relative));
        var operations = OpenApiOperations.Parse(document);
        var operation = Assert.Single(operations.Operations, o => o.PathTemplate == path && o.Method == method.ToUpperInvariant());
        return Assert.IsType<JsonObject>(operation.BodySchema);
    }

    private static double Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<double>(out var number)
        ? number
        : double.Parse(node!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
}
