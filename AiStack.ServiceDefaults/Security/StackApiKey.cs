using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// The stack's API key, looked up once per process (see <see cref="ApiKeyStore"/>), and the keys derived from it: each service
/// calls its siblings with <c>svc.&lt;name&gt;.&lt;HMAC-SHA256(stack key, name)&gt;</c>, so every service can verify any
/// service's key without a second secret, and a caller is either the user (the stack key) or a named service.
/// </summary>
public sealed partial class StackApiKey(IConfiguration configuration)
{
    private const string ServicePrefix = "svc.";
    private readonly Lazy<string> _value = new(() => ApiKeyStore.GetOrCreate(configuration));

    public string Value => _value.Value;

    public bool Matches(string? presented) => ApiKeyStore.Matches(Value, presented);

    /// <summary>The key the service <paramref name="serviceName"/> presents to its siblings.</summary>
    public string ServiceKey(string serviceName)
    {
        if (!ServiceName().IsMatch(serviceName))
        {
            throw new ArgumentException($"'{serviceName}' is not a service name (lower-case letters, digits, '-' and '_', at most 64).", nameof(serviceName));
        }

        return ServicePrefix + serviceName + "." + Mac(serviceName);
    }

    /// <summary>Who presented <paramref name="key"/>: the user, a service, or nobody (null) when it is no valid key.</summary>
    public Caller? Authenticate(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        if (Matches(key))
        {
            return Caller.User;
        }

        if (!key.StartsWith(ServicePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key[ServicePrefix.Length..];
        var dot = rest.LastIndexOf('.');
        if (dot <= 0 || !ServiceName().IsMatch(rest[..dot]))
        {
            return null;
        }

        var name = rest[..dot];
        return ApiKeyStore.Matches(Mac(name), rest[(dot + 1)..]) ? Caller.Service(name) : null;
    }

    private string Mac(string serviceName) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Value), Encoding.UTF8.GetBytes("aistack-service:" + serviceName))).ToLowerInvariant();

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex ServiceName();
}
