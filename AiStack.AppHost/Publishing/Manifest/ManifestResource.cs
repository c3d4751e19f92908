using System.Text.Json;

namespace AiStack.AppHost.Publishing.Manifest;

/// <summary>One resource of the manifest (project.v0, container.v0/v1, executable.v0, parameter.v0, value.v0, ...).</summary>
public sealed record ManifestResource(
    string Name,
    string Type,
    string? Path,
    string? Image,
    string? Entrypoint,
    IReadOnlyList<string> Args,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    IReadOnlyList<ManifestBinding> Bindings,
    IReadOnlyList<ManifestVolume> Volumes,
    string? ConnectionString,
    string? Value,
    ParameterInput? Input)
{
    public bool IsProject => Type.StartsWith("project.", StringComparison.Ordinal);

    public bool IsContainer => Type.StartsWith("container.", StringComparison.Ordinal);

    public bool IsExecutable => Type.StartsWith("executable.", StringComparison.Ordinal);

    public bool IsParameter => Type.StartsWith("parameter.", StringComparison.Ordinal);

    /// <summary>Projects and containers become workloads; executables cannot run in a cluster (Aspire has no image for them).</summary>
    public bool IsWorkload => IsProject || IsContainer;

    public ManifestBinding Binding(string name) => Bindings.FirstOrDefault(binding => binding.Name == name)
        ?? throw new ManifestException($"Resource '{Name}' has no binding '{name}'.");

    internal static ManifestResource Read(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestException($"Resource '{name}' is not a JSON object.");
        }

        var type = String(element, "type") ?? throw new ManifestException($"Resource '{name}' has no 'type'.");
        var image = String(element, "image");
        if (image is null && element.TryGetProperty("build", out _))
        {
            throw new ManifestException($"Resource '{name}' builds a Dockerfile; the publisher supports images and .NET projects only.");
        }

        return new ManifestResource(
            name,
            type,
            String(element, "path"),
            image,
            String(element, "entrypoint"),
            element.TryGetProperty("args", out var args) ? args.EnumerateArray().Select(arg => arg.GetString() ?? string.Empty).ToList() : [],
            element.TryGetProperty("env", out var env)
                ? env.EnumerateObject().Select(variable => KeyValuePair.Create(variable.Name, variable.Value.ToString())).ToList()
                : [],
            element.TryGetProperty("bindings", out var bindings)
                ? bindings.EnumerateObject().Select(binding => ManifestBinding.Read(name, binding.Name, binding.Value)).ToList()
                : [],
            element.TryGetProperty("volumes", out var volumes)
                ? volumes.EnumerateArray().Select(volume => new ManifestVolume(String(volume, "name") ?? string.Empty,
                    String(volume, "target") ?? throw new ManifestException($"A volume of '{name}' has no 'target'."),
                    volume.TryGetProperty("readOnly", out var readOnly) && readOnly.ValueKind == JsonValueKind.True)).ToList()
                : [],
            String(element, "connectionString"),
            String(element, "value"),
            ParameterInput.Read(element));
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>An endpoint of a resource. Inside the cluster it is reached on its Service at <see cref="ServicePort"/>.</summary>
public sealed record ManifestBinding(string Name, string Scheme, string Protocol, string Transport, int? Port, int TargetPort, bool External)
{
    /// <summary>Aspirate's rule: the Service listens on the binding's port, else on the container's.</summary>
    public int ServicePort => Port ?? TargetPort;

    internal static ManifestBinding Read(string resource, string name, JsonElement element)
    {
        int? Int(string property) => element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
        string Text(string property, string fallback) =>
            element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : fallback;

        var port = Int("port");
        var target = Int("targetPort") ?? port
            ?? throw new ManifestException($"Binding '{name}' of '{resource}' has neither 'port' nor 'targetPort'.");
        return new ManifestBinding(name, Text("scheme", "tcp"), Text("protocol", "tcp"), Text("transport", "tcp"), port, target,
            element.TryGetProperty("external", out var external) && external.ValueKind == JsonValueKind.True);
    }
}

public sealed record ManifestVolume(string Name, string Target, bool ReadOnly);

/// <summary>A parameter's input: whether it is secret, and how a value is made when none is given.</summary>
public sealed record ParameterInput(bool Secret, string? DefaultValue, int? GenerateMinLength)
{
    internal static ParameterInput? Read(JsonElement resource)
    {
        if (!resource.TryGetProperty("inputs", out var inputs) || !inputs.TryGetProperty("value", out var input))
        {
            return null;
        }

        var secret = input.TryGetProperty("secret", out var flag) && flag.ValueKind == JsonValueKind.True;
        string? value = null;
        int? generate = null;
        if (input.TryGetProperty("default", out var fallback))
        {
            if (fallback.TryGetProperty("value", out var literal))
            {
                value = literal.GetString();
            }

            if (fallback.TryGetProperty("generate", out var generator))
            {
                generate = generator.TryGetProperty("minLength", out var length) ? length.GetInt32() : 22;
            }
        }

        return new ParameterInput(secret, value, generate);
    }
}
