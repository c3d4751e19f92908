using System.Diagnostics;
using AiStack.AppHost.Infrastructure;
using AiStack.AppHost.Logs;
using AiStack.AppHost.Model;

namespace AiStack.AppHost.Launching;

/// <summary>
/// Runs a service project as <c>dotnet &lt;assembly&gt;</c> in its project folder (so its appsettings.json applies), with the
/// environment from <see cref="ResourceEnvironment"/>; ready when <c>/health/ready</c> answers 200.
/// </summary>
public sealed class ProjectLauncher : IResourceLauncher
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly ProjectResource _project;
    private readonly StackContext _context;
    private readonly HttpClient _http;
    private readonly Uri _readiness;

    public ProjectLauncher(ProjectResource project, StackContext context, HttpClient http)
    {
        _project = project;
        _context = context;
        _http = http;
        _readiness = new Uri(project.Url, project.ReadinessPath);
    }

    public string ReadinessDescription => $"GET {_readiness}";

    public Task<RunningProcess> StartAsync(Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        var assembly = _project.Project.AssemblyPath;
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException(
                $"{assembly} does not exist: build the stack first ('dotnet build AiStack.AppHost', which builds every service).");
        }

        var info = LocalServerProcess.DetachedStartInfo([DotNetHost.Path, assembly]);
        info.WorkingDirectory = _project.ProjectDirectory;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        foreach (var (name, value) in ResourceEnvironment.For(_project, _context))
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {assembly}.");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data, LogLineClassifier.IsServiceError(e.Data, fromStderr: false));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data, true);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return Task.FromResult(new RunningProcess(process));
    }

    public async Task WaitUntilReadyAsync(RunningProcess process, CancellationToken cancellationToken)
    {
        while (!await ProbeAsync(cancellationToken))
        {
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(_readiness, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The probe's own timeout: not ready yet.
            return false;
        }
    }

    public Task StopAsync(RunningProcess process, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(process);
        return LocalServerProcess.StopAsync(process.Process, PosixSignalNumber.Terminate, grace);
    }
}
