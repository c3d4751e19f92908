using System.Text.Json;

namespace AiStack.AppHost.Publishing.Manifest;

/// <summary>
/// The Aspire manifest (<c>--publisher manifest</c>) as the publisher needs it: resources in the order Aspire wrote them, each with
/// its type, image or project, environment, bindings, connection string and parameter inputs. Unknown fields are ignored.
/// </summary>
public sealed class AspireManifest
{
    private readonly Dictionary<string, ManifestResource> _byName;

    private AspireManifest(IReadOnlyList<ManifestResource> resources)
    {
        Resources = resources;
        _byName = resources.ToDictionary(resource => resource.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<ManifestResource> Resources { get; }

    public ManifestResource this[string name] => _byName.TryGetValue(name, out var resource)
        ? resource
        : throw new ManifestException($"The manifest refers to '{name}', which is not one of its resources.");

    public bool Contains(string name) => _byName.ContainsKey(name);

    public static AspireManifest Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new ManifestException($"The Aspire manifest '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path));
    }

    public static AspireManifest Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new ManifestException($"The Aspire manifest is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Object)
            {
                throw new ManifestException("The Aspire manifest has no 'resources' object.");
            }

            return new AspireManifest(resources.EnumerateObject().Select(property => ManifestResource.Read(property.Name, property.Value)).ToList());
        }
    }
}

/// <summary>A manifest that cannot be turned into Kubernetes objects; the message names the resource and the field.</summary>
public sealed class ManifestException(string message) : Exception(message);
