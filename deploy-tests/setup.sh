#!/usr/bin/env bash
# Installs what the deploy checks need, all under ignored paths; a part whose
# lock file did not change since it was installed is left as it is.
#   deploy-tests/node_modules   npm ci: kubernetes-models, yaml, @grafana/schema, typescript
#   .memleak/deploy-tests/bin   prometheus, promtool, compose-check (build-tools.sh; Go)
#   .memleak/techdocs/venv      mkdocs with techdocs-core (pip, deploy-tests/techdocs/requirements.txt)
#   .memleak/techdocs/cli       @techdocs/cli (npm ci)
#   deploy-tests/setup.sh [node] [tools] [mkdocs] [techdocs]    default: node tools techdocs
# (mkdocs is the venv alone, what a TechDocs backend generating locally needs
# on its PATH; techdocs is the venv and the CLI.)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/deploy-tests"
TD="$ROOT/.memleak/techdocs"

# True when STAMPFILE holds the hash of FILES; record() writes it after an install.
fresh() { # stampfile files...
  local stamp="$1"
  shift
  [ "$(cat "$stamp" 2>/dev/null)" = "$(cat "$@" | sha256sum)" ]
}
record() { # stampfile files...
  local stamp="$1"
  shift
  cat "$@" | sha256sum >"$stamp"
}

node_deps() {
  local stamp="$HERE/node_modules/.memleak-stamp"
  fresh "$stamp" "$HERE/package-lock.json" && return 0
  echo "deploy-setup: npm ci (deploy-tests)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
  record "$stamp" "$HERE/package-lock.json"
}

mkdocs_venv() {
  local req="$HERE/techdocs/requirements.txt"
  if ! fresh "$TD/venv/.memleak-stamp" "$req"; then
    echo "deploy-setup: mkdocs + techdocs-core into $TD/venv"
    rm -rf "$TD/venv"
    # --copies: TechDocs refuses to build a source tree (here the repository)
    # holding a symlink that leads outside it, as a venv's python does.
    python3 -m venv --copies "$TD/venv" || {
      echo "deploy-setup: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
      exit 1
    }
    "$TD/venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    record "$TD/venv/.memleak-stamp" "$req"
  fi
}

techdocs() {
  local lock="$HERE/techdocs/package-lock.json"
  mkdocs_venv
  if ! fresh "$TD/cli/.memleak-stamp" "$lock"; then
    echo "deploy-setup: @techdocs/cli into $TD/cli"
    mkdir -p "$TD/cli"
    cp "$HERE/techdocs/package.json" "$lock" "$TD/cli/"
    # No install scripts: generate needs none, and they would compile
    # better-sqlite3 for minutes.
    (cd "$TD/cli" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    record "$TD/cli/.memleak-stamp" "$lock"
  fi
}

PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(node tools techdocs)
for part in "${PARTS[@]}"; do
  case "$part" in
    node) node_deps ;;
    tools) bash "$HERE/build-tools.sh" ;;
    mkdocs) mkdocs_venv ;;
    techdocs) techdocs ;;
    *) echo "deploy-setup: unknown part $part (node tools mkdocs techdocs)" >&2; exit 2 ;;
  esac
done
