#!/usr/bin/env bash
# Runs the whole stack for development: ./scripts/run.sh [--profile embedded|full] [AppHost options ...]
# Embedded (the default) needs no external server. Full also starts PostgreSQL and Redis from the machine's own binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_dotnet
case " $* " in
  *" --profile full "*|*" --profile=full "*) require_postgres_and_redis ;;
esac
fetch_llama_libraries || say "The llama.cpp libraries could not be fetched: the stack starts, and the local model reports unavailable."

say "Building ..."
dotnet build AiStack.AppHost -c Release -nologo -clp:ErrorsOnly -v:q
# The launch profile (AiStack.AppHost/Properties/launchSettings.json) sets the same; say it here too so that no HTTPS developer
# certificate is needed whichever way the AppHost starts. The dashboard keeps its login: Aspire prints the login URL below.
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
say "Starting the stack: dashboard http://127.0.0.1:18888 (login URL printed below), control API http://127.0.0.1:8890,"
say "KnowledgeBase 8091, Coordinator 8092, Learning 8095, Ralph 8098; Ctrl+C stops everything."
exec dotnet run --project AiStack.AppHost -c Release --no-build -- "$@"
