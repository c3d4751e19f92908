using AiStack.AppHost.Infrastructure;
using AiStack.Tests.Coordinator;

namespace AiStack.Tests.Ralph;

/// <summary>The built-in <c>llm</c> backend end to end: Ralph -> Coordinator (context from the KnowledgeBase, local generated model), all over HTTP.</summary>
[Collection(HybridStackCollection.Name)]
public sealed class RalphLlmBackendTests(HybridStackFixture stack)
{
    [Fact]
    public async Task The_llm_backend_answers_through_the_coordinator_which_owns_retrieval()
    {
        // The iteration input (task, workspace listing, edit format, how to finish) outgrows the fixture's 512-token context.
        var model = Path.Combine(stack.Directory, "ralph-llm.gguf");
        AiStack.Llama.Gguf.TinyModelWriter.Write(model, AiStack.Llama.Gguf.TinyModelSpec.Tiny with { Seed = 1, ContextLength = 2048 });
        await using var coordinator = new CoordinatorFactory(stack.Settings(model, new Dictionary<string, string?> { ["Inference:ContextSize"] = "2048" }));
        var coordinatorAddress = coordinator.StartOnPort(LocalServerProcess.FreeTcpPort());
        await using var ralph = new RalphFactory(settings: new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = CoordinatorFactory.ApiKey,
            ["services:knowledgebase:http:0"] = stack.KnowledgeBaseAddress.ToString(),
            ["services:coordinator:http:0"] = coordinatorAddress.ToString(),
        });
        var client = ralph.CreateClient();
        client.DefaultRequestHeaders.Remove("X-API-Key");
        client.DefaultRequestHeaders.Add("X-API-Key", CoordinatorFactory.ApiKey);

        var id = (await client.SubmitAsync(new { prompt = "How do I configure the response cache semantic threshold?", backend = "llm", max_iterations = 2, iteration_max_tokens = 16 })).Id();
        var task = await client.WaitForAsync(id, seconds: 120);

        // A random-weight model never says <complete/>: the fixed limit ends the task, and both iterations are recorded.
        Assert.Equal("failed", task.Status());
        Assert.Contains("iteration limit of 2", task["completion_reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var iterations = await client.IterationsAsync(id);
        Assert.Equal(2, iterations.Count);
        var first = iterations[0]!;
        Assert.True(first["exit_code"]!.GetValue<int>() == 0, first.ToJsonString());
        // The Coordinator retrieves the context and puts it into the prompt; Ralph's own input carries none of it.
        Assert.DoesNotContain(HybridStackFixture.KnownPattern, first["input"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(first["tokens"]!.GetValue<long>() > 0, first.ToJsonString());
        Assert.False(string.IsNullOrEmpty(first["route"]!.GetValue<string>()));
        Assert.True(task["tokens_used"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task A_token_budget_ends_an_llm_task_as_failed_with_the_reason()
    {
        await using var coordinator = new CoordinatorFactory(stack.Settings(stack.LocalModelPath));
        var coordinatorAddress = coordinator.StartOnPort(LocalServerProcess.FreeTcpPort());
        await using var ralph = new RalphFactory(settings: new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = CoordinatorFactory.ApiKey,
            ["services:knowledgebase:http:0"] = stack.KnowledgeBaseAddress.ToString(),
            ["services:coordinator:http:0"] = coordinatorAddress.ToString(),
        });
        var client = ralph.CreateClient();
        client.DefaultRequestHeaders.Remove("X-API-Key");
        client.DefaultRequestHeaders.Add("X-API-Key", CoordinatorFactory.ApiKey);

        var id = (await client.SubmitAsync(new { prompt = "write a parser", backend = "llm", max_iterations = 5, budget = new { max_tokens = 1 } })).Id();
        var task = await client.WaitForAsync(id, seconds: 120);

        Assert.Equal("failed", task.Status());
        Assert.Equal(1, task["iteration"]!.GetValue<int>());
        Assert.Contains("token budget of 1 exhausted", task["completion_reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
