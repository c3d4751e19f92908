using AiStack.ServiceDefaults.Security;
using AiStack.Tests.Infrastructure;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>The stack's key file (and any other secret file): created 0600, checked at every start.</summary>
public sealed class SecretFileTests : IDisposable
{
    private readonly string _folder = TestDirectories.Create("secrets");

    [Fact]
    public async Task An_empty_key_file_stops_the_service_at_start_with_a_message_saying_what_to_do()
    {
        var keyFile = Path.Combine(_folder, "api-key");
        await File.WriteAllTextAsync(keyFile, "  \n");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var app = TestServiceApp.Build(null, null, new Dictionary<string, string?> { ["Security:ApiKey"] = "", ["Security:ApiKeyFile"] = keyFile }, kestrel: false, out var logs);
        await using (app)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

            Assert.Contains($"The API key file {keyFile} is empty", error.Message, StringComparison.Ordinal);
            Assert.Contains("delete the file so that a new one is generated", error.Message, StringComparison.Ordinal);
            Assert.Contains(logs.Lines, line => line.Level == Microsoft.Extensions.Logging.LogLevel.Critical && line.Message.Contains("is empty", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_key_file_readable_by_others_is_refused_with_the_chmod_to_run()
    {
        var keyFile = Path.Combine(_folder, "api-key");
        File.WriteAllText(keyFile, "ak_0123");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<InvalidOperationException>(() => ApiKeyStore.GetOrCreate(null, keyFile));

        Assert.Contains("mode 0644", error.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {keyFile}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_key_file_is_refused_naming_the_file()
    {
        var keyFile = Path.Combine(_folder, "api-key");
        // A folder where the file should be: reading it fails as an unreadable file does, even for root (the tests run as root).
        Directory.CreateDirectory(keyFile);
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var error = Assert.Throws<InvalidOperationException>(() => ApiKeyStore.GetOrCreate(null, keyFile));

        Assert.Contains($"{keyFile} cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_file_is_generated_with_mode_0600_and_read_back_on_the_next_start()
    {
        var keyFile = Path.Combine(_folder, "nested", "api-key");

        var first = ApiKeyStore.GetOrCreate(null, keyFile);
        var second = ApiKeyStore.GetOrCreate(null, keyFile);

        Assert.StartsWith("ak_", first, StringComparison.Ordinal);
        Assert.Equal(first, second);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
    }

    public void Dispose() => TestDirectories.Delete(_folder);
}
