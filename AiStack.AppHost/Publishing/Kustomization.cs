using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AiStack.AppHost.Publishing;

/// <summary>
/// A <c>kustomization.yaml</c>, written field by field in a fixed order (there is no typed model for it); every string is quoted,
/// so a literal such as <c>Urls=http://+:8091</c> stays exactly what it is.
/// </summary>
public sealed class Kustomization
{
    private static readonly JsonSerializerOptions Quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string? Namespace { get; init; }

    public List<string> Resources { get; } = [];

    public List<Generator> ConfigMaps { get; } = [];

    public List<Generator> Secrets { get; } = [];

    public List<KeyValuePair<string, int>> Replicas { get; } = [];

    public List<string> Patches { get; } = [];

    /// <summary>One configMapGenerator or secretGenerator entry.</summary>
    public sealed record Generator(string Name, IReadOnlyList<string> Literals, IReadOnlyList<string> Files, IReadOnlyList<string> Envs, string? Behavior = null);

    public static string Quote(string value) => JsonSerializer.Serialize(value, Quoting);

    public string ToYaml()
    {
        var yaml = new StringBuilder();
        yaml.Append(AspirateWriter.Header);
        yaml.Append("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
        if (Namespace is not null)
        {
            yaml.Append("namespace: ").Append(Quote(Namespace)).Append('\n');
        }

        List("resources", Resources, yaml);
        if (ConfigMaps.Count > 0 || Secrets.Count > 0)
        {
            // Aspirate's choice: stable names, so the Deployments' references need no rewriting (a changed value needs a rollout restart).
            yaml.Append("generatorOptions:\n  disableNameSuffixHash: true\n");
        }

        Generators("configMapGenerator", ConfigMaps, yaml);
        Generators("secretGenerator", Secrets, yaml);
        if (Replicas.Count > 0)
        {
            yaml.Append("replicas:\n");
            foreach (var (name, count) in Replicas)
            {
                yaml.Append("  - name: ").Append(Quote(name)).Append('\n');
                yaml.Append("    count: ").Append(count.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        if (Patches.Count > 0)
        {
            yaml.Append("patches:\n");
            foreach (var patch in Patches)
            {
                yaml.Append("  - path: ").Append(Quote(patch)).Append('\n');
            }
        }

        return yaml.ToString();
    }

    private static void List(string key, IReadOnlyList<string> items, StringBuilder yaml, string indent = "")
    {
        if (items.Count == 0)
        {
            return;
        }

        yaml.Append(indent).Append(key).Append(":\n");
        foreach (var item in items)
        {
            yaml.Append(indent).Append("  - ").Append(Quote(item)).Append('\n');
        }
    }

    private static void Generators(string key, IReadOnlyList<Generator> generators, StringBuilder yaml)
    {
        if (generators.Count == 0)
        {
            return;
        }

        yaml.Append(key).Append(":\n");
        foreach (var generator in generators)
        {
            yaml.Append("  - name: ").Append(Quote(generator.Name)).Append('\n');
            if (generator.Behavior is not null)
            {
                yaml.Append("    behavior: ").Append(generator.Behavior).Append('\n');
            }

            List("literals", generator.Literals, yaml, "    ");
            List("files", generator.Files, yaml, "    ");
            List("envs", generator.Envs, yaml, "    ");
        }
    }
}
