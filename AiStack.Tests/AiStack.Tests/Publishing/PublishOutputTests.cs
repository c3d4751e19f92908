using AiStack.AppHost.Publishing;

namespace AiStack.Tests.Publishing;

/// <summary>`publish` is deterministic, the committed aspirate-output/ is what it writes today, and no secret reaches the repository.</summary>
[Collection(PublishedStackCollection.Name)]
public sealed class PublishOutputTests(PublishedStack stack)
{
    private static bool IsSecretsFile(string path) => Path.GetFileName(path) == SecretsFile.FileName;

    [Fact]
    public async Task The_committed_aspirate_output_is_what_publish_writes_now_from_the_apphost()
    {
        // The documented command, on the AppHost built with these tests: it writes the app model's manifest and publishes it.
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var appHost = Path.Combine(stack.RepositoryRoot, "AiStack.AppHost", "bin", configuration, "net10.0", "AiStack.AppHost.dll");
        Assert.True(File.Exists(appHost), $"Build the AppHost first ({appHost} is missing).");
        var fresh = TempFolder();
        try
        {
            var publish = await ExternalTool.RunAsync(ExternalTool.Require("dotnet", "install the .NET 10 SDK."), [appHost, "publish", "--output", fresh],
                stack.RepositoryRoot, timeout: TimeSpan.FromMinutes(4));
            Assert.True(publish.ExitCode == 0, publish.All);

            var committed = Path.Combine(stack.RepositoryRoot, "aspirate-output");
            var expected = AspirateOutput.Existing(fresh).Where(path => !IsSecretsFile(path)).ToList();
            var actual = AspirateOutput.Existing(committed).Where(path => !IsSecretsFile(path)).ToList();
            const string Fix = "aspirate-output/ is stale: run `dotnet run --project AiStack.AppHost -- publish` and commit the result.";
            Assert.True(expected.SequenceEqual(actual),
                $"{Fix} Missing: {string.Join(", ", expected.Except(actual))}; not written any more: {string.Join(", ", actual.Except(expected))}.");
            foreach (var path in expected)
            {
                Assert.True(File.ReadAllText(Path.Combine(fresh, path)) == File.ReadAllText(Path.Combine(committed, path)), $"{Fix} ({path} differs)");
            }
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    [Fact]
    public async Task The_same_manifest_gives_the_same_bytes_and_a_second_publish_keeps_the_secrets()
    {
        var other = TempFolder();
        try
        {
            await stack.PublishAsync(other);
            var secrets = File.ReadAllText(Path.Combine(other, SecretsFile.FileName));
            await stack.PublishAsync(other);

            var files = AspirateOutput.Existing(stack.Output).Where(path => !IsSecretsFile(path)).ToList();
            Assert.Equal(files, AspirateOutput.Existing(other).Where(path => !IsSecretsFile(path)));
            Assert.All(files, path => Assert.Equal(File.ReadAllBytes(Path.Combine(stack.Output, path)), File.ReadAllBytes(Path.Combine(other, path))));
            Assert.Equal(secrets, File.ReadAllText(Path.Combine(other, SecretsFile.FileName)));
            // Another folder is another deployment: its secrets are its own.
            Assert.NotEqual(SecretsFile.Read(Path.Combine(stack.Output, SecretsFile.FileName))["api-key"], SecretsFile.Read(Path.Combine(other, SecretsFile.FileName))["api-key"]);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public void Secret_values_live_only_in_git_ignored_files_of_mode_0600()
    {
        var values = new List<string>();
        foreach (var root in AspirateWriter.Roots)
        {
            var file = Path.Combine(stack.Output, root, SecretsFile.FileName);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var secrets = SecretsFile.Read(file);
            Assert.Equal(["api-key", "postgres-password", "postgres-knowledgebase-password", "postgres-learning-password", "postgres-ralph-password", "redis-password", "qdrant-Key"],
                secrets.Keys);
            Assert.All(secrets.Values, value => Assert.True(value.Length >= 32, "every generated secret has at least 32 characters"));
            values.AddRange(secrets.Values);
        }

        // Development and production never share a password.
        Assert.Equal(values.Count, values.Distinct(StringComparer.Ordinal).Count());
        foreach (var path in AspirateOutput.Existing(stack.Output).Where(path => !IsSecretsFile(path)))
        {
            var content = File.ReadAllText(Path.Combine(stack.Output, path));
            Assert.DoesNotContain(values, value => content.Contains(value, StringComparison.Ordinal));
        }

        Assert.Equal(SecretsFile.FileName, File.ReadAllLines(Path.Combine(stack.Output, ".gitignore")).Last());
    }

    [Fact]
    public async Task The_repository_holds_no_secrets_file_and_git_ignores_every_one()
    {
        var git = ExternalTool.Require("git", "install git (apt-get install -y git).");
        var tracked = await ExternalTool.RunAsync(git, ["ls-files", "aspirate-output"], stack.RepositoryRoot);
        Assert.Equal(0, tracked.ExitCode);
        Assert.DoesNotContain(tracked.Output.Split('\n'), path => IsSecretsFile(path));

        foreach (var root in AspirateWriter.Roots)
        {
            var path = Path.Combine("aspirate-output", root, SecretsFile.FileName);
            var ignored = await ExternalTool.RunAsync(git, ["check-ignore", "--no-index", "-q", path], stack.RepositoryRoot);
            Assert.True(ignored.ExitCode == 0, $"{path} must be git-ignored");
        }

        // What is committed never carries a Secret object or a value in clear: only the secretGenerator's reference to the file.
        foreach (var path in AspirateOutput.Existing(Path.Combine(stack.RepositoryRoot, "aspirate-output")).Where(path => !IsSecretsFile(path)))
        {
            var content = File.ReadAllText(Path.Combine(stack.RepositoryRoot, "aspirate-output", path));
            Assert.DoesNotContain("kind: Secret\n", content, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?i)password=(?!\$\()", content);
        }
    }

    internal static string TempFolder() => Infrastructure.TestDirectories.NewPath("publish");
}
