using System.Data.Common;
using System.Text;
using System.Text.RegularExpressions;
using AiStack.AppHost.Publishing.Manifest;

namespace AiStack.AppHost.Publishing.Kubernetes;

/// <summary>A service's login on the published PostgreSQL: its role, its database, and the server's variable with the role's password.</summary>
public sealed record PostgresRole(string Role, string Database, string PasswordVariable);

/// <summary>
/// The roles of the app model on the published PostgreSQL, read from the manifest: every other resource's connection string that names this
/// server's host with its own <c>Username</c>, <c>Password</c> (a secret parameter) and <c>Database</c>, and the server's
/// environment variable that carries the same parameter. From them, the script that creates each role and its database.
/// </summary>
public static partial class PostgresRoles
{
    public const string ScriptName = "create-roles.sh";

    public static IReadOnlyList<PostgresRole> From(AspireManifest manifest, Workload postgres)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(postgres);
        var host = $"{{{postgres.Name}.bindings.";
        var roles = new List<PostgresRole>();
        foreach (var resource in manifest.Resources.Where(r => r.Name != postgres.Name && r.ConnectionString?.Contains("Host=" + host, StringComparison.Ordinal) == true))
        {
            var settings = new DbConnectionStringBuilder { ConnectionString = resource.ConnectionString };
            string Setting(string key) => settings.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } text
                ? text
                : throw new ManifestException($"'{resource.Name}' connects to '{postgres.Name}' without {key}=; each service needs a role, a password and a database of its own.");
            var role = Setting("Username");
            var database = Setting("Database");
            var parameter = ParameterReference().Match(Setting("Password")) is { Success: true } match
                ? match.Groups[1].Value
                : throw new ManifestException($"'{resource.Name}' gives role '{role}' a password that is not a secret parameter.");
            var variable = postgres.Variables.OfType<SecretVariable>().FirstOrDefault(v => v.Parameter == parameter)?.Name
                ?? throw new ManifestException($"'{postgres.Name}' is not given the password of role '{role}' ({parameter}); it cannot create the role.");
            if (role == PostgresBackup.User(postgres))
            {
                throw new ManifestException($"'{resource.Name}' connects as the superuser '{role}'; each service needs a role of its own.");
            }

            roles.Add(new PostgresRole(role, database, variable));
        }

        return roles.DistinctBy(r => r.Role).OrderBy(r => r.Role, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A shell script for <c>/docker-entrypoint-initdb.d</c> (the server's first start; mounted executable, so the entrypoint runs
    /// it in a shell of its own rather than sourcing it) that is safe to run again at any time
    /// (<c>kubectl exec</c>, after rotating a password): each role logs in with its password, owns its database, and no other
    /// role but the superuser may connect to that database.
    /// </summary>
    public static string Script(IReadOnlyList<PostgresRole> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var script = new StringBuilder()
            .Append("#!/bin/sh\n")
            .Append("# Each service's PostgreSQL role and database. Run by the server's first start; idempotent, so run it again after\n")
            .Append("# rotating a role's password: kubectl exec postgres-0 -- /docker-entrypoint-initdb.d/" + ScriptName + "\n")
            .Append("set -e\n")
            .Append(": \"${PGPASSWORD:=${POSTGRES_PASSWORD:-}}\"\n")
            .Append("export PGPASSWORD\n")
            .Append("ensure_role() {\n")
            .Append("  [ -n \"$3\" ] || { echo \"no password for role $1\" >&2; exit 1; }\n")
            .Append("  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username \"${POSTGRES_USER:-postgres}\" --dbname postgres \\\n")
            .Append("    -v role=\"$1\" -v db=\"$2\" -v secret=\"$3\" <<'SQL'\n")
            .Append("SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec\n")
            .Append("ALTER ROLE :\"role\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'secret';\n")
            .Append("SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec\n")
            .Append("ALTER DATABASE :\"db\" OWNER TO :\"role\";\n")
            .Append("REVOKE ALL ON DATABASE :\"db\" FROM PUBLIC;\n")
            .Append("GRANT CONNECT, TEMPORARY ON DATABASE :\"db\" TO :\"role\";\n")
            .Append("SQL\n")
            .Append("  echo \"role $1 owns database $2\"\n")
            .Append("}\n");
        foreach (var role in roles)
        {
            script.Append($"ensure_role {Quoted(role.Role)} {Quoted(role.Database)} \"${{{role.PasswordVariable}:-}}\"\n");
        }

        return script.ToString();
    }

    private static string Quoted(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^\{([A-Za-z0-9_\-]+)\.value\}$")]
    private static partial Regex ParameterReference();
}
