using System.Globalization;
using System.Security.Cryptography;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// A secret kept in a file of its own (the stack's API key, a generated server password): created with mode 0600 on first use,
/// and refused at start when it is empty, unreadable, or readable by anyone but its owner, with a message that says what to do.
/// </summary>
public static class SecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OthersAccess =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The secret in <paramref name="path"/>; when the file does not exist, a new one made by <paramref name="generate"/>.</summary>
    public static string ReadOrCreate(string path, Func<string> generate, string what = "secret")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(generate);
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            Create(path, generate());
        }

        return Read(path, what);
    }

    /// <summary>Reads an existing secret file, checking its mode and content first.</summary>
    public static string Read(string path, string what = "secret")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & OthersAccess) != 0)
            {
                throw new InvalidOperationException(
                    $"The {what} file {path} is accessible to other users (mode {Octal(mode)}); run 'chmod 600 {path}' and start again.");
            }
        }

        string value;
        try
        {
            value = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The {what} file {path} cannot be read ({ex.Message}); fix its owner or permissions and start again.", ex);
        }

        return value.Length > 0
            ? value
            : throw new InvalidOperationException(
                $"The {what} file {path} is empty, and an empty {what} is never accepted; write the {what} into it, or delete the file so that a new one is generated at the next start.");
    }

    /// <summary>A random URL-safe token with a prefix, e.g. "ak_3f9c...".</summary>
    public static string NewToken(string prefix, int bytes = 24) =>
        prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();

    private static void Create(string path, string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : OwnerOnly,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(value);
        }

        try
        {
            // Several services may start at once: the first to create the file wins and everyone reads its value.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException)
        {
            File.Delete(temporary);
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
