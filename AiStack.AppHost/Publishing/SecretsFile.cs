using System.Security.Cryptography;
using System.Text;
using AiStack.AppHost.Publishing.Manifest;

namespace AiStack.AppHost.Publishing;

/// <summary>
/// The Secret's values: an env file beside the root kustomization, read by its <c>secretGenerator</c>. The first publish generates
/// each secret parameter (the API key, the database passwords); later publishes keep the values already there and add only new
/// ones. It is git-ignored (<c>aspirate-output/.gitignore</c>), written with mode 0600, and never printed.
/// </summary>
public static class SecretsFile
{
    public const string FileName = ".aistack.secrets";

    // Letters and digits only: the values go into connection strings and env files unquoted.
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Brings the file up to date; returns the parameters that have no value and must be filled in by hand.</summary>
    public static IReadOnlyList<string> Ensure(string outputPath, IReadOnlyList<ManifestResource> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var path = Path.Combine(outputPath, FileName);
        var existing = Read(path);
        var lines = new StringBuilder("# Secret values of the AiStack deployment (kustomize secretGenerator). Never commit this file.\n");
        var missing = new List<string>();
        foreach (var parameter in parameters)
        {
            var value = existing.GetValueOrDefault(parameter.Name);
            if (string.IsNullOrEmpty(value))
            {
                value = parameter.Input?.DefaultValue
                    ?? (parameter.Input?.GenerateMinLength is { } length ? RandomNumberGenerator.GetString(Alphabet, Math.Max(length, 32)) : string.Empty);
            }

            if (value.Length == 0)
            {
                missing.Add(parameter.Name);
            }

            lines.Append(parameter.Name).Append('=').Append(value).Append('\n');
        }

        Directory.CreateDirectory(outputPath);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, string.Empty);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(temporary, lines.ToString());
        File.Move(temporary, path, overwrite: true);
        return missing;
    }

    public static Dictionary<string, string> Read(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var separator = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || separator <= 0)
            {
                continue;
            }

            values[line[..separator].Trim()] = line[(separator + 1)..];
        }

        return values;
    }
}
