#!/usr/bin/env bash
# The whole demo in one go: build the image, get it to the cluster (import into
# a local cluster, or push to a registry), deploy, and optionally set up eBPF.
#
# Usage: scripts/build-and-deploy.sh [--docker-hub USER | --image-name NAME[:TAG]]
#                                    [--target kind|minikube|containerd] [--ebpf]
#                                    [--engine docker|podman] [--kubeconfig F] [--context C] [--dry-run]
#   (neither)            build leaker-c:<version>, import it into the local cluster
#                        (scripts/import-image.sh), deploy manifests/overlays/local
#   --docker-hub USER    build USER/leaker-c:<version>, push it, deploy it (registry overlay)
#   --image-name NAME[:TAG]  build NAME, push it, deploy it (registry overlay)
#   --target             local cluster kind for the import (default: detected)
#   --ebpf               then scripts/ebpf-setup.sh (Inspektor Gadget, node checks)
#   --engine             docker or podman (default: docker if present)
#   --kubeconfig F, --context C   passed to kubectl
#   --dry-run            print every step's commands, run nothing
#   --help               this text
# Exit codes: those of the step that failed (1 failed, 2 bad usage, 3 a tool is missing).

set -euo pipefail
# shellcheck source=scripts/lib/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/demo.sh"

IMAGE=""
TARGET=()
EBPF=0
ENGINE=()
PASS=()
while [ $# -gt 0 ]; do
  if kube_flag "$1" "${2:-}"; then PASS+=("$1" "$2"); shift 2; continue; fi
  case "$1" in
    --docker-hub)
      [[ "${2:-}" =~ ^[a-z0-9][a-z0-9._-]*$ ]] || usage_error "--docker-hub needs a Docker Hub user or organisation name"
      [ -z "$IMAGE" ] || usage_error "--docker-hub and --image-name exclude each other"
      IMAGE="$2/leaker-c:$LEAKER_VERSION"; shift ;;
    --image-name)
      [ -n "${2:-}" ] || usage_error "--image-name needs a value"
      [ -z "$IMAGE" ] || usage_error "--docker-hub and --image-name exclude each other"
      IMAGE="$(with_tag "$2")"; shift ;;
    --target) [ -n "${2:-}" ] || usage_error "--target needs a value"; TARGET=(--target "$2"); shift ;;
    --engine) [ -n "${2:-}" ] || usage_error "--engine needs a value"; ENGINE=(--engine "$2"); shift ;;
    --ebpf) EBPF=1 ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
  shift
done
DRY=()
[ "$DRY_RUN" = 0 ] || DRY=(--dry-run)
step() { echo; say "step: $*"; }

if [ -n "$IMAGE" ]; then
  step "build and push $IMAGE"
  bash "$ROOT/scripts/build.sh" --image-name "$IMAGE" --push "${ENGINE[@]}" "${DRY[@]}"
  step "deploy it"
  bash "$ROOT/scripts/deploy.sh" --image-name "$IMAGE" "${PASS[@]}" "${DRY[@]}"
else
  step "build $DEFAULT_IMAGE"
  bash "$ROOT/scripts/build.sh" "${ENGINE[@]}" "${DRY[@]}"
  step "import it into the local cluster"
  bash "$ROOT/scripts/import-image.sh" "${TARGET[@]}" "${ENGINE[@]}" "${PASS[@]}" "${DRY[@]}"
  step "deploy it"
  bash "$ROOT/scripts/deploy.sh" --overlay local "${PASS[@]}" "${DRY[@]}"
fi
if [ "$EBPF" = 1 ]; then
  step "Inspektor Gadget and the nodes' kernels"
  bash "$ROOT/scripts/ebpf-setup.sh" "${PASS[@]}" "${DRY[@]}"
fi
echo
result "built, shipped and deployed ${IMAGE:-$DEFAULT_IMAGE}"
