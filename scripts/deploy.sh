#!/usr/bin/env bash
# Deploys the demo (manifests/): leaker-c, Prometheus, Grafana in namespace
# memleak-demo and the Backstage backend's RBAC; waits for the rollouts and
# prints what to open next. Inspektor Gadget is scripts/ebpf-setup.sh.
#
# Usage: scripts/deploy.sh [--overlay default|local|registry] [--image-name NAME[:TAG]]
#                          [--timeout DURATION] [--kubeconfig F] [--context C] [--dry-run]
#   --overlay default   manifests/: the image leaker-c:<version>, pulled if not present
#   --overlay local     manifests/overlays/local: never pull (after scripts/import-image.sh)
#   --overlay registry  manifests/overlays/registry with --image-name (implied by --image-name)
#   --image-name NAME[:TAG]  leaker-c's image (a NAME without tag gets leaker-c's version)
#   --timeout DURATION  how long to wait for each rollout (default 180s)
#   --kubeconfig F, --context C   passed to kubectl (KUBECTL=/path picks the binary)
#   --dry-run           print the commands, run nothing
#   --help              this text
# Exit codes: 0 deployed, 1 a step failed, 2 bad usage, 3 a tool is missing.

set -euo pipefail
# shellcheck source=scripts/lib/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/demo.sh"

OVERLAY=""
IMAGE=""
TIMEOUT=180s
while [ $# -gt 0 ]; do
  if kube_flag "$1" "${2:-}"; then shift 2; continue; fi
  case "$1" in
    --overlay) [[ "${2:-}" =~ ^(default|local|registry)$ ]] || usage_error "--overlay is default, local or registry"; OVERLAY="$2"; shift ;;
    --image-name) [ -n "${2:-}" ] || usage_error "--image-name needs a value"; IMAGE="$(with_tag "$2")"; shift ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+[smh]$ ]] || usage_error "--timeout is a duration like 180s or 5m"; TIMEOUT="$2"; shift ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
  shift
done
[ -n "$OVERLAY" ] || { if [ -n "$IMAGE" ]; then OVERLAY=registry; else OVERLAY=default; fi; }
[ "$OVERLAY" != registry ] || [ -n "$IMAGE" ] || usage_error "--overlay registry needs --image-name"
need_kubectl

case "$OVERLAY" in
  default) DIR="$ROOT/manifests" ;;
  local) DIR="$ROOT/manifests/overlays/local" ;;
  registry) DIR="$ROOT/manifests/overlays/registry" ;;
esac

if [ -n "$IMAGE" ]; then
  # The overlay stays as committed: a generated kustomization on top of it
  # sets the image (kustomize's `images`), under .memleak (ignored by git).
  name="${IMAGE%:*}" tag="${IMAGE##*:}"
  [[ "$IMAGE" == *@* ]] && { name="${IMAGE%@*}"; tag=""; }
  GEN="$ROOT/.memleak/deploy/$OVERLAY"
  kustomization="apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../${DIR#"$ROOT/"}
images:
  - name: leaker-c
    newName: $name"
  if [ -n "$tag" ]; then kustomization+="
    newTag: \"$tag\""; else kustomization+="
    digest: ${IMAGE#*@}"; fi
  echo "+ write $GEN/kustomization.yaml:"
  echo "#   ${kustomization//$'\n'/$'\n'#   }"
  if [ "$DRY_RUN" = 0 ]; then
    mkdir -p "$GEN"
    printf '%s\n' "$kustomization" >"$GEN/kustomization.yaml"
  fi
  DIR="$GEN"
fi

kube apply -k "$DIR"
for deployment in leaker-c prometheus grafana; do
  kube -n memleak-demo rollout status "deployment/$deployment" --timeout="$TIMEOUT"
done
kube -n memleak-demo get pods -l app.kubernetes.io/name=leaker-c -o wide

if [ "$DRY_RUN" = 1 ]; then
  result "deployed $DIR"
  exit 0
fi
cat <<EOT
$SCRIPT: deployed. What to open next:
  Grafana, where everything is green:
    $KUBECTL -n memleak-demo port-forward svc/grafana 3001:3000     # http://localhost:3001
    (open the row "What the kernel sees" to watch the truth diverge)
  Prometheus:
    $KUBECTL -n memleak-demo port-forward svc/prometheus 9090:9090  # http://localhost:9090
  leaker-c itself (always "healthy"):
    $KUBECTL -n memleak-demo port-forward svc/leaker-c 8080:8080 9091:9090
  eBPF: scripts/ebpf-setup.sh installs Inspektor Gadget and checks the nodes' kernels;
  then Backstage's leaker-c page → Trace heap, or docs/EBPF_GUIDE.md by hand.
EOT
