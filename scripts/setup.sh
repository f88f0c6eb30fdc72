#!/usr/bin/env bash
# Installs what memleak needs on a Debian/Ubuntu machine, then the Yarn workspace.
#   scripts/setup.sh dev    build tools for leaker-c and the eBPF tracer
#   scripts/setup.sh test   the above plus what the test suites run against
# Packages already present are not reinstalled; apt needs root (or sudo).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-dev}"

DEV_PKGS=(gcc make pkg-config libmicrohttpd-dev clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool libcap2-bin)
TEST_PKGS=(bpftrace prometheus chromium postgresql libclang-rt-14-dev procps)

want=("${DEV_PKGS[@]}")
[ "$MODE" = test ] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node headers for node-gyp (better-sqlite3 builds from source: no prebuilt download here).
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
cd "$ROOT"
YARN=(node "$ROOT/.yarn/releases/yarn-4.18.1.cjs")
if [ -n "${CI:-}" ]; then
  "${YARN[@]}" install --immutable
else
  "${YARN[@]}" install
fi
