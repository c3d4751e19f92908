using System.Security.Cryptography;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// Finds the stack's API key: configuration <c>Security:ApiKey</c> (env <c>Security__ApiKey</c>), then <c>AISTACK_API_KEY</c>,
/// then the file <c>.aistack/api-key</c>, which is generated (mode 0600) on first run and checked at every start (see
/// <see cref="SecretFile"/>). The key never lives in the repository.
/// </summary>
public static class ApiKeyStore
{
    public const string HeaderName = "X-API-Key";
    public const string ConfigurationKey = "Security:ApiKey";
    public const string EnvironmentVariable = "AISTACK_API_KEY";

    /// <summary>Where the key file lives when neither setting holds a key (default <c>{AISTACK_HOME}/api-key</c>).</summary>
    public const string FileConfigurationKey = "Security:ApiKeyFile";

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

        var path = keyFile ?? configuration?[FileConfigurationKey];
        return SecretFile.ReadOrCreate(string.IsNullOrWhiteSpace(path) ? AiStackPaths.ApiKeyFile : path, () => SecretFile.NewToken("ak_"), "API key");
    }

    /// <summary>Constant-time comparison, so the key cannot be guessed byte by byte from response times.</summary>
    public static bool Matches(string expected, string? presented) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(expected), System.Text.Encoding.UTF8.GetBytes(presented));
}
