using System.Diagnostics;
using System.Text.Json;

namespace AiStack.Tests.AppHost;

/// <summary>`--publisher manifest`: the whole stack, servers included, as the K3s generator reads it.</summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task The_manifest_describes_every_service_the_servers_as_containers_and_the_secrets_as_parameters()
    {
        var folder = Infrastructure.TestDirectories.Create("apphost-manifest");
        var path = Path.Combine(folder, "aspire-manifest.json");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var argument in new[] { AppHostProcess.AssemblyPath, "--publisher", "manifest", "--output-path", path, "--tier", "large" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await output + await errors);

        var resources = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.GetProperty("resources");
        string Type(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;
        foreach (var service in StackResources.Services)
        {
            Assert.Equal("project.v0", Type(service));
        }

        Assert.StartsWith("container.v", Type("postgres"), StringComparison.Ordinal);
        Assert.StartsWith("container.v", Type("redis"), StringComparison.Ordinal);
        Assert.StartsWith("container.v", Type("qdrant"), StringComparison.Ordinal);
        Assert.Equal("parameter.v0", Type("api-key"));
        Assert.True(resources.GetProperty("api-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        var knowledgebase = resources.GetProperty("knowledgebase").GetProperty("env");
        Assert.Equal("{knowledgebase-db.connectionString}", knowledgebase.GetProperty("ConnectionStrings__postgres").GetString());
        Assert.Equal("{redis.connectionString}", knowledgebase.GetProperty("ConnectionStrings__redis").GetString());
        Assert.Equal("{qdrant.connectionString}", knowledgebase.GetProperty("ConnectionStrings__qdrant").GetString());
        Assert.Equal("{api-key.value}", knowledgebase.GetProperty("Security__ApiKey").GetString());
        Assert.Equal("http://+:8091", knowledgebase.GetProperty("URLS").GetString());
        Assert.Equal(8091, resources.GetProperty("knowledgebase").GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32());
        // The large tier asks for two Ralph replicas.
        Assert.Equal("2", resources.GetProperty("ralph").GetProperty("env").GetProperty("AISTACK_REPLICAS").GetString());
        Assert.False(resources.TryGetProperty("aistack", out _), "the dashboard-only info resource stays out of the manifest");
        Assert.DoesNotContain(File.ReadAllText(path), "ak_", StringComparison.Ordinal);
        Infrastructure.TestDirectories.Delete(folder);
    }
}
