using System.Diagnostics;
using Npgsql;

namespace AiStack.AppHost.Infrastructure;

/// <summary>
/// A PostgreSQL server run from the machine's own binaries (Debian's postgresql package) with its data in a folder of ours.
/// Used by the AppHost's full profile and by the tests. The superuser password is generated on first start and kept
/// beside the data (mode 0600); the server listens on 127.0.0.1 only and has no Unix socket.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private readonly string _root;
    private readonly int _port;
    private Process? _process;
    private readonly ServerOutput _output = new();

    public LocalPostgres(string rootDirectory, int port)
    {
        _root = Path.GetFullPath(rootDirectory);
        _port = port;
    }

    public int Port => _port;

    public string DataDirectory => Path.Combine(_root, "pgdata");

    public string PasswordFile => Path.Combine(_root, "password");

    public Process? Process => _process;

    /// <summary>Raised for every line the server writes (the AppHost prefixes and keeps them).</summary>
    /// <summary>Every line the server prints, as it prints it.</summary>
    public event Action<string>? LineReceived
    {
        add => _output.LineReceived += value;
        remove => _output.LineReceived -= value;
    }

    /// <summary>Connection string to the given database as the superuser.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = ServiceUser,
        Password = LocalServerProcess.ReadOrCreateSecret(PasswordFile),
        Database = database,
    }.ConnectionString;

    public static string? FindBinDirectory()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            : Enumerable.Empty<string>();
        foreach (var dir in versions)
        {
            var bin = Path.Combine(dir, "bin");
            if (File.Exists(Path.Combine(bin, "postgres")) && File.Exists(Path.Combine(bin, "initdb")))
            {
                return bin;
            }
        }

        var postgres = LocalServerProcess.FindExecutable("postgres");
        return postgres is null ? null : Path.GetDirectoryName(postgres);
    }

    public static string MissingMessage =>
        "PostgreSQL binaries (initdb, postgres) were not found. Install them with 'apt-get install postgresql' " +
        "(scripts/test.sh and scripts/run.sh do this), or set ConnectionStrings__postgres to an existing server.";

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (LocalServerProcess.IsPortInUse(_port))
        {
            throw new InvalidOperationException($"Port {_port} for PostgreSQL is already in use. Stop what uses it or choose another port.");
        }

        await EnsureInitializedAsync(cancellationToken);
        var (command, arguments) = ServerCommand();
        _process = Process.Start(LocalServerProcess.DetachedStartInfo([command, .. arguments]))
            ?? throw new InvalidOperationException("Could not start postgres.");
        _output.Capture(_process);
        await WaitUntilAcceptingAsync(cancellationToken);
    }

    /// <summary>The init step: the data folder and the superuser password, created by initdb on first use only.</summary>
    public async Task EnsureInitializedAsync(CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(MissingMessage);
        Directory.CreateDirectory(_root);
        var password = LocalServerProcess.ReadOrCreateSecret(PasswordFile);
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitializeAsync(bin, password, RunAs, cancellationToken);
        }
    }

    /// <summary>
    /// The server's command line, listening on 127.0.0.1 only and without a Unix socket; as root through setpriv as the postgres
    /// user (PostgreSQL refuses to run as root), which execs in place so signals reach the server itself.
    /// </summary>
    public (string Command, IReadOnlyList<string> Arguments) ServerCommand()
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(MissingMessage);
        var info = LocalServerProcess.StartInfo(Path.Combine(bin, "postgres"), new[]
        {
            "-D", DataDirectory,
            "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            "-c", "max_connections=200",
            "-c", "fsync=on",
        }, RunAs);
        // StartInfo puts setsid first; the caller decides how the process is started.
        var command = info.ArgumentList.ToList();
        if (Path.GetFileName(info.FileName) == "setsid")
        {
            return (command[0], command.Skip(1).ToList());
        }

        return (info.FileName, command);
    }

    private static string? RunAs => LocalServerProcess.IsRoot ? ServiceUser : null;

    private async Task InitializeAsync(string bin, string password, string? runAs, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        var pwfile = Path.Combine(_root, ".initdb-pw");
        await File.WriteAllTextAsync(pwfile, password, cancellationToken);
        try
        {
            if (runAs is not null)
            {
                // initdb and the server run as the postgres user; it must own the data folder and read the password file.
                await LocalServerProcess.RunToCompletionAsync(new ProcessStartInfo("chown", $"-R {runAs}: {DataDirectory} {pwfile}")
                { RedirectStandardError = true, RedirectStandardOutput = true }, cancellationToken);
            }

            await LocalServerProcess.RunToCompletionAsync(LocalServerProcess.StartInfo(Path.Combine(bin, "initdb"), new[]
            {
                "-D", DataDirectory, "-U", ServiceUser, "--pwfile", pwfile, "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
                "-E", "UTF8", "--locale=C.UTF-8",
            }, runAs), cancellationToken);
        }
        finally
        {
            File.Delete(pwfile);
        }
    }

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"PostgreSQL exited with code {_process.ExitCode} while starting: {Log}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString());
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex)
            {
                last = ex;
                await Task.Delay(200, cancellationToken);
            }
        }

        throw new TimeoutException($"PostgreSQL did not accept connections within 60 s: {last?.Message} {Log}");
    }

    /// <summary>The password file of a service's own role (<c>{home}/postgres/{role}.password</c>, 0600).</summary>
    public string RolePasswordFile(string role) => Path.Combine(_root, role + ".password");

    /// <summary>Connection string to a service's database as the service's own role.</summary>
    public string ServiceConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = database,
        Password = LocalServerProcess.ReadOrCreateSecret(RolePasswordFile(database)),
        Database = database,
    }.ConnectionString;

    /// <summary>
    /// A service's database and its own role (same name): the role logs in with the password in its file and owns the database and
    /// everything in it; no other role but the superuser may connect to it. Idempotent: run at every start, it also moves a database
    /// made before roles existed (owned by the superuser) to its role, and sets the role's password to the file's.
    /// </summary>
    public async Task EnsureServiceDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        var name = Identifier(database);
        var password = LocalServerProcess.ReadOrCreateSecret(RolePasswordFile(database)).Replace("'", "''", StringComparison.Ordinal);
        await using (var connection = new NpgsqlConnection(ConnectionString()))
        {
            await connection.OpenAsync(cancellationToken);
            var roleExists = await ScalarAsync(connection, "SELECT 1 FROM pg_roles WHERE rolname = @name", database, cancellationToken);
            await ExecuteAsync(connection, roleExists
                ? $"ALTER ROLE {name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'"
                : $"CREATE ROLE {name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'", cancellationToken);
            var databaseExists = await ScalarAsync(connection, "SELECT 1 FROM pg_database WHERE datname = @name", database, cancellationToken);
            await ExecuteAsync(connection, databaseExists ? $"ALTER DATABASE {name} OWNER TO {name}" : $"CREATE DATABASE {name} OWNER {name}", cancellationToken);
            await ExecuteAsync(connection, $"REVOKE ALL ON DATABASE {name} FROM PUBLIC", cancellationToken);
            await ExecuteAsync(connection, $"GRANT CONNECT, TEMPORARY ON DATABASE {name} TO {name}", cancellationToken);
        }

        // Tables a superuser made before (a home from an earlier version) go to the role, with their sequences.
        await using var inDatabase = new NpgsqlConnection(ConnectionString(database));
        await inDatabase.OpenAsync(cancellationToken);
        await ExecuteAsync(inDatabase, $"""
            DO $$
            DECLARE item record;
            BEGIN
              FOR item IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND pg_get_userbyid(c.relowner) <> '{database}'
              LOOP
                EXECUTE format('ALTER %s public.%I OWNER TO {name}',
                  CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, item.relname);
              END LOOP;
            END $$
            """, cancellationToken);
    }

    private static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<bool> ScalarAsync(NpgsqlConnection connection, string sql, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public string Log => _output.Text;

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions and stop cleanly.
            await LocalServerProcess.StopAsync(_process, PosixSignalNumber.Interrupt, TimeSpan.FromSeconds(20));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }
}
