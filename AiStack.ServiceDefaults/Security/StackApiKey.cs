using Microsoft.Extensions.Configuration;

namespace AiStack.ServiceDefaults.Security;

/// <summary>The stack's API key, looked up once per process (see <see cref="ApiKeyStore"/>).</summary>
public sealed class StackApiKey(IConfiguration configuration)
{
    private readonly Lazy<string> _value = new(() => ApiKeyStore.GetOrCreate(configuration));

    public string Value => _value.Value;

    public bool Matches(string? presented) => ApiKeyStore.Matches(Value, presented);
}
