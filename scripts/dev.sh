#!/usr/bin/env bash
# The local portal: installs what is missing, then the Backstage dev frontend
# (localhost:3000) and backend (localhost:7007). Ctrl-C stops everything.
#   scripts/dev.sh            builds leaker-c and the eBPF tracer, starts leaker-c
#                             here and traces it as a local process (no Go needed)
#   scripts/dev.sh --cluster  against the Kubernetes test bed (testbed/README.md;
#                             brought up if it is not): the kubernetes backend
#                             plugin, the Kubernetes tab, and leaker-c's pods
#                             traced through the Kubernetes API and Inspektor Gadget
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CLUSTER=0
for arg in "$@"; do
  case "$arg" in
    --cluster) CLUSTER=1 ;;
    -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "dev: unknown argument $arg (--cluster, --help)" >&2; exit 2 ;;
  esac
done

if [ -z "${MEMLEAK_SKIP_SETUP:-}" ]; then
  if [ "$CLUSTER" = 1 ]; then bash scripts/setup.sh testbed; else bash scripts/setup.sh dev; fi
fi
mkdir -p .memleak

# mkdocs with techdocs-core (scripts/setup.sh): the TechDocs backend runs it
# to build leaker-c's docs.
TECHDOCS_VENV="$ROOT/.memleak/techdocs/venv/bin"
if [ -x "$TECHDOCS_VENV/mkdocs" ]; then
  export PATH="$TECHDOCS_VENV:$PATH"
else
  echo "dev: no mkdocs in .memleak/techdocs/venv — TechDocs will not build (run scripts/setup.sh dev)" >&2
fi

CONFIG_ARGS=()
if [ "$CLUSTER" = 1 ]; then
  TESTBED="${MEMLEAK_TESTBED_DIR:-$ROOT/.memleak/testbed}"
  if ! bash testbed/testbed.sh status >/dev/null 2>&1; then
    echo "dev: the test bed is down; bringing it up (testbed/testbed.sh up)"
    bash testbed/testbed.sh up
  fi
  [ -s "$TESTBED/backstage.token" ] || { echo "dev: no $TESTBED/backstage.token: is the test bed up?" >&2; exit 1; }
  # The test bed's cluster for the kubernetes backend plugin (its
  # ServiceAccount's token), and memleak's gadget params for it. Written
  # here because the token and paths are this machine's.
  CLUSTER_CONFIG="$ROOT/.memleak/dev-cluster/app-config.yaml"
  mkdir -p "$(dirname "$CLUSTER_CONFIG")"
  (
    umask 077
    cat >"$CLUSTER_CONFIG" <<EOF
# Written by scripts/dev.sh --cluster; loaded after app-config.yaml.
backend:
  server:
    # The kubernetes proxy serves port-forward WebSockets from its request
    # handler: Node's default timeouts would cut every trace after 60 s.
    headersTimeout: 0
    requestTimeout: 0
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: testbed
          url: https://127.0.0.1:${MEMLEAK_TESTBED_APISERVER_PORT:-16443}
          authProvider: serviceAccount
          serviceAccountToken: $(cat "$TESTBED/backstage.token")
          caFile: $TESTBED/pki/ca.crt
          skipMetricsLookup: true
memleak:
  # No local process: leaker-c is traced as the pods its annotations select.
  localTargets: []
  kubernetes:
    clusters:
      - name: testbed
        gadgetParams:
          - name: operator.LocalManager.host
            value: 'true'
          - name: operator.oci.ebpf.pid
            value: '{pod.annotations.testbed.memleak.dev/host-pid}'
EOF
  )
  CONFIG_ARGS=(--config "$ROOT/app-config.yaml" --config "$CLUSTER_CONFIG")
  export MEMLEAK_DEV_CLUSTER=1
  echo "dev: against the test bed (https://127.0.0.1:${MEMLEAK_TESTBED_APISERVER_PORT:-16443}); leaker-c runs as its pods in memleak-demo"
else
  make -s -C leaker-c
  make -s -C plugins/memleak-backend/tracer
  if [ -f .memleak/leaker.pid ] && kill -0 "$(cat .memleak/leaker.pid)" 2>/dev/null; then
    kill "$(cat .memleak/leaker.pid)" 2>/dev/null || true
    sleep 1
  fi
  PORT=18080 METRICS_PORT=19090 BIND_ADDR=127.0.0.1 PID_FILE="$ROOT/.memleak/leaker.pid" \
    leaker-c/build/leaker >.memleak/leaker.log 2>&1 &
  LEAKER=$!
  trap 'kill $LEAKER 2>/dev/null || true' EXIT
  echo "dev: leaker-c running as pid $LEAKER (health http://127.0.0.1:18080/health, metrics http://127.0.0.1:19090/metrics)"
  if [ "$(id -u)" -ne 0 ]; then
    echo "dev: not root — the portal works, but heap traces need root (or CAP_BPF+CAP_PERFMON) and will say so."
  fi
fi
echo "dev: open http://localhost:3000 once the frontend has compiled"
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
node .yarn/releases/yarn-4.18.1.cjs start "${CONFIG_ARGS[@]}"
