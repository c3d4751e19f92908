using System.Security.Cryptography;
using System.Text;

namespace AiStack.Contracts.Telemetry;

/// <summary>
/// How a service replaces private text (prompts, answers) in telemetry: "sha256:" and the lower-case hex digest. Every producer
/// writes it this way and the learning pipeline recognises it as carrying nothing to learn from.
/// </summary>
public static class ContentHash
{
    private const string Prefix = "sha256:";

    public static string Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static bool IsHash(string? text) => text is not null && text.StartsWith(Prefix, StringComparison.Ordinal);
}
