#!/usr/bin/env bash
# Installs Inspektor Gadget at the version memleak is tested with
# (testbed/IG_VERSION) and checks every node's kernel for what heap tracing
# needs: Linux >= 5.10 with BTF, and uprobes (trace_malloc probes libc).
#
# Usage: scripts/ebpf-setup.sh [--method auto|kubectl-gadget|manifests] [--check-only]
#                              [--skip-kernel-check] [--debug-image IMAGE] [--timeout DURATION]
#                              [--kubeconfig F] [--context C] [--dry-run]
#   --method auto            `kubectl gadget deploy` when kubectl-gadget is on PATH at the
#                            pinned version, else the pinned manifests (default)
#   --method kubectl-gadget  `kubectl gadget deploy` (its version must be the pinned one)
#   --method manifests       `kubectl apply -k manifests/inspektor-gadget` (the release manifest)
#   --check-only             install nothing; only check the nodes
#   --skip-kernel-check      install only
#   --debug-image IMAGE      image of the per-node check pods (default busybox:1.36.1)
#   --timeout DURATION       rollout and check timeout (default 180s)
#   --kubeconfig F, --context C   passed to kubectl (KUBECTL=/path picks the binary)
#   --dry-run                print the commands, run nothing
#   --help                   this text
# The kernel check runs one short-lived `kubectl debug node/…` pod per node (host
# filesystem at /host) and deletes it: it needs the right to create such pods.
# Exit codes: 0 installed and every node fit, 1 a step failed or a node lacks
# something, 2 bad usage, 3 a tool is missing.

set -euo pipefail
# shellcheck source=scripts/lib/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/demo.sh"

IG_VERSION="$(cat "$ROOT/testbed/IG_VERSION")"
METHOD=auto
INSTALL=1
CHECK=1
DEBUG_IMAGE=busybox:1.36.1
TIMEOUT=180s
while [ $# -gt 0 ]; do
  if kube_flag "$1" "${2:-}"; then shift 2; continue; fi
  case "$1" in
    --method) [[ "${2:-}" =~ ^(auto|kubectl-gadget|manifests)$ ]] || usage_error "--method is auto, kubectl-gadget or manifests"; METHOD="$2"; shift ;;
    --check-only) INSTALL=0 ;;
    --skip-kernel-check) CHECK=0 ;;
    --debug-image) [ -n "${2:-}" ] || usage_error "--debug-image needs a value"; DEBUG_IMAGE="$2"; shift ;;
    --timeout) [[ "${2:-}" =~ ^[0-9]+[smh]$ ]] || usage_error "--timeout is a duration like 180s or 5m"; TIMEOUT="$2"; shift ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
  shift
done
need_kubectl

# kubectl-gadget deploys the image of its own version: use it only at the pinned one.
gadget_plugin_version() { kubectl-gadget version 2>/dev/null | sed -nE 's/.*Client version: *(v[0-9][^ ]*).*/\1/p' | head -1; }

install_ig() {
  local method="$METHOD" version=""
  if [ "$method" != manifests ] && have kubectl-gadget; then version="$(gadget_plugin_version)"; fi
  if [ "$method" = auto ]; then
    if [ "$version" = "$IG_VERSION" ]; then
      method=kubectl-gadget
    else
      [ -z "$version" ] || say "kubectl-gadget is $version, not the pinned $IG_VERSION: using the pinned manifests"
      method=manifests
    fi
  fi
  if [ "$method" = kubectl-gadget ]; then
    need kubectl-gadget "the Inspektor Gadget kubectl plugin" "https://inspektor-gadget.io/docs/latest/reference/install-kubernetes (or --method manifests)"
    if [ "$DRY_RUN" = 0 ] && [ "$version" != "$IG_VERSION" ]; then
      die "kubectl-gadget is ${version:-of unknown version}, memleak is tested with $IG_VERSION: install that release or use --method manifests"
    fi
    kube gadget deploy
  else
    # The release manifest at the pinned version, downloaded by kustomize.
    kube apply -k "$ROOT/manifests/inspektor-gadget"
  fi
  kube -n gadget rollout status daemonset/gadget --timeout="$TIMEOUT"
}

# One node: kernel version from the API, then BTF and uprobe support from the
# node itself (a debug pod with the host's filesystem at /host).
# shellcheck disable=SC2016 # expanded on the node, not here
NODE_CHECK='k=$(uname -r); echo "kernel $k"; '\
'if [ -r /host/sys/kernel/btf/vmlinux ]; then echo "btf yes"; else echo "btf no"; fi; '\
'cfg=""; if [ -r /proc/config.gz ]; then cfg=$(zcat /proc/config.gz); elif [ -r "/host/boot/config-$k" ]; then cfg=$(cat "/host/boot/config-$k"); fi; '\
'if [ -z "$cfg" ]; then echo "uprobes unknown"; elif echo "$cfg" | grep -q "^CONFIG_UPROBE_EVENTS=y"; then echo "uprobes yes"; else echo "uprobes no"; fi'

kernel_at_least_5_10() { # version
  local major minor
  major="${1%%.*}"
  minor="${1#*.}"
  minor="${minor%%.*}"
  [ "$major" -gt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -ge 10 ]; }
}

check_node() { # node
  local node=$1 kernel out pod ok=0
  if [ "$DRY_RUN" = 1 ]; then
    kube get node "$node" -o 'jsonpath={.status.nodeInfo.kernelVersion}'
    kube debug "node/$node" --image="$DEBUG_IMAGE" --profile=general -- sh -c "$NODE_CHECK"
    echo "# then: wait for the debug pod to finish, read its log, delete it"
    return 0
  fi
  kernel="$(kube_query get node "$node" -o 'jsonpath={.status.nodeInfo.kernelVersion}')"
  if kernel_at_least_5_10 "$kernel"; then say "node $node: kernel $kernel (>= 5.10)"; else say "node $node: kernel $kernel is older than 5.10: Inspektor Gadget's gadgets need 5.10 with BTF"; ok=1; fi
  out="$(kube_query debug "node/$node" --image="$DEBUG_IMAGE" --profile=general -- sh -c "$NODE_CHECK" 2>&1)" ||
    { say "node $node: cannot start a debug pod: $out"; return 1; }
  pod="$(sed -nE 's/.*debugging pod ([^ ]+) with container.*/\1/p' <<<"$out" | head -1)"
  [ -n "$pod" ] || { say "node $node: cannot tell the debug pod's name from: $out"; return 1; }
  if kube_query wait --for=jsonpath='{.status.phase}'=Succeeded "pod/$pod" --timeout="$TIMEOUT" >/dev/null; then
    out="$(kube_query logs "pod/$pod")"
  else
    out=""
  fi
  kube_query delete "pod/$pod" --wait=false >/dev/null 2>&1 || true
  [ -n "$out" ] || { say "node $node: the check pod $pod did not finish (image $DEBUG_IMAGE pulled?)"; return 1; }
  case "$out" in
    *"btf yes"*) say "node $node: BTF present" ;;
    *) say "node $node: no /sys/kernel/btf/vmlinux: gadgets need a kernel built with CONFIG_DEBUG_INFO_BTF"; ok=1 ;;
  esac
  case "$out" in
    *"uprobes yes"*) say "node $node: uprobes supported (CONFIG_UPROBE_EVENTS=y)" ;;
    *"uprobes unknown"*) say "node $node: kernel config not readable; uprobe support unknown (trace_malloc will say if it cannot attach)" ;;
    *) say "node $node: kernel without CONFIG_UPROBE_EVENTS: trace_malloc cannot probe libc"; ok=1 ;;
  esac
  return $ok
}

[ "$INSTALL" = 0 ] || install_ig
failed=0
if [ "$CHECK" = 1 ]; then
  if [ "$DRY_RUN" = 1 ]; then
    kube get nodes -o name
    check_node NODE
  else
    for node in $(kube_query get nodes -o 'jsonpath={.items[*].metadata.name}'); do
      check_node "$node" || failed=1
    done
  fi
fi
[ "$failed" = 0 ] || die "some nodes cannot run heap traces (above)"
result "Inspektor Gadget $IG_VERSION$([ "$INSTALL" = 0 ] && echo " (not installed: --check-only)")$([ "$CHECK" = 1 ] && echo ", nodes checked")"
