using System.Text.Json;
using AiStack.AppHost.Publishing;

namespace AiStack.Tests.Publishing;

/// <summary>
/// The .NET SDK container settings of each service project, as the SDK itself computes them (`ComputeContainerConfig`, which
/// needs no registry): the repository, port and user that aspirate-output's Deployments expect. Building an image needs the base
/// image from a registry, which this machine cannot reach, so no image is built here.
/// </summary>
[Collection(PublishedStackCollection.Name)]
public sealed class ContainerSettingsTests(PublishedStack stack)
{
    [Fact]
    public async Task Every_service_project_builds_the_image_its_deployment_runs()
    {
        var dotnet = ExternalTool.Require("dotnet", "install the .NET 10 SDK.");
        using var manifest = JsonDocument.Parse(File.ReadAllText(stack.ManifestPath));
        var checkedProjects = new List<string>();
        foreach (var resource in manifest.RootElement.GetProperty("resources").EnumerateObject()
                     .Where(resource => resource.Value.GetProperty("type").GetString() == "project.v0"))
        {
            var project = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.Combine(stack.RepositoryRoot, "AiStack.AppHost", "x"))!, resource.Value.GetProperty("path").GetString()!));
            if (!File.Exists(project))
            {
                // The control center's project arrives with its own branch; once it exists it is checked like the others.
                Assert.Equal("dashboard", resource.Name);
                continue;
            }

            var result = await ExternalTool.RunAsync(dotnet,
                ["msbuild", project, "-nologo", "-t:ComputeContainerConfig", "-p:ContainerRegistry=registry.example.com:5000", "-p:ContainerImageTag=1.4.2",
                 "-getProperty:ContainerRepository", "-getProperty:ContainerRegistry", "-getProperty:ContainerImageTag", "-getProperty:ContainerUser",
                 "-getProperty:ContainerBaseImage", "-getItem:ContainerPort"], stack.RepositoryRoot, timeout: TimeSpan.FromMinutes(3));
            Assert.True(result.ExitCode == 0, $"{project}: {result.All}");
            using var settings = JsonDocument.Parse(result.Output);
            var properties = settings.RootElement.GetProperty("Properties");
            var image = $"{properties.GetProperty("ContainerRegistry").GetString()}/{properties.GetProperty("ContainerRepository").GetString()}:{properties.GetProperty("ContainerImageTag").GetString()}";

            Assert.Equal(new PublishOptions { OutputPath = ".", Registry = "registry.example.com:5000", Tag = "1.4.2" }.ImageFor(resource.Name), image);
            Assert.Equal("app", properties.GetProperty("ContainerUser").GetString());
            Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", properties.GetProperty("ContainerBaseImage").GetString(), StringComparison.Ordinal);
            var port = Assert.Single(settings.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray());
            Assert.Equal(resource.Value.GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                port.GetProperty("Identity").GetString());
            checkedProjects.Add(resource.Name);
        }

        Assert.Equal(["knowledgebase", "learning", "coordinator", "ralph", "dashboard"], checkedProjects);
    }
}
