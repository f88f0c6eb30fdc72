#!/usr/bin/env bash
# The local portal: installs what is missing, builds leaker-c and the eBPF
# tracer, starts leaker-c, then the Backstage dev frontend (localhost:3000)
# and backend (localhost:7007). Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -n "${MEMLEAK_SKIP_SETUP:-}" ] || bash scripts/setup.sh dev
make -s -C leaker-c
make -s -C plugins/memleak-backend/tracer

mkdir -p .memleak
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
echo "dev: open http://localhost:3000 once the frontend has compiled"
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
node .yarn/releases/yarn-4.18.1.cjs start
