#!/usr/bin/env bash
# Copies the leaker-c image from the local engine into a local cluster's nodes,
# so that manifests/overlays/local (imagePullPolicy: Never) can run it.
#
# Usage: scripts/import-image.sh [--target kind|minikube|containerd] [--cluster NAME]
#                                [--image-name NAME[:TAG]] [--engine docker|podman] [--dry-run]
#   --target     where to import; default: from kubectl's current context
#                (kind-NAME → kind, minikube → minikube), else containerd when
#                ctr is on PATH (a node of this machine: k3s, kubeadm)
#   --cluster    kind cluster name or minikube profile (default: from the context)
#   --image-name image to import (default leaker-c:<version>)
#   --engine     docker or podman, the engine holding the image (default: docker if present)
#   --kubeconfig F, --context C   passed to kubectl
#   --dry-run    print the commands, run nothing
#   --help       this text
# Exit codes: 0 imported, 1 a step failed, 2 bad usage, 3 a tool is missing.

set -euo pipefail
# shellcheck source=scripts/lib/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/demo.sh"

IMAGE="$DEFAULT_IMAGE"
TARGET=""
CLUSTER=""
ENGINE=""
while [ $# -gt 0 ]; do
  if kube_flag "$1" "${2:-}"; then shift 2; continue; fi
  case "$1" in
    --target) [[ "${2:-}" =~ ^(kind|minikube|containerd)$ ]] || usage_error "--target is kind, minikube or containerd"; TARGET="$2"; shift ;;
    --cluster) [ -n "${2:-}" ] || usage_error "--cluster needs a value"; CLUSTER="$2"; shift ;;
    --image-name) [ -n "${2:-}" ] || usage_error "--image-name needs a value"; IMAGE="$(with_tag "$2")"; shift ;;
    --engine) [[ "${2:-}" =~ ^(docker|podman)$ ]] || usage_error "--engine is docker or podman"; ENGINE="$2"; shift ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
  shift
done
if [ -z "$ENGINE" ]; then
  if have docker; then ENGINE=docker; elif have podman; then ENGINE=podman; else ENGINE=docker; fi
fi

# Which cluster: the flag, else kubectl's current context.
if [ -z "$TARGET" ]; then
  context=""
  if have "$KUBECTL"; then context="$(kube_query config current-context 2>/dev/null || true)"; fi
  case "$context" in
    kind-*) TARGET=kind; CLUSTER="${CLUSTER:-${context#kind-}}" ;;
    minikube) TARGET=minikube; CLUSTER="${CLUSTER:-minikube}" ;;
    "") have ctr && TARGET=containerd ;;
    *) have ctr && TARGET=containerd ;;
  esac
  [ -n "$TARGET" ] || die "cannot tell the cluster kind from kubectl's context '${context:-none}' and ctr is not on PATH: pass --target kind|minikube|containerd" 2
  say "target $TARGET (from kubectl's context '${context:-none}')"
fi

case "$TARGET" in
  kind)
    need kind "to load images into kind's nodes" "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
    run kind load docker-image "$IMAGE" --name "${CLUSTER:-kind}"
    ;;
  minikube)
    need minikube "to load images into minikube" "https://minikube.sigs.k8s.io/docs/start/"
    run minikube image load "$IMAGE" -p "${CLUSTER:-minikube}"
    ;;
  containerd)
    need "$ENGINE" "to export the image" "install Docker or Podman, or pass --engine"
    need ctr "to import into containerd" "install containerd's ctr (Debian: containerd), or use k3s ctr"
    archive="${TMPDIR:-/tmp}/leaker-c-image.tar"
    run "$ENGINE" save -o "$archive" "$IMAGE"
    # k8s.io is the containerd namespace the kubelet's CRI plugin uses.
    run ctr -n k8s.io images import "$archive"
    run rm -f "$archive"
    ;;
esac
result "imported $IMAGE into $TARGET${CLUSTER:+ ($CLUSTER)}"
