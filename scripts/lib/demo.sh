# shellcheck shell=bash
# Shared by the demo's scripts (build, import-image, deploy, ebpf-setup,
# cleanup, build-and-deploy): dry runs, tool checks, kubectl flags.
# Exit codes: 0 done, 1 a step failed, 2 bad usage, 3 a tool is missing.

# The variables below are read by the scripts that source this file.
# shellcheck disable=SC2034
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SCRIPT="$(basename "$0")"
DRY_RUN=0
# The kubectl to use (KUBECTL=/path/to/kubectl) and flags for every call.
KUBECTL="${KUBECTL:-kubectl}"
KUBECTL_FLAGS=()
# The image everything defaults to: leaker-c at the version its Makefile builds.
LEAKER_VERSION="$(sed -n 's/^VERSION *?= *//p' "$ROOT/leaker-c/Makefile")"
DEFAULT_IMAGE="leaker-c:${LEAKER_VERSION}"

say() { echo "$SCRIPT: $*"; }
die() { # message [exit code]
  echo "$SCRIPT: $1" >&2
  exit "${2:-1}"
}
usage_error() {
  echo "$SCRIPT: $1 (--help for usage)" >&2
  exit 2
}

# Prints the command, shell-quoted, then runs it unless this is a dry run.
run() {
  echo "+ $(quote "$@")"
  [ "$DRY_RUN" = 1 ] || "$@"
}
quote() {
  local out="" a
  for a in "$@"; do
    # Braces only without commas: {a,b} would be brace-expanded when pasted.
    if [[ "$a" =~ ^[A-Za-z0-9_./:=@%+,{}-]+$ && ! ("$a" == *[{}]* && "$a" == *,*) ]]; then
      out+=" $a"
    elif [[ "$a" != *"'"* ]]; then
      out+=" '$a'"
    else
      out+=" $(printf '%q' "$a")"
    fi
  done
  echo "${out# }"
}

have() { command -v "$1" >/dev/null 2>&1; }
# Stops with what to install when TOOL is missing. In a dry run it only says
# so: the commands are still printed, and a real run would stop here.
need() { # tool what-it-is-for how-to-get-it
  have "$1" && return 0
  if [ "$DRY_RUN" = 1 ]; then
    echo "# note: $1 is not on PATH ($2); a real run would stop here"
    return 0
  fi
  die "$1 is needed ($2) but is not on PATH: $3" 3
}
need_kubectl() {
  need "$KUBECTL" "to talk to the cluster" "install kubectl (https://kubernetes.io/docs/tasks/tools/) or set KUBECTL=/path/to/kubectl"
}
kube() { run "$KUBECTL" "${KUBECTL_FLAGS[@]}" "$@"; }
# kubectl whose output the script reads: also runs in a dry run, when possible.
kube_query() { "$KUBECTL" "${KUBECTL_FLAGS[@]}" "$@"; }

# Parses --kubeconfig/--context into KUBECTL_FLAGS; returns 1 if not one of them.
kube_flag() { # flag value
  case "$1" in
    --kubeconfig | --context)
      [ -n "${2:-}" ] || usage_error "$1 needs a value"
      KUBECTL_FLAGS+=("$1=$2")
      ;;
    *) return 1 ;;
  esac
}

# NAME or NAME:TAG → NAME:TAG (the default tag is leaker-c's version).
with_tag() {
  local last="${1##*/}"
  if [[ "$last" == *:* || "$1" == *@* ]]; then echo "$1"; else echo "$1:$LEAKER_VERSION"; fi
}

# The usage text: the script's header comment, from line 2 to the first blank line.
usage() { awk 'NR > 1 && /^$/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

# The closing line: what was done, or that a dry run did nothing.
result() {
  if [ "$DRY_RUN" = 1 ]; then say "dry run: nothing was run (would have: $*)"; else say "$*"; fi
}
