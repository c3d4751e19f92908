using AiStack.AppHost.Publishing;
using k8s;
using k8s.Models;

namespace AiStack.Tests.Publishing;

/// <summary>
/// The stack published from the fixture manifest into a temporary folder (as `publish --output` writes it, secrets file included)
/// and rendered with the machine's kubectl: the base and both overlays as typed KubernetesClient objects, monitoring/ as text.
/// </summary>
public sealed class PublishedStack : IAsyncLifetime
{
    public const string KubectlInstall = "install kubectl 1.32 (it renders Kustomize offline), e.g. from https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl.";

    public string RepositoryRoot { get; } = PublishCommand.RepositoryRoot();

    public string Output { get; } = Infrastructure.TestDirectories.NewPath("publish");

    /// <summary>The whole stack as Aspire 13 writes it (the control center and Qdrant's key included), the generator's test input.</summary>
    public string ManifestPath => Path.Combine(AppContext.BaseDirectory, "Publishing", "aspire-manifest.fixture.json");

    public Dictionary<string, IReadOnlyList<object>> Rendered { get; } = new(StringComparer.Ordinal);

    public string RenderedMonitoring { get; private set; } = string.Empty;

    public IReadOnlyList<object> Base => Rendered[string.Empty];

    public IReadOnlyList<object> Dev => Rendered[AspirateWriter.DevOverlay];

    public IReadOnlyList<object> Prod => Rendered[AspirateWriter.ProdOverlay];

    public async Task InitializeAsync()
    {
        await PublishAsync(Output);
        var kubectl = ExternalTool.Require("kubectl", KubectlInstall);
        foreach (var root in AspirateWriter.Roots)
        {
            Rendered[root] = KubernetesYaml.LoadAllFromString(await RenderAsync(kubectl, Path.Combine(Output, root)));
        }

        RenderedMonitoring = await RenderAsync(kubectl, Path.Combine(Output, "monitoring"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Output, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs the real publish command (fixture manifest, given options) into <paramref name="output"/>.</summary>
    public async Task PublishAsync(string output, params string[] options)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await PublishCommand.RunAsync(["publish", "--manifest", ManifestPath, "--output", output, .. options], stdout, stderr);
        Assert.True(exit == 0, $"publish failed ({exit}): {stderr}");
    }

    public static async Task<string> RenderAsync(string kubectl, string folder)
    {
        var result = await ExternalTool.RunAsync(kubectl, ["kustomize", folder]);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {folder} failed: {result.Errors}");
        return result.Output;
    }

    public static IEnumerable<T> OfKind<T>(IEnumerable<object> objects) => objects.OfType<T>();

    /// <summary>Every pod template of the rendered objects, with the object that owns it.</summary>
    public static IEnumerable<(string Owner, V1PodSpec Pod)> Pods(IEnumerable<object> objects) =>
        objects.Select(item => item switch
        {
            V1Deployment deployment => (deployment.Metadata.Name, deployment.Spec.Template.Spec),
            V1StatefulSet statefulSet => (statefulSet.Metadata.Name, statefulSet.Spec.Template.Spec),
            V1CronJob cronJob => (cronJob.Metadata.Name, cronJob.Spec.JobTemplate.Spec.Template.Spec),
            _ => (string.Empty, (V1PodSpec)null!),
        }).Where(pair => pair.Item2 is not null);
}

[CollectionDefinition(Name)]
public sealed class PublishedStackCollection : ICollectionFixture<PublishedStack>
{
    public const string Name = "Published stack";
}
