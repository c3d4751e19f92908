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
(require_llama_runtime) || say "libgomp1 (OpenMP, for llama.cpp) is missing: the stack starts, and the local model reports unavailable."

say "Building ..."
dotnet build AiStack.AppHost -c Release -nologo -clp:ErrorsOnly -v:q
exec dotnet run --project AiStack.AppHost -c Release --no-build -- "$@"
