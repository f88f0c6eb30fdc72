#!/usr/bin/env bash
# Removes the demo: namespace memleak-demo (leaker-c, Prometheus, Grafana) and
# Prometheus's cluster-wide RBAC. Keeps the Backstage RBAC and Inspektor
# Gadget unless asked, since other workloads may use them.
#
# Usage: scripts/cleanup.sh [--backstage-rbac] [--ebpf] [--all] [--timeout DURATION]
#                           [--kubeconfig F] [--context C] [--dry-run]
#   --backstage-rbac  also remove manifests/backstage-rbac's Roles, bindings and
#                     ServiceAccount (namespace backstage), but not namespace gadget
#   --ebpf            also remove Inspektor Gadget (namespace gadget and its cluster RBAC)
#   --all             both of the above
#   --timeout         how long to wait for the namespaces to go (default 180s)
#   --kubeconfig F, --context C   passed to kubectl (KUBECTL=/path picks the binary)
#   --dry-run         print the commands, run nothing
#   --help            this text
# Exit codes: 0 removed (or nothing was there), 1 a step failed, 2 bad usage, 3 a tool is missing.

set -euo pipefail
# shellcheck source=scripts/lib/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/demo.sh"

RBAC=0
EBPF=0
TIMEOUT=180s
while [ $# -gt 0 ]; do
  if kube_flag "$1" "${2:-}"; then shift 2; continue; fi
  case "$1" in
    --backstage-rbac) RBAC=1 ;;
    --ebpf) EBPF=1 ;;
    --all) RBAC=1; EBPF=1 ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+[smh]$ ]] || usage_error "--timeout is a duration like 180s or 5m"; TIMEOUT="$2"; shift ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
  shift
done
need_kubectl

# Everything manifests/base made, by name: the namespace takes its contents along.
kube delete -k "$ROOT/manifests/base" --ignore-not-found --wait=false
kube wait --for=delete namespace/memleak-demo --timeout="$TIMEOUT"

if [ "$RBAC" = 1 ]; then
  # Not `delete -k manifests/backstage-rbac`: that would delete namespace gadget,
  # and Inspektor Gadget with it.
  kube -n gadget delete rolebinding/backstage-gadget-client role/backstage-gadget-client --ignore-not-found
  kube delete namespace backstage --ignore-not-found --wait=false
  kube wait --for=delete namespace/backstage --timeout="$TIMEOUT"
fi

if [ "$EBPF" = 1 ]; then
  if have kubectl-gadget; then
    kube gadget undeploy
  else
    # The objects of the pinned release manifest, as ebpf-setup.sh applied them
    # (needs the network, like the install).
    kube delete -k "$ROOT/manifests/inspektor-gadget" --ignore-not-found --wait=false
    kube wait --for=delete namespace/gadget --timeout="$TIMEOUT"
  fi
fi
result "removed the demo$([ "$RBAC" = 1 ] && echo ", the Backstage RBAC")$([ "$EBPF" = 1 ] && echo ", Inspektor Gadget")"
