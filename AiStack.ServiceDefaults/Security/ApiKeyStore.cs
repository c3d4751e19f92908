using System.Security.Cryptography;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// Finds the stack's API key: configuration <c>Security:ApiKey</c> (env <c>Security__ApiKey</c>), then <c>AISTACK_API_KEY</c>,
/// then the file <c>.aistack/api-key</c>, which is generated (mode 0600) on first run. The key never lives in the repository.
/// </summary>
public static class ApiKeyStore
{
    public const string HeaderName = "X-API-Key";
    public const string ConfigurationKey = "Security:ApiKey";
    public const string EnvironmentVariable = "AISTACK_API_KEY";

    public static string GetOrCreate(IConfiguration? configuration = null, string? keyFile = null)
    {
        var configured = configuration?[ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim();
        }

        var fromEnvironment = configuration?[EnvironmentVariable] ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        return ReadOrCreateFile(keyFile ?? AiStackPaths.ApiKeyFile);
    }

    private static string ReadOrCreateFile(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length > 0)
            {
                return existing;
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = "ak_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key);
        }

        try
        {
            // Several services may start at once: the first to create the file wins and everyone reads its key.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException)
        {
            File.Delete(temporary);
        }

        return File.ReadAllText(path).Trim();
    }

    /// <summary>Constant-time comparison, so the key cannot be guessed byte by byte from response times.</summary>
    public static bool Matches(string expected, string? presented) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(expected), System.Text.Encoding.UTF8.GetBytes(presented));
}
