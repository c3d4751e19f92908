using System.Globalization;
using AiStack.AppHost.Publishing.Manifest;
using Microsoft.Extensions.Configuration;

namespace AiStack.AppHost.Publishing;

/// <summary>
/// <c>dotnet run --project AiStack.AppHost -- publish [options]</c>: reads the Aspire manifest of the stack and writes
/// <c>aspirate-output/</c> (see README.md in this folder). Options also come from <c>AISTACK_PUBLISH_*</c> environment variables.
/// Exit codes: 0 written, 2 bad options or manifest.
/// </summary>
public static class PublishCommand
{
    public const string Verb = "publish";

    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--manifest"] = "Manifest",
        ["--output"] = "Output",
        ["--tier"] = "Tier",
        ["--registry"] = "Registry",
        ["--tag"] = "Tag",
        ["--namespace"] = "Namespace",
        ["--otlp-endpoint"] = "OtlpEndpoint",
        ["--otlp-protocol"] = "OtlpProtocol",
        ["--model-file"] = "ModelFile",
        ["--monitoring-namespace"] = "MonitoringNamespace",
        ["--backup-schedule"] = "BackupSchedule",
        ["--backup-retention-days"] = "BackupRetentionDays",
    };

    private const string ParametersSection = "Parameters";

    public static bool IsInvoked(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? errors = null)
    {
        output ??= Console.Out;
        errors ??= Console.Error;
        var temporary = Path.Combine(Path.GetTempPath(), "aistack-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            var root = RepositoryRoot();
            var options = Parse(args, root, out var manifestPath);
            manifestPath ??= await AppHostManifest.WriteAsync(Path.Combine(temporary, "aspire-manifest.json"), TimeSpan.FromMinutes(3));
            var manifest = AspireManifest.Load(manifestPath);
            var files = new AspirateWriter(options).Generate(manifest);
            AspirateOutput.Write(options.OutputPath, files);
            var parameters = AspirateWriter.SecretParameters(manifest, options);
            var missing = AspirateWriter.Roots
                .SelectMany(root => SecretsFile.Ensure(Path.Combine(options.OutputPath, root), parameters).Select(name => Path.Combine(options.OutputPath, root, SecretsFile.FileName) + ": " + name))
                .ToList();
            output.WriteLine($"Wrote {files.Count} files to {options.OutputPath} (tier {options.Tier.Name}).");
            foreach (var parameter in missing)
            {
                errors.WriteLine($"A secret parameter has no value; set it before applying: {parameter}");
            }

            output.WriteLine($"Apply with: kubectl apply -k {Path.Combine(options.OutputPath, "overlays", "prod")}");
            return 0;
        }
        catch (Exception ex) when (ex is PublishException or ManifestException or FormatException or IOException)
        {
            errors.WriteLine($"publish: {ex.Message}");
            return 2;
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    internal static PublishOptions Parse(string[] args, string root, out string? manifestPath)
    {
        ArgumentNullException.ThrowIfNull(args);
        var unknown = args.Skip(1).Where(arg => arg.StartsWith("--", StringComparison.Ordinal) && !Switches.ContainsKey(arg.Split('=')[0])
            && !arg.StartsWith("--" + ParametersSection + ":", StringComparison.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new PublishException($"Unknown option {unknown[0]}; the options are {string.Join(", ", Switches.Keys)}.");
        }

        var settings = new ConfigurationBuilder()
            .AddEnvironmentVariables("AISTACK_PUBLISH_")
            .AddCommandLine(args.Skip(1).ToArray(), Switches)
            .Build();
        string? Get(string key) => settings[key] is { Length: > 0 } value ? value : null;

        manifestPath = Get("Manifest") is { } manifest ? Path.GetFullPath(manifest) : null;
        var defaults = new PublishOptions { OutputPath = Path.GetFullPath(Get("Output") ?? Path.Combine(root, "aspirate-output")) };
        var otlp = Get("OtlpEndpoint");
        var protocol = Get("OtlpProtocol") ?? defaults.OtlpProtocol;
        if (protocol is not ("grpc" or "http/protobuf"))
        {
            throw new PublishException($"--otlp-protocol must be grpc or http/protobuf, not '{protocol}'.");
        }

        return defaults with
        {
            Tier = Get("Tier") is { } tier ? PublishTier.Parse(tier) : defaults.Tier,
            Registry = Get("Registry") ?? defaults.Registry,
            Tag = Get("Tag") ?? defaults.Tag,
            Namespace = Name(Get("Namespace") ?? defaults.Namespace, "--namespace"),
            OtlpEndpoint = otlp is null ? null
                : Uri.TryCreate(otlp, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
                : throw new PublishException($"--otlp-endpoint must be an http(s) URL such as http://otel-collector.monitoring:4317, not '{otlp}'."),
            OtlpProtocol = protocol,
            ModelFile = Get("ModelFile"),
            Parameters = settings.GetSection(ParametersSection).GetChildren()
                .ToDictionary(parameter => parameter.Key, parameter => parameter.Value ?? string.Empty, StringComparer.Ordinal),
            MonitoringNamespace = Name(Get("MonitoringNamespace") ?? defaults.MonitoringNamespace, "--monitoring-namespace"),
            BackupSchedule = Get("BackupSchedule") ?? defaults.BackupSchedule,
            BackupRetentionDays = Get("BackupRetentionDays") is { } days
                ? int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 1 and <= 3650 ? parsed
                    : throw new PublishException($"--backup-retention-days must be a whole number of days from 1 to 3650, not '{days}'.")
                : defaults.BackupRetentionDays,
        };
    }

    /// <summary>The folder with AiStack.sln above the working directory (or above the AppHost's binaries).</summary>
    internal static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "AiStack.sln")))
                {
                    return folder.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static string Name(string value, string option) =>
        value.Length is > 0 and <= 63 && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && char.IsAsciiLetterLower(value[0])
            ? value
            : throw new PublishException($"{option} must be a Kubernetes name (lower-case letters, digits and '-', up to 63), not '{value}'.");
}
