using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AiStack.AppHost.Publishing.Manifest;

/// <summary>
/// A manifest value with every <c>{resource.…}</c> expression resolved for the cluster: bindings become the target's Service name
/// and port, connection strings are expanded, and each secret parameter becomes a <c>$(VARIABLE)</c> reference that Kubernetes
/// fills from the Secret, so no secret value is ever written into a manifest.
/// </summary>
public sealed record ResolvedValue(string Text, IReadOnlyList<string> SecretParameters, IReadOnlyList<ResourceReference> References)
{
    /// <summary>The value is exactly one secret parameter (it can come straight from the Secret, with no composition).</summary>
    public string? SoleSecret => SecretParameters.Count == 1 && Text == ExpressionResolver.SecretReference(SecretParameters[0])
        ? SecretParameters[0]
        : null;
}

/// <summary>An edge of the app model: the value refers to a binding (or the connection string) of another workload.</summary>
public sealed record ResourceReference(string Resource, string Binding, int Port);

public sealed partial class ExpressionResolver(AspireManifest manifest, IReadOnlyDictionary<string, string> parameters)
{
    private const int MaxDepth = 16;

    /// <summary>The environment variable that carries a secret parameter inside a container.</summary>
    public static string SecretVariable(string parameter) =>
        "AISTACK_SECRET_" + NonIdentifier().Replace(parameter, "_").ToUpperInvariant();

    public static string SecretReference(string parameter) => $"$({SecretVariable(parameter)})";

    /// <summary>Resolves <paramref name="value"/> as used by <paramref name="consumer"/> (its own bindings are no edges).</summary>
    public ResolvedValue Resolve(string value, string consumer)
    {
        ArgumentNullException.ThrowIfNull(value);
        var secrets = new List<string>();
        var references = new List<ResourceReference>();
        var text = Expand(value, consumer, secrets, references, depth: 0);
        return new ResolvedValue(text, secrets.Distinct(StringComparer.Ordinal).ToList(), references.Distinct().ToList());
    }

    private string Expand(string value, string consumer, List<string> secrets, List<ResourceReference> references, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ManifestException($"The expressions of '{consumer}' refer to each other in a loop.");
        }

        var output = new StringBuilder(value.Length);
        var position = 0;
        foreach (Match match in Expression().Matches(value))
        {
            output.Append(EscapeLiteral(value[position..match.Index]));
            output.Append(Evaluate(match.Groups[1].Value, consumer, secrets, references, depth));
            position = match.Index + match.Length;
        }

        output.Append(EscapeLiteral(value[position..]));
        return output.ToString();
    }

    private string Evaluate(string expression, string consumer, List<string> secrets, List<ResourceReference> references, int depth)
    {
        var parts = expression.Split('.');
        var resource = manifest[parts[0]];
        switch (parts)
        {
            case [_, "connectionString"]:
                var connectionString = resource.ConnectionString
                    ?? throw new ManifestException($"'{consumer}' uses {{{expression}}} but '{resource.Name}' has no connection string.");
                return Expand(connectionString, consumer, secrets, references, depth + 1);
            case [_, "value"] when resource.IsParameter:
                return ParameterValue(resource, consumer, secrets, references, depth);
            case [_, "value"]:
                return Expand(resource.Value ?? string.Empty, consumer, secrets, references, depth + 1);
            case [_, "bindings", var bindingName, var property]:
                var binding = resource.Binding(bindingName);
                if (!resource.IsWorkload)
                {
                    throw new ManifestException($"'{consumer}' uses {{{expression}}}, but '{resource.Name}' ({resource.Type}) does not run in the cluster.");
                }

                if (resource.Name != consumer && property is "host" or "port" or "url")
                {
                    references.Add(new ResourceReference(resource.Name, binding.Name, binding.TargetPort));
                }

                return property switch
                {
                    "host" => resource.Name,
                    "port" => binding.ServicePort.ToString(CultureInfo.InvariantCulture),
                    "targetPort" => binding.TargetPort.ToString(CultureInfo.InvariantCulture),
                    "scheme" => binding.Scheme,
                    "url" => string.Create(CultureInfo.InvariantCulture, $"{binding.Scheme}://{resource.Name}:{binding.ServicePort}"),
                    _ => throw new ManifestException($"'{consumer}' uses {{{expression}}}: unknown binding property '{property}'."),
                };
            default:
                throw new ManifestException($"'{consumer}' uses {{{expression}}}, which the publisher does not understand.");
        }
    }

    private string ParameterValue(ManifestResource parameter, string consumer, List<string> secrets, List<ResourceReference> references, int depth)
    {
        if (parameter.Input is { Secret: true })
        {
            secrets.Add(parameter.Name);
            return SecretReference(parameter.Name);
        }

        if (parameters.TryGetValue(parameter.Name, out var given))
        {
            return EscapeLiteral(given);
        }

        if (parameter.Value is { } value && !value.Contains($"{{{parameter.Name}.inputs.", StringComparison.Ordinal))
        {
            return Expand(value, consumer, secrets, references, depth + 1);
        }

        return EscapeLiteral(parameter.Input?.DefaultValue
            ?? throw new ManifestException($"Parameter '{parameter.Name}' (used by '{consumer}') has no value: publish with --Parameters:{parameter.Name}=<value>."));
    }

    // Kubernetes expands $(NAME) in env values and args; a literal one must be written $$(NAME).
    private static string EscapeLiteral(string text) => text.Replace("$(", "$$(", StringComparison.Ordinal);

    [GeneratedRegex(@"\{([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+)\}")]
    private static partial Regex Expression();

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NonIdentifier();
}
