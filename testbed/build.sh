#!/usr/bin/env bash
# Builds the test bed's tools (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok, ig) from the pinned Go modules under testbed/tools into
# .memleak/testbed/bin. The first build is long (kube-apiserver, ig: tens of
# minutes on 2 cores); Go's module and build caches make the next one take seconds.
#   testbed/build.sh            every tool
#   testbed/build.sh kube ig    only those modules (etcd kwok kube ig)
#   testbed/build.sh igjson     IG's own JSON client decoding, for `yarn bench decoder` (not part of `up`)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${MEMLEAK_TESTBED_BIN:-$ROOT/.memleak/testbed/bin}"
mkdir -p "$BIN"
command -v go >/dev/null || { echo "build: Go >= 1.26 is needed (https://go.dev/doc/install)" >&2; exit 1; }

# Two of ig's modules are not in the checksum database; go.sum pins them.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/inspektor-gadget/*,go.opentelemetry.io/ebpf-profiler"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
KUBE_VERSION=v1.36.3

build() { # module output package [ldflags] [env...]
  local module="$1" out="$2" pkg="$3" ldflags="${4:-}"
  shift 4 || shift $#
  local start=$SECONDS
  echo "build: $out ($pkg)"
  (cd "$ROOT/testbed/tools/$module" && env "$@" go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN/$out" "$pkg")
  echo "build: $out done in $((SECONDS - start)) s"
}

kube_ldflags() {
  local minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  # Stamp the version, or the API server reports v0.0.0-master.
  echo "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
}

MODULES=("$@")
[ ${#MODULES[@]} -eq 0 ] && MODULES=(etcd kwok kube ig)
for m in "${MODULES[@]}"; do
  case "$m" in
    etcd) build etcd etcd go.etcd.io/etcd/server/v3 "" ;;
    kwok) build kwok kwok sigs.k8s.io/kwok/cmd/kwok "" ;;
    kube)
      build kube kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$(kube_ldflags)"
      build kube kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$(kube_ldflags)"
      build kube kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$(kube_ldflags)"
      build kube kubectl k8s.io/kubernetes/cmd/kubectl "$(kube_ldflags)"
      ;;
    ig) build ig ig . "-X github.com/inspektor-gadget/inspektor-gadget/internal/version.version=$(cat "$ROOT/testbed/IG_VERSION")" CGO_ENABLED=0 ;;
    igjson) build ig igjson ./cmd/igjson "" CGO_ENABLED=0 ;;
    *) echo "build: unknown module $m (etcd kwok kube ig igjson)" >&2; exit 2 ;;
  esac
done
