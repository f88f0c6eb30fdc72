#!/usr/bin/env bash
# The test bed: a real Kubernetes control plane and a real Inspektor Gadget on
# this machine, as plain processes (no containers). See testbed/README.md.
#   testbed.sh up           start everything, deploy the demo; returns when usable
#   testbed.sh down         stop exactly what `up` started, remove its namespaces and links
#   testbed.sh status       what runs, what the cluster holds
#   testbed.sh kubeconfig   print the admin kubeconfig's path
#   testbed.sh env          print shell exports (KUBECONFIG, the Backstage token)
#   testbed.sh stop NAME    stop one component (kube-apiserver, kwok, ig-NODE): fault tests
#   testbed.sh start NAME   start it again
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=testbed/lib.sh
source "$ROOT/testbed/lib.sh"

usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

cmd_up() {
  need_root
  if any_running; then
    echo "testbed: already up (testbed.sh status; testbed.sh down to stop it)"
    return 0
  fi
  local start=$SECONDS
  mkdir -p "$RUN" "$LOGS"
  ensure_tools
  ensure_gadget_image
  ensure_leaker
  write_pki
  start_etcd
  start_apiserver
  write_kubeconfigs
  start_controllers
  create_nodes
  start_kwok
  start_ig_daemons
  deploy_objects
  start_kubelet_shim
  wait_ready
  write_backstage_credentials
  check_gadget_through_api
  echo "testbed: up in $((SECONDS - start)) s"
  echo "  admin kubeconfig:     $KUBECONFIG_ADMIN"
  echo "  Backstage token:      $STATE/backstage.token (ServiceAccount backstage/backstage)"
  echo "  API server:           https://127.0.0.1:$APISERVER_PORT"
}

cmd_down() {
  need_root
  local any=0
  # The shim first, so it does not restart what is being stopped.
  for name in kubelet-shim kwok kube-scheduler kube-controller-manager; do
    stop_pid "$name" && any=1
  done
  stop_leakers && any=1
  for pidfile in "$RUN"/ig-*.pid; do
    [ -e "$pidfile" ] || continue
    stop_pid "$(basename "$pidfile" .pid)" && any=1
  done
  stop_pid ig-pid1 || true
  stop_pid kube-apiserver && any=1
  stop_pid etcd && any=1
  remove_netns
  rm -rf "$STATE/etcd" "$RUN"
  [ "$any" = 1 ] && echo "testbed: down" || echo "testbed: was not up"
}

cmd_status() {
  local up=0
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    local name pid
    name="$(basename "$pidfile" .pid)"
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      printf '  %-26s running (pid %s)\n' "$name" "$pid"
      up=1
    else
      printf '  %-26s not running\n' "$name"
    fi
  done
  if [ "$up" = 0 ]; then
    echo "testbed: down"
    return 3
  fi
  kctl get nodes -o wide 2>&1 | sed 's/^/  /' || true
  kctl get pods -A -o wide 2>&1 | sed 's/^/  /' || true
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kubeconfig) echo "$KUBECONFIG_ADMIN" ;;
  env)
    echo "export KUBECONFIG=$KUBECONFIG_ADMIN"
    echo "export MEMLEAK_TESTBED_TOKEN=$(cat "$STATE/backstage.token" 2>/dev/null)"
    ;;
  stop)
    need_root
    stop_pid "${2:?testbed.sh stop NAME}" || die "$2 was not running"
    ;;
  start)
    need_root
    alive "${2:?testbed.sh start NAME}" && die "$2 is already running"
    start_component "$2"
    ;;
  kubelet-shim) kubelet_shim_loop ;; # internal: started by `up`
  -h | --help | help | "") usage ;;
  *)
    echo "testbed: unknown command $1" >&2
    usage >&2
    exit 2
    ;;
esac
