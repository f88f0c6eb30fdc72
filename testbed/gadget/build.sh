#!/usr/bin/env bash
# Builds the trace_malloc gadget image from the gadget source in the pinned
# Inspektor Gadget module, with IG's own image builder (`ig image build --local`),
# into ig's local OCI store. Nothing is pulled from an image registry.
#
# IG's builder calls `clang` with /usr/include/gadget and the system libbpf
# headers. Debian 12's libbpf headers (1.1) lack what IG's headers use
# (BPF_UPROBE, PT_REGS_PARM6_CORE_SYSCALL), so a clang shim first on PATH adds
# libbpf 1.3's headers (from the libbpf-sys crate) and IG's headers (from the
# Go module cache) to the include path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${MEMLEAK_TESTBED_DIR:-$ROOT/.memleak/testbed}"
BIN="$STATE/bin"
WORK="$STATE/gadget"
IMAGE="trace_malloc:$(cat "$ROOT/testbed/IG_VERSION")"

need() { command -v "$1" >/dev/null || { echo "gadget: $1 not found ($2)" >&2; exit 1; }; }
need cargo "install Rust's cargo, or run scripts/setup.sh testbed"
[ -x "$BIN/ig" ] || { echo "gadget: $BIN/ig missing; run testbed/build.sh ig" >&2; exit 1; }
CLANG="$(command -v clang-19 || command -v clang || true)"
STRIP="$(command -v llvm-strip-19 || command -v llvm-strip || true)"
if [ -z "$CLANG" ] || [ -z "$STRIP" ]; then
  echo "gadget: clang and llvm-strip are needed (apt-get install clang-19 llvm-19)" >&2
  exit 1
fi

IG_SRC="$(cd "$ROOT/testbed/tools/ig" && go list -m -f '{{.Dir}}' github.com/inspektor-gadget/inspektor-gadget)"
[ -d "$IG_SRC/gadgets/trace_malloc" ] || (cd "$ROOT/testbed/tools/ig" && go mod download github.com/inspektor-gadget/inspektor-gadget)

# libbpf headers: the crate's vendored libbpf source, headers only.
HEADERS="$WORK/include"
if [ ! -f "$HEADERS/bpf/bpf_tracing.h" ]; then
  manifest="$ROOT/testbed/gadget/libbpf-headers/Cargo.toml"
  cargo fetch --locked --manifest-path "$manifest" >/dev/null
  version="$(sed -nE 's/^libbpf-sys = \{ version = "=([^"]+)".*/\1/p' "$manifest")"
  # The crate is named libbpf-sys-VERSION+vLIBBPF_VERSION.crate.
  crate="$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "libbpf-sys-$version+*.crate" | head -1)"
  [ -n "$crate" ] || { echo "gadget: cargo fetched no libbpf-sys $version" >&2; exit 1; }
  mkdir -p "$HEADERS/bpf" "$WORK/crate"
  tar -xzf "$crate" -C "$WORK/crate" --wildcards '*/libbpf/src/*.h'
  cp "$WORK"/crate/*/libbpf/src/*.h "$HEADERS/bpf/"
  rm -rf "$WORK/crate"
fi

# The shim: IG passes -I/usr/include/gadget/<arch>/; point it at the module's copy.
mkdir -p "$WORK/shim"
cat >"$WORK/shim/clang" <<SHIM
#!/usr/bin/env bash
args=()
for a in "\$@"; do args+=("\${a/#\/usr\/include\/gadget\//$IG_SRC/include/gadget/}"); done
exec "$CLANG" -I "$HEADERS" -I "$IG_SRC/include" "\${args[@]}"
SHIM
# A script, not a symlink: TechDocs refuses a tree with links leading out of it.
printf '#!/bin/sh\nexec %s "$@"\n' "$STRIP" >"$WORK/shim/llvm-strip"
chmod +x "$WORK/shim/clang" "$WORK/shim/llvm-strip"

SRC="$WORK/trace_malloc"
rm -rf "$SRC" && mkdir -p "$SRC"
cp "$IG_SRC/gadgets/trace_malloc/program.bpf.c" "$IG_SRC/gadgets/trace_malloc/gadget.yaml" "$SRC/"
chmod -R u+w "$SRC"
echo "gadget: building $IMAGE"
PATH="$WORK/shim:$PATH" "$BIN/ig" image build --local -t "$IMAGE" "$SRC"
