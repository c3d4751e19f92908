using System.Net.Sockets;
using AiStack.AppHost.Infrastructure;
using AiStack.AppHost.Logs;
using AiStack.AppHost.Model;

namespace AiStack.AppHost.Launching;

/// <summary>Runs Redis through <see cref="LocalRedis"/> with its folder under <c>.aistack/{name}</c>; ready once it accepts connections.</summary>
public sealed class RedisLauncher : IResourceLauncher
{
    private readonly RedisServerResource _resource;
    private readonly StackContext _context;

    public RedisLauncher(RedisServerResource resource, StackContext context)
    {
        _resource = resource;
        _context = context;
    }

    public string ReadinessDescription => $"Redis accepting connections on 127.0.0.1:{_resource.Port}";

    public async Task<RunningProcess> StartAsync(Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        var server = new LocalRedis(_resource.DataDirectory(_context), _resource.Port);
        server.LineReceived += line => onLine(line, LogLineClassifier.IsRedisError(line));
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch
        {
            await server.StopAsync();
            throw;
        }

        return new RunningProcess(server.Process!);
    }

    public Task WaitUntilReadyAsync(RunningProcess process, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", _resource.Port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public Task StopAsync(RunningProcess process, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(process);
        return LocalServerProcess.StopAsync(process.Process, PosixSignalNumber.Terminate, grace);
    }
}
