using System.Text.Json.Nodes;
using AiStack.AppHost.Publishing;
using AiStack.AppHost.Publishing.Kubernetes;
using k8s;
using k8s.Models;

namespace AiStack.Tests.Publishing;

/// <summary>The tier chosen at publish time sets replicas, requests/limits and the local model's settings; bad options are refused.</summary>
[Collection(PublishedStackCollection.Name)]
public sealed class PublishTierTests(PublishedStack stack)
{
    [Fact]
    public async Task Small_and_large_tiers_differ_in_replicas_resources_and_model_settings()
    {
        var small = await RenderProdAsync("--tier", "small");
        var large = await RenderProdAsync("--tier", "large", "--registry", "registry.example.com:5000", "--tag", "1.4.2", "--model-file", "qwen.gguf");

        Assert.True(Replicas(large, "ralph") > Replicas(small, "ralph"));
        Assert.True(Replicas(large, "knowledgebase") > Replicas(small, "knowledgebase"));
        Assert.True(Limit(large, "coordinator", "memory") > Limit(small, "coordinator", "memory"));
        Assert.True(Limit(large, "coordinator", "cpu") > Limit(small, "coordinator", "cpu"));
        Assert.Equal("2", Setting(small, "coordinator-env", "Inference__Threads"));
        Assert.Equal("8", Setting(large, "coordinator-env", "Inference__Threads"));
        Assert.Equal("8192", Setting(large, "coordinator-env", "Inference__ContextSize"));
        Assert.Equal("/models/qwen.gguf", Setting(large, "coordinator-env", "Inference__ModelPath"));
        Assert.Equal("large", Setting(large, WorkloadManifests.SharedConfigName, "AISTACK_TIER"));
        Assert.Equal("registry.example.com:5000/aistack/ralph:1.4.2", Deployment(large, "ralph").Spec.Template.Spec.Containers[0].Image);
        // The development overlay stays on the small tier whatever production gets.
        Assert.Equal("2", Setting(stack.Dev, "coordinator-env", "Inference__Threads"));
        Assert.Equal(Limit(small, "coordinator", "memory"), Limit(stack.Dev, "coordinator", "memory"));
    }

    [Theory]
    [InlineData("--tier", "huge", "Unknown tier 'huge'")]
    [InlineData("--namespace", "AiStack", "--namespace must be a Kubernetes name")]
    [InlineData("--otlp-endpoint", "collector:4317", "--otlp-endpoint must be an http(s) URL")]
    [InlineData("--backup-retention-days", "0", "--backup-retention-days must be a whole number")]
    [InlineData("--replicas", "3", "Unknown option --replicas")]
    public async Task A_bad_option_stops_publish_with_a_message_naming_it(string option, string value, string message)
    {
        var output = PublishOutputTests.TempFolder();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await PublishCommand.RunAsync(["publish", "--manifest", stack.ManifestPath, "--output", output, option, value], stdout, stderr);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing is written when the options are wrong");
    }

    [Fact]
    public async Task A_manifest_with_an_executable_is_refused_with_its_name()
    {
        var folder = PublishOutputTests.TempFolder();
        Directory.CreateDirectory(folder);
        var manifest = Path.Combine(folder, "manifest.json");
        await File.WriteAllTextAsync(manifest, """{"resources":{"tool":{"type":"executable.v0","command":"tool","workingDirectory":"."}}}""");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await PublishCommand.RunAsync(["publish", "--manifest", manifest, "--output", Path.Combine(folder, "out")], stdout, stderr);

        Assert.Equal(2, exit);
        Assert.Contains("'tool' is an executable.v0", stderr.ToString(), StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_remote_model_endpoint_parameter_becomes_a_setting_and_the_one_egress_out_of_the_cluster()
    {
        var folder = PublishOutputTests.TempFolder();
        Directory.CreateDirectory(folder);
        try
        {
            var manifest = JsonNode.Parse(File.ReadAllText(stack.ManifestPath))!;
            manifest["resources"]!["remote-endpoint"] = JsonNode.Parse("""{"type":"parameter.v0","value":"{remote-endpoint.inputs.value}","inputs":{"value":{"type":"string"}}}""");
            manifest["resources"]!["coordinator"]!["env"]!["Remote__Endpoint"] = "{remote-endpoint.value}";
            var path = Path.Combine(folder, "manifest.json");
            await File.WriteAllTextAsync(path, manifest.ToJsonString());
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            Assert.Equal(2, await PublishCommand.RunAsync(["publish", "--manifest", path, "--output", Path.Combine(folder, "refused")], stdout, stderr));
            Assert.Contains("--Parameters:remote-endpoint=<value>", stderr.ToString(), StringComparison.Ordinal);

            var output = Path.Combine(folder, "out");
            Assert.Equal(0, await PublishCommand.RunAsync(["publish", "--manifest", path, "--output", output, "--Parameters:remote-endpoint=https://api.openai.com/v1"], stdout, stderr));
            var kubectl = ExternalTool.Require("kubectl", PublishedStack.KubectlInstall);
            var objects = KubernetesYaml.LoadAllFromString(await PublishedStack.RenderAsync(kubectl, output));
            Assert.Equal("https://api.openai.com/v1", Setting(objects, "coordinator-env", "Remote__Endpoint"));
            var outside = Assert.Single(objects.OfType<V1NetworkPolicy>().Single(p => p.Metadata.Name == "coordinator").Spec.Egress, rule => rule.To is null);
            Assert.Equal("443", Assert.Single(outside.Ports).Port.Value);
            Assert.All(objects.OfType<V1NetworkPolicy>().Where(p => p.Metadata.Name is not ("coordinator" or "dashboard")),
                policy => Assert.DoesNotContain(policy.Spec.Egress ?? [], rule => rule.To is null));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<IReadOnlyList<object>> RenderProdAsync(params string[] options)
    {
        var output = PublishOutputTests.TempFolder();
        try
        {
            await stack.PublishAsync(output, options);
            var kubectl = ExternalTool.Require("kubectl", PublishedStack.KubectlInstall);
            return KubernetesYaml.LoadAllFromString(await PublishedStack.RenderAsync(kubectl, Path.Combine(output, "overlays", "prod")));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static V1Deployment Deployment(IReadOnlyList<object> objects, string name) => objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == name);

    private static int? Replicas(IReadOnlyList<object> objects, string name) => Deployment(objects, name).Spec.Replicas;

    private static decimal Limit(IReadOnlyList<object> objects, string name, string resource) =>
        Deployment(objects, name).Spec.Template.Spec.Containers[0].Resources.Limits[resource].ToDecimal();

    private static string Setting(IReadOnlyList<object> objects, string configMap, string key) =>
        objects.OfType<V1ConfigMap>().Single(map => map.Metadata.Name == configMap).Data[key];
}
