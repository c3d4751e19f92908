# Shared by scripts/run.sh and scripts/test.sh: check for what AiStack needs, install what can be installed, and say clearly what is missing.
# shellcheck shell=bash

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\033[1m[aistack]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31m[aistack] %s\033[0m\n' "$*" >&2; exit 1; }

require_dotnet() {
  command -v dotnet >/dev/null 2>&1 || fail "The .NET SDK is missing: install .NET SDK 10.0 (https://dot.net), then run this again."
  local major
  major=$(dotnet --version 2>/dev/null | cut -d. -f1)
  [ "${major:-0}" -ge 10 ] || fail "AiStack needs the .NET 10 SDK; found $(dotnet --version 2>/dev/null || echo none)."
}

# apt_ensure CHECK_COMMAND PACKAGE...: installs the Debian packages when CHECK_COMMAND fails.
apt_ensure() {
  local check=$1; shift
  if eval "$check" >/dev/null 2>&1; then return 0; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "Missing Debian packages: $*. Install them as root: apt-get install -y $*"
    sudo="sudo"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "Missing packages: $* (and no apt-get to install them). Install them with your package manager."
  say "Installing $* (Debian packages) ..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || fail "apt-get update failed; install $* by hand."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed; install them by hand."
  eval "$check" >/dev/null 2>&1 || fail "Installed $* but the check '$check' still fails."
}

# A real Prometheus server scrapes /metrics in the tests, proving the exposition format.
require_prometheus() {
  apt_ensure 'command -v prometheus' prometheus
}

# kubectl renders aspirate-output/ offline (`kubectl kustomize`) in the publishing tests; Debian does not package it.
require_kubectl() {
  command -v kubectl >/dev/null 2>&1 \
    || fail "kubectl is missing: install kubectl 1.32 (https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl into /usr/local/bin), then run this again."
}

require_postgres_and_redis() {
  apt_ensure 'ls /usr/lib/postgresql/*/bin/initdb' postgresql
  apt_ensure 'command -v redis-server' redis-server
}

# llama.cpp comes with the LLamaSharp.Backend.Cpu NuGet package; its CPU build needs OpenMP from the system.
require_llama_runtime() {
  apt_ensure 'ldconfig -p | grep -q "libgomp.so.1 "' libgomp1
}

# The control center's browser tests drive Debian's Chromium through Playwright (never `playwright install`).
require_chromium() {
  apt_ensure 'test -x /usr/bin/chromium' chromium
}
