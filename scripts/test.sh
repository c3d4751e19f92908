#!/usr/bin/env bash
# Runs every test of AiStack, the way CI does: ./scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~KnowledgeBase]
# Installs what the tests need (PostgreSQL, Redis and Prometheus servers, Chromium, libgomp1 for llama.cpp), builds in Release with warnings as errors,
# runs the suite and prints one summary line "Tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prerequisites.sh

require_dotnet
require_postgres_and_redis
require_prometheus
require_llama_runtime
require_kubectl
require_chromium

say "Building (Release, warnings are errors) ..."
dotnet build AiStack.sln -c Release -nologo -clp:"ErrorsOnly;Summary" -v:q

# AISTACK_TEST_CPU_BURNER=1 runs the whole suite while one busy loop per core keeps the machine loaded (crash safety and timing
# must not depend on an idle machine); the loops end with the script.
if [ "${AISTACK_TEST_CPU_BURNER:-0}" = "1" ]; then
  burners=()
  for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & burners+=("$!"); done
  trap 'kill "${burners[@]}" 2>/dev/null || true' EXIT
  say "CPU burner: ${#burners[@]} busy loops for the whole run."
fi

results=TestResults
rm -rf "$results"
say "Running the tests ..."
status=0
dotnet test AiStack.sln -c Release --no-build -nologo \
  --results-directory "$results" --logger "trx;LogFilePrefix=aistack" --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m "$@" || status=$?

# One plain closing line for CI, summed over every test assembly's TRX file.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
done
# The failed tests again, with the first lines of their messages, so that the tail of a CI log names them.
if [ "$failed" -gt 0 ]; then
  echo "Failed tests:"
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    awk '
      /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); failing = 1 }
      failing && /<Message>/ { inmessage = 1; lines = 0; sub(/.*<Message>/, "") }
      inmessage { text = $0; sub(/<\/Message>.*/, "", text); if (lines < 6) message = message "      " text "\n"; lines++ }
      inmessage && /<\/Message>/ { inmessage = 0 }
      failing && /<\/UnitTestResult>/ { printf "  - %s\n%s", name, message; failing = 0; message = "" }
    ' "$trx" | sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g'
  done
fi
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  fail "No test ran."
fi
exit "$status"
