using Microsoft.AspNetCore.Mvc.Testing;

namespace AiStack.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task KnowledgeBase_reports_live()
    {
        await using var factory = new WebApplicationFactory<AiStack.KnowledgeBase.KnowledgeBaseEntryPoint>();
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode);
    }
}
