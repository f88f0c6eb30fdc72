#!/usr/bin/env bash
# Every test of the repository: installs what the suites need, builds the C
# parts, runs lint, type-check, Jest (SQLite and a throwaway PostgreSQL),
# leaker-c's suite and the browser end-to-end test, then prints one line
# `N passed, N failed` totalling all of them. Exit code 1 if anything failed.
#   scripts/test.sh            everything
#   scripts/test.sh jest ...   only the named suites (lint tsc testbed jest deploy
#                              e2e-cluster testbed-down leaker e2e); jest, deploy and
#                              e2e-cluster use the test bed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
SUITES=("$@")
[ ${#SUITES[@]} -eq 0 ] && SUITES=(lint tsc testbed jest deploy e2e-cluster testbed-down leaker e2e)

bash scripts/setup.sh test || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
export BACKSTAGE_TEST_DISABLE_DOCKER=1
# The kubernetes backend plugin loads @kubernetes/client-node (an ES module)
# with import(); Jest runs that only with VM modules on.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-vm-modules"
YARN=(node "$ROOT/.yarn/releases/yarn-4.18.1.cjs")
OUT="$ROOT/.memleak/test-results"
mkdir -p "$OUT"

PASSED=0
FAILED=0
SUMMARY=()
record() { # suite passed failed
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
  SUMMARY+=("$(printf '%-8s %4d passed, %d failed' "$1" "$2" "$3")")
}
# Records a suite from its own closing line `PREFIX: N passed, N failed` in FILE;
# a suite that printed no such line crashed, and counts as one failure.
record_summary() { # suite prefix file
  local line
  line="$(grep -E "^$2: [0-9]+ passed, [0-9]+ failed" "$3" | tail -1)"
  if [ -n "$line" ]; then
    record "$1" "$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")" \
      "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
  else
    record "$1" 0 1
  fi
}
banner() { printf '\n=== %s ===\n' "$1"; }

build() {
  make -s -C leaker-c && make -s -C plugins/memleak-backend/tracer
}

for suite in "${SUITES[@]}"; do
  case "$suite" in
    lint)
      banner "lint (Backstage eslint config)"
      if "${YARN[@]}" backstage-cli repo lint; then record lint 1 0; else record lint 0 1; fi
      ;;
    tsc)
      banner "type-check (tsc)"
      if "${YARN[@]}" tsc; then record tsc 1 0; else record tsc 0 1; fi
      ;;
    jest)
      banner "jest (SQLite + PostgreSQL, real eBPF)"
      build || { record jest 0 1; continue; }
      # Two runs: the fault tests (kubernetesPath.test.ts: they stop the API
      # server, kwok and ig and take RBAC away) alone, after the rest, so that
      # no other test file sees their faults.
      FAULTS=plugins/memleak-backend/src/kubernetesPath.test.ts
      rm -f "$OUT/jest.json" "$OUT/jest-faults.json"
      CI=true bash scripts/with-postgres.sh "${YARN[@]}" backstage-cli repo test \
        --testPathIgnorePatterns=kubernetesPath --json --outputFile="$OUT/jest.json"
      CI=true bash scripts/with-postgres.sh "${YARN[@]}" backstage-cli repo test \
        "$FAULTS" --json --outputFile="$OUT/jest-faults.json"
      for part in jest jest-faults; do
        if [ -s "$OUT/$part.json" ]; then
          # shellcheck disable=SC2016 # JavaScript, not shell
          read -r p f <<<"$(node -e '
            const r = require(process.argv[1]);
            // Suites that crashed before running tests count as failures too.
            console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites);
            if (r.numPendingTests) console.error(`jest: ${r.numPendingTests} skipped tests (not counted as passed)`);
          ' "$OUT/$part.json")"
          record "$part" "$p" "$f"
        else
          record "$part" 0 1
        fi
      done
      ;;
    leaker)
      banner "leaker-c (endpoints, Prometheus, eBPF, sanitizers, fuzz)"
      make -s -C leaker-c test 2>&1 | tee "$OUT/leaker.txt"
      record_summary leaker leaker-c "$OUT/leaker.txt"
      ;;
    e2e)
      banner "browser end-to-end (Chromium against the local portal)"
      build || { record e2e 0 1; continue; }
      node plugins/memleak/e2e/run.mjs 2>&1 | tee "$OUT/e2e.txt"
      record_summary e2e e2e "$OUT/e2e.txt"
      ;;
    e2e-cluster)
      banner "browser end-to-end on yarn dev --cluster (Chromium, the test bed)"
      node plugins/memleak/e2e/cluster.mjs 2>&1 | tee "$OUT/e2e-cluster.txt"
      record_summary e2e-cluster e2e-cluster "$OUT/e2e-cluster.txt"
      ;;
    testbed)
      banner "test bed (build the tools, then up, up again, down, up)"
      bash testbed/build.sh 2>&1 | tee "$OUT/testbed-build.txt" || { record testbed 0 1; continue; }
      bash testbed/test.sh 2>&1 | tee "$OUT/testbed.txt"
      record_summary testbed testbed "$OUT/testbed.txt"
      ;;
    testbed-down)
      banner "test bed down (nothing left behind)"
      bash testbed/test.sh down 2>&1 | tee "$OUT/testbed-down.txt"
      record_summary testbed-down testbed "$OUT/testbed-down.txt"
      ;;
    deploy)
      banner "deploy (manifests, Prometheus, dashboard, compose, scripts, docs, test bed)"
      make -s -C leaker-c || { record deploy 0 1; continue; }
      node deploy-tests/run.mjs 2>&1 | tee "$OUT/deploy.txt"
      record_summary deploy deploy "$OUT/deploy.txt"
      ;;
    *)
      echo "unknown suite $suite (lint tsc testbed jest deploy e2e-cluster testbed-down leaker e2e)"; record "$suite" 0 1 ;;
  esac
done

banner "summary"
printf '%s\n' "${SUMMARY[@]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
