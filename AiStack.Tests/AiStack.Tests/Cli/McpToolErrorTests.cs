using System.Diagnostics;
using AiStack.AppHost.Infrastructure;
using AiStack.Cli;
using AiStack.Tests.Coordinator;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AiStack.Tests.Cli;

/// <summary>The real <c>aistack mcp</c> process, driven by the MCP C# SDK's client, against a real Coordinator.</summary>
public sealed class McpToolErrorTests
{
    private static string CliPath => Path.Combine(Path.GetDirectoryName(typeof(CliCommands).Assembly.Location)!, "aistack.dll");

    [Fact]
    public async Task A_failing_tool_call_carries_the_services_message_and_the_invalid_argument()
    {
        await using var coordinator = new CoordinatorFactory();
        var address = coordinator.StartOnPort(LocalServerProcess.FreeTcpPort());
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "aistack",
            Command = "dotnet",
            Arguments = [CliPath, "mcp"],
            EnvironmentVariables = new Dictionary<string, string?>
            {
                ["services__coordinator__http__0"] = address.ToString(),
                ["services__knowledgebase__http__0"] = $"http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}",
                ["AISTACK_API_KEY"] = CoordinatorFactory.ApiKey,
            },
        });
        await using var client = await McpClient.CreateAsync(transport);

        var tools = await client.ListToolsAsync();
        var tooLong = await client.CallToolAsync("query", new Dictionary<string, object?> { ["prompt"] = new string('x', 40_000) });
        var unreachable = await client.CallToolAsync("search_knowledge", new Dictionary<string, object?> { ["query"] = "cache" });

        Assert.Contains(tools, t => t.Name == "query");
        Assert.True(tooLong.IsError);
        var message = Assert.IsType<TextContentBlock>(tooLong.Content[0]).Text;
        Assert.Contains("coordinator /query answered 400", message, StringComparison.Ordinal);
        Assert.Contains("prompt is 40000 characters long; the limit is 32000", message, StringComparison.Ordinal);
        Assert.True(unreachable.IsError);
        Assert.Contains("knowledgebase at http://127.0.0.1:", Assert.IsType<TextContentBlock>(unreachable.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_api_key_the_server_says_so_at_start_and_exits()
    {
        var folder = Infrastructure.TestDirectories.Create("mcp-no-key");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add(CliPath);
        start.ArgumentList.Add("mcp");
        start.Environment.Remove("AISTACK_API_KEY");
        start.Environment["AISTACK_HOME"] = folder;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("no API key found", await stderr, StringComparison.Ordinal);
        Infrastructure.TestDirectories.Delete(folder);
    }
}
