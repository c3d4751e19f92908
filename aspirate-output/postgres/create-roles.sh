#!/bin/sh
# Each service's PostgreSQL role and database. Run by the server's first start; idempotent, so run it again after
# rotating a role's password: kubectl exec postgres-0 -- /docker-entrypoint-initdb.d/create-roles.sh
set -e
: "${PGPASSWORD:=${POSTGRES_PASSWORD:-}}"
export PGPASSWORD
ensure_role() {
  [ -n "$3" ] || { echo "no password for role $1" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v role="$1" -v db="$2" -v secret="$3" <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'secret';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";
SQL
  echo "role $1 owns database $2"
}
ensure_role 'knowledgebase' 'knowledgebase' "${AISTACK_ROLE_PASSWORD_KNOWLEDGEBASE:-}"
ensure_role 'learning' 'learning' "${AISTACK_ROLE_PASSWORD_LEARNING:-}"
ensure_role 'ralph' 'ralph' "${AISTACK_ROLE_PASSWORD_RALPH:-}"
