#!/usr/bin/env bash
# The test bed's own life cycle, as a user runs it: `up` from nothing, `up`
# again (already up), `down` leaving no process, network namespace or link,
# a second `up` after `down`, which it leaves up for the suites that use it,
# and pods made after kwok restarts keeping IPs of their own.
# `test.sh down` ends it and checks that nothing is left.
# Ends with `testbed: N passed, N failed`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=testbed/lib.sh
source "$ROOT/testbed/lib.sh"
TB=(bash "$ROOT/testbed/testbed.sh")
PASSED=0
FAILED=0
check() { # description command...
  local what=$1
  shift
  if "$@"; then
    echo "  ok   $what"
    PASSED=$((PASSED + 1))
  else
    echo "  FAIL $what"
    FAILED=$((FAILED + 1))
  fi
}

# What `up` leaves on the machine; empty after `down`.
leftovers() {
  local f
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && echo "process $(basename "$f" .pid)"
  done
  pgrep -f "$BIN/(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|ig) " | sed 's/^/pid /'
  pgrep -f "$ROOT/leaker-c/build/leaker" | sed 's/^/leaker pid /'
  ip netns list 2>/dev/null | awk '/^mltb-/ {print "netns " $1}'
  ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^mltb/ {print "link " $2}'
}
nothing_left() {
  local left
  left="$(leftovers)"
  [ -z "$left" ] || { while read -r l; do echo "       left behind: $l"; done <<<"$left"; return 1; }
}

timed_up() { # label
  local start=$SECONDS
  "${TB[@]}" up >"$STATE/$1.log" 2>&1 || { tail -20 "$STATE/$1.log"; return 1; }
  echo "  ($1 took $((SECONDS - start)) s)"
}

# kwok forgets its pods' IPs when it restarts and hands them out again: the
# pods made afterwards must still get IPs no other pod holds, and every
# leaker must answer through pods/proxy. Leaves the demo at two replicas.
kwok_restart_keeps_pod_ips_apart() {
  local ok=1 pods ips p
  "${TB[@]}" stop kwok >/dev/null && "${TB[@]}" start kwok >/dev/null || return 1
  kctl -n memleak-demo scale deploy leaker-c --replicas=4 >/dev/null || return 1
  for _ in $(seq 45); do
    sleep 2
    pods="$(kctl -n memleak-demo get pods -l app.kubernetes.io/name=leaker-c \
      --field-selector=status.phase=Running -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')"
    ips="$(kctl get pods -A -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}' | grep -v '^$')"
    [ "$(grep -c . <<<"$pods")" -eq 4 ] || continue
    [ "$(sort <<<"$ips" | uniq -d)" = "" ] || continue
    ok=0
    for p in $pods; do
      kctl get --raw "/api/v1/namespaces/memleak-demo/pods/$p:8080/proxy/health" 2>/dev/null | grep -q healthy || ok=1
    done
    [ "$ok" -eq 0 ] && break
  done
  [ "$ok" -eq 0 ] || echo "       pods: $(tr '\n' ' ' <<<"$pods"); IPs: $(tr '\n' ' ' <<<"$ips")"
  kctl -n memleak-demo scale deploy leaker-c --replicas=2 >/dev/null || return 1
  kctl -n memleak-demo rollout status deploy/leaker-c --timeout=60s >/dev/null || return 1
  return "$ok"
}

mkdir -p "$LOGS"
if [ "${1:-}" = down ]; then
  check "down" bash -c "bash '$ROOT/testbed/testbed.sh' down >/dev/null"
  check "down leaves no process, network namespace or link" nothing_left
else
  echo "testbed: starting from nothing"
  "${TB[@]}" down >/dev/null 2>&1
  check "nothing of the test bed runs before up" nothing_left
  check "up from nothing" timed_up up-cold
  check "up twice says it is already up" bash -c "bash '$ROOT/testbed/testbed.sh' up | grep -q 'already up'"
  check "status lists the nodes Ready" bash -c "bash '$ROOT/testbed/testbed.sh' status | grep -q 'memleak-node-1 *Ready'"
  check "down" bash -c "bash '$ROOT/testbed/testbed.sh' down >/dev/null"
  check "down leaves no process, network namespace or link" nothing_left
  check "a second up after down" timed_up up-again
  check "after kwok restarts, new pods get IPs of their own and every leaker answers" kwok_restart_keeps_pod_ips_apart
fi
echo "testbed: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
