#!/usr/bin/env bash
# Builds the leaker-c container image (leaker-c/Dockerfile) with docker or podman.
#
# Usage: scripts/build.sh [--image-name NAME[:TAG]] [--engine docker|podman] [--push] [--dry-run]
#   --image-name NAME[:TAG]  image to build (default leaker-c:<version in leaker-c/Makefile>;
#                            a NAME without a tag gets that version)
#   --engine docker|podman   container engine (default: docker if present, else podman)
#   --push                   push the image afterwards (for a registry; log in first)
#   --dry-run                print the commands, run nothing
#   --help                   this text
# Exit codes: 0 built, 1 a step failed, 2 bad usage, 3 a tool is missing.

set -euo pipefail
# shellcheck source=scripts/lib/demo.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/demo.sh"

IMAGE="$DEFAULT_IMAGE"
ENGINE=""
PUSH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --image-name) [ -n "${2:-}" ] || usage_error "--image-name needs a value"; IMAGE="$(with_tag "$2")"; shift ;;
    --engine) [[ "${2:-}" =~ ^(docker|podman)$ ]] || usage_error "--engine is docker or podman"; ENGINE="$2"; shift ;;
    --push) PUSH=1 ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
  shift
done

if [ -z "$ENGINE" ]; then
  if have docker; then ENGINE=docker; elif have podman; then ENGINE=podman; else ENGINE=docker; fi
fi
need "$ENGINE" "to build the image" "install Docker (https://docs.docker.com/engine/install/) or Podman, or pass --engine"

# The Dockerfile itself refuses a binary that eBPF could not see (static or
# stripped): see leaker-c/README.md, "Why not -static -s".
run "$ENGINE" build -t "$IMAGE" "$ROOT/leaker-c"
if [ "$PUSH" = 1 ]; then
  run "$ENGINE" push "$IMAGE"
fi
result "built $IMAGE"
