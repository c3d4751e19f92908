using System.Security.Cryptography;
using System.Text;

namespace AiStack.Coordinator.Queries;

/// <summary>Stands a text in for its SHA-256 where it must not leave the request (private requests in telemetry).</summary>
public static class Privacy
{
    public static string? Hash(string? text) =>
        text is null ? null : "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
