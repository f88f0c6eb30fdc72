#!/usr/bin/env bash
#
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# Runs CMD next to a throwaway PostgreSQL cluster: a fresh data directory in a
# temp dir, listening on 127.0.0.1 on a random free port with trust auth.
# CMD sees the connection string in
#   BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING  (read by TestDatabases
#                                                              of @backstage/backend-test-utils)
#   MEMLEAK_TEST_PG_URL                                        (same server, `postgres` database)
# The cluster is stopped and deleted when the script exits; the exit code is CMD's.
#
# Environment:
#   PG_MAJOR   PostgreSQL major version to run (default 15, what the tests expect)
#   PG_BINDIR  directory with initdb/pg_ctl/postgres, when they live somewhere unusual

set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

PG_MAJOR="${PG_MAJOR:-15}"

log() { echo "with-postgres: $*" >&2; }

# Major version of a `postgres` binary, from "postgres (PostgreSQL) 15.14 (Debian ...)".
major_of() {
  "$1/postgres" --version 2>/dev/null | sed -nE 's/^[^0-9]*([0-9]+).*/\1/p'
}

# First directory that holds a working server of the wanted major version:
# an explicit PG_BINDIR, Debian's versioned layout, pg_config's answer, then PATH.
find_bindir() {
  local candidates=()
  [[ -n "${PG_BINDIR:-}" ]] && candidates+=("$PG_BINDIR")
  candidates+=("/usr/lib/postgresql/$PG_MAJOR/bin")
  if command -v pg_config >/dev/null 2>&1; then
    candidates+=("$(pg_config --bindir)")
  fi
  if command -v pg_ctl >/dev/null 2>&1; then
    candidates+=("$(dirname "$(command -v pg_ctl)")")
  fi
  local dir
  for dir in "${candidates[@]}"; do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] &&
      [[ "$(major_of "$dir")" == "$PG_MAJOR" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if ! BINDIR="$(find_bindir)"; then
  log "no PostgreSQL $PG_MAJOR server binaries found (tried PG_BINDIR, /usr/lib/postgresql/$PG_MAJOR/bin, pg_config, PATH)."
  log "On Debian: apt-get install postgresql-$PG_MAJOR"
  exit 127
fi

# initdb and postgres refuse to run as root, so the cluster belongs to the
# `postgres` account then; otherwise to whoever runs this script.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

WORKDIR="$(mktemp -d -t memleak-pg.XXXXXX)"
DATADIR="$WORKDIR/data"
LOGFILE="$WORKDIR/server.log"
if [[ "$(id -u)" -eq 0 ]]; then
  chown postgres: "$WORKDIR"
fi

started=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ $started -eq 1 ]]; then
    as_owner "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate -w stop >/dev/null 2>&1 ||
      log "could not stop the server (data dir $DATADIR)"
  fi
  rm -rf "$WORKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_owner "$BINDIR/initdb" -D "$DATADIR" -U postgres --auth=trust -E UTF8 \
  --no-locale --no-sync >"$WORKDIR/initdb.log" 2>&1 || {
  cat "$WORKDIR/initdb.log" >&2
  log "initdb failed"
  exit 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port can be taken between the check and the server's bind, so retry a few.
for _attempt in 1 2 3 4 5; do
  PORT=$((20000 + RANDOM % 40000))
  port_in_use "$PORT" && continue
  # Durability settings off: the cluster lives for one command.
  if as_owner "$BINDIR/pg_ctl" -D "$DATADIR" -l "$LOGFILE" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORKDIR -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
    started=1
    break
  fi
done

if [[ $started -ne 1 ]]; then
  cat "$LOGFILE" >&2 2>/dev/null || true
  log "could not start PostgreSQL"
  exit 1
fi

URL="postgresql://postgres@127.0.0.1:$PORT"
export "BACKSTAGE_TEST_DATABASE_POSTGRES${PG_MAJOR}_CONNECTION_STRING=$URL"
export MEMLEAK_TEST_PG_URL="$URL/postgres"
log "PostgreSQL $PG_MAJOR on 127.0.0.1:$PORT ($BINDIR)"

# CMD runs in the background (stdin kept) because bash defers traps while a
# foreground child runs; a TERM to this script is passed on, and the cluster is
# removed once CMD has gone.
"$@" <&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true' TERM
trap 'kill -INT "$child" 2>/dev/null || true' INT
set +e
while :; do
  wait "$child"
  rc=$?
  # `wait` also returns when a trapped signal arrives; keep waiting for CMD.
  kill -0 "$child" 2>/dev/null || break
done
exit "$rc"
