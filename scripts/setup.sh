#!/usr/bin/env bash
# Installs what memleak needs on a Debian/Ubuntu machine that already has
# Node.js >= 20, npm, gcc and make (and Go >= 1.26 for the test bed), then the
# Yarn workspace, and puts a `yarn` command on PATH.
#   scripts/setup.sh dev      build tools for leaker-c and the eBPF tracer, and
#                             mkdocs with techdocs-core (leaker-c's TechDocs)
#   scripts/setup.sh testbed  the above plus what the test bed builds and runs with
#   scripts/setup.sh test     all of the above plus what the test suites run against
# Packages already present are not reinstalled; apt needs root (or sudo).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-dev}"

# python3-venv: the local portal's TechDocs backend builds with mkdocs from a venv.
DEV_PKGS=(gcc make pkg-config libmicrohttpd-dev clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool libcap2-bin python3-venv)
# The deploy suite lints scripts (shellcheck).
TEST_PKGS=(bpftrace prometheus chromium postgresql libclang-rt-14-dev procps shellcheck)
# The test bed: clang 19 and llvm-strip for the gadget image, ip for the pods'
# network namespaces, openssl for its certificates, curl for readiness checks,
# bpftrace for the stand-in relay on kernels without kprobes.
TESTBED_PKGS=(clang-19 llvm-19 iproute2 openssl curl ca-certificates bpftrace)

want=("${DEV_PKGS[@]}")
case "$MODE" in
  dev) ;;
  testbed) want+=("${TESTBED_PKGS[@]}") ;;
  test) want+=("${TESTBED_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  *) echo "setup: unknown mode $MODE (dev, testbed, test)" >&2; exit 2 ;;
esac
# cargo fetches the crate that carries the gadget's libbpf headers; Debian 12's
# own cargo is too old for the registry's sparse protocol, cargo-web is not.
if [ "$MODE" != dev ] && ! command -v cargo >/dev/null; then
  want+=(cargo-web)
fi

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

# A `yarn` on PATH for the README's commands: Yarn 1 only hands over to the
# release committed in .yarn/releases (yarnPath), which is the one that runs.
if ! command -v yarn >/dev/null; then
  echo "setup: installing a yarn launcher (npm install -g yarn@1.22.22; it runs the committed Yarn 4)"
  if [ "$(id -u)" -eq 0 ] || [ -w "$(npm prefix -g)" ]; then
    npm install -g --silent yarn@1.22.22
  else
    sudo npm install -g --silent yarn@1.22.22
  fi
fi
if [ "$MODE" != dev ] && ! command -v go >/dev/null; then
  echo "setup: Go >= 1.26 is not on PATH; the test bed (yarn testbed) needs it: https://go.dev/doc/install" >&2
fi
# The deploy suite's own tools (npm packages, upstream Prometheus, the TechDocs
# generator): without them only that suite fails, and says what is missing.
# The others need only mkdocs for the portal's TechDocs (without it only
# "View TechDocs" fails, saying the build failed).
if [ "$MODE" != test ]; then
  bash "$ROOT/deploy-tests/setup.sh" mkdocs ||
    echo "setup: mkdocs for TechDocs failed to install; the portal runs, its TechDocs will not build" >&2
else
  bash "$ROOT/deploy-tests/setup.sh" ||
    echo "setup: deploy-tests/setup.sh failed; the deploy suite will say what is missing" >&2
fi
