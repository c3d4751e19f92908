using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace AiStack.AppHost.Infrastructure;

/// <summary>
/// A Redis server run from the machine's own redis-server binary, bound to 127.0.0.1, with a password generated on first start.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly string _root;
    private readonly int _port;
    private Process? _process;
    private readonly ServerOutput _output = new();

    public LocalRedis(string rootDirectory, int port)
    {
        _root = Path.GetFullPath(rootDirectory);
        _port = port;
    }

    public int Port => _port;

    public Process? Process => _process;

    /// <summary>Raised for every line the server writes (the AppHost prefixes and keeps them).</summary>
    /// <summary>Every line the server prints, as it prints it.</summary>
    public event Action<string>? LineReceived
    {
        add => _output.LineReceived += value;
        remove => _output.LineReceived -= value;
    }

    public string PasswordFile => Path.Combine(_root, "password");

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string ConnectionString =>
        $"127.0.0.1:{_port},password={LocalServerProcess.ReadOrCreateSecret(PasswordFile)},abortConnect=false,connectTimeout=3000,syncTimeout=3000";

    public static string MissingMessage =>
        "redis-server was not found. Install it with 'apt-get install redis-server' (scripts/test.sh and scripts/run.sh do this), " +
        "or set ConnectionStrings__redis to an existing server.";

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var exe = FindServer();
        if (LocalServerProcess.IsPortInUse(_port))
        {
            throw new InvalidOperationException($"Port {_port} for Redis is already in use. Stop what uses it or choose another port.");
        }

        Directory.CreateDirectory(_root);
        var password = LocalServerProcess.ReadOrCreateSecret(PasswordFile);
        // The password goes in through a config file on stdin so it never shows in the process list.
        var info = LocalServerProcess.StartInfo(exe, new[] { "-" }, runAsUser: null);
        info.RedirectStandardInput = true;
        _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start redis-server.");
        _output.Capture(_process);
        var config = Configuration(password);
        await _process.StandardInput.WriteAsync(config);
        _process.StandardInput.Close();
        await WaitUntilAcceptingAsync(cancellationToken);
    }

    public static string FindServer() =>
        LocalServerProcess.FindExecutable("redis-server", "/usr/bin", "/usr/local/bin") ?? throw new InvalidOperationException(MissingMessage);

    /// <summary>
    /// The init step for a server that reads its configuration from a file: writes it (mode 0600, it holds the password) beside
    /// the data and returns its path.
    /// </summary>
    public string WriteConfigurationFile()
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, "redis.conf");
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(Configuration(LocalServerProcess.ReadOrCreateSecret(PasswordFile)));
        return path;
    }

    private string Configuration(string password) => string.Join('\n',
            $"port {_port.ToString(CultureInfo.InvariantCulture)}",
            "bind 127.0.0.1",
            "protected-mode yes",
            $"dir {_root}",
            "appendonly no",
            "save \"\"",
            "daemonize no",
            $"requirepass {password}") + "\n";

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} while starting: {Log}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", _port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        throw new TimeoutException($"Redis did not accept connections within 30 s: {Log}");
    }

    public string Log => _output.Text;

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await LocalServerProcess.StopAsync(_process, PosixSignalNumber.Terminate, TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }
}
