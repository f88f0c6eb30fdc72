#!/usr/bin/env bash
# Builds the Go tools the deploy checks run, from pinned modules under
# deploy-tests/tools, into .memleak/deploy-tests/bin:
#   prometheus, promtool  Prometheus v3.5.0 (module v0.305.0) with Kubernetes
#                         service discovery, which Debian's build leaves out:
#                         without it the cluster's prometheus.yml can be neither
#                         checked nor run
#   compose-check         docker-compose.yml through compose-go, Docker Compose's loader
# A tool whose go.sum did not change since its last build is not rebuilt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.memleak/deploy-tests/bin"
command -v go >/dev/null || { echo "build-tools: Go >= 1.26 is needed (https://go.dev/doc/install)" >&2; exit 3; }
mkdir -p "$BIN"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

build() { # module output package
  local dir="$ROOT/deploy-tests/tools/$1" out="$BIN/$2" stamp
  stamp="$( (cat "$dir/go.sum" && { cat "$dir"/*.go 2>/dev/null || true; }) | sha256sum | cut -c1-16)"
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  local start=$SECONDS
  echo "build-tools: $2"
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$out" "$3")
  echo "$stamp" >"$out.stamp"
  echo "build-tools: $2 done in $((SECONDS - start)) s"
}

build prometheus promtool github.com/prometheus/prometheus/cmd/promtool
build prometheus prometheus github.com/prometheus/prometheus/cmd/prometheus
build compose-check compose-check .
