using System.ComponentModel.DataAnnotations;
using System.Data.Common;

namespace AiStack.KnowledgeBase.Vectors.Qdrant;

/// <summary>
/// Where Qdrant listens, from <c>ConnectionStrings:qdrant</c>: a URL (<c>http://localhost:6333</c>), optionally followed by
/// <c>;ApiKey=...</c>, or Aspire's form <c>Endpoint=http://...;Key=...</c>.
/// </summary>
public sealed record QdrantConnection(Uri Endpoint, string? ApiKey)
{
    private const string Expected =
        "ConnectionStrings:qdrant must be Qdrant's REST address, e.g. 'http://localhost:6333', 'http://localhost:6333;ApiKey=secret' or 'Endpoint=http://localhost:6333;Key=secret'.";

    public static QdrantConnection Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        try
        {
            return ParseCore(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException(Expected, ex);
        }
    }

    private static QdrantConnection ParseCore(string connectionString)
    {
        var parts = connectionString.Split(';', 2);
        string? endpoint;
        string? apiKey = null;
        if (Uri.TryCreate(parts[0].Trim(), UriKind.Absolute, out var bare) && (bare.Scheme == Uri.UriSchemeHttp || bare.Scheme == Uri.UriSchemeHttps))
        {
            endpoint = bare.ToString();
            if (parts.Length > 1)
            {
                var rest = new DbConnectionStringBuilder { ConnectionString = parts[1] };
                apiKey = Get(rest, "ApiKey") ?? Get(rest, "Key");
            }
        }
        else
        {
            var all = new DbConnectionStringBuilder { ConnectionString = connectionString };
            endpoint = Get(all, "Endpoint");
            apiKey = Get(all, "ApiKey") ?? Get(all, "Key");
        }

        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException(Expected);
        }

        return new QdrantConnection(uri, string.IsNullOrWhiteSpace(apiKey) ? null : apiKey);
    }

    private static string? Get(DbConnectionStringBuilder builder, string key) =>
        builder.TryGetValue(key, out var value) ? value?.ToString() : null;
}

/// <summary><c>Qdrant</c> section.</summary>
public sealed class QdrantOptions
{
    public const string SectionName = "Qdrant";

    /// <summary>Prefix of the Qdrant collection names, so several stacks can share one Qdrant.</summary>
    [RegularExpression("^[A-Za-z0-9_-]{0,64}$", ErrorMessage = "Qdrant:CollectionPrefix may hold only letters, digits, '_' and '-' (at most 64).")]
    public string CollectionPrefix { get; set; } = "aistack_";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Qdrant:Timeout must be between 1 second and 10 minutes.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
