# shellcheck shell=bash
# The test bed's parts, sourced by testbed.sh. Everything it makes lives under
# $STATE (.memleak/testbed, ignored by git), in network namespaces named mltb-*,
# and in processes whose pids are in $RUN.

STATE="${MEMLEAK_TESTBED_DIR:-$ROOT/.memleak/testbed}"
BIN="$STATE/bin"
RUN="$STATE/run"
LOGS="$STATE/logs"
PKI="$STATE/pki"
KUBECONFIG_ADMIN="$STATE/kubeconfig"
IG_VERSION="$(cat "$ROOT/testbed/IG_VERSION")"
GADGET_IMAGE="trace_malloc:$IG_VERSION"

# Loopback ports; none of them collides with the local portal's (3000, 7007, 18080, 19090).
ETCD_PORT="${MEMLEAK_TESTBED_ETCD_PORT:-23791}"
ETCD_PEER_PORT=$((ETCD_PORT + 10))
APISERVER_PORT="${MEMLEAK_TESTBED_APISERVER_PORT:-16443}"
KCM_PORT=10357
SCHEDULER_PORT=10359
KWOK_PORT="${MEMLEAK_TESTBED_KUBELET_PORT:-10350}"
IG_PORT_BASE="${MEMLEAK_TESTBED_IG_PORT_BASE:-18200}"
NODES=(memleak-node-1 memleak-node-2)
# Pod addresses: node N hands out 10.213.N.0/24; 10.213.0.1 is every pod's gateway (the host).
POD_NET=10.213
GATEWAY="$POD_NET.0.1"

log() { echo "testbed: $*"; }
die() {
  echo "testbed: $*" >&2
  exit 1
}
kctl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces for the pods, eBPF for Inspektor Gadget); run it with sudo"
}

# Waits until COMMAND succeeds, at most SECONDS; says what it waited for on failure.
wait_for() { # seconds what command...
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${limit} s waiting for $what (logs: $LOGS)"
    sleep 0.5
  done
}

# --- processes -------------------------------------------------------------

start_bg() { # name command...
  local name=$1
  shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

any_running() {
  local f
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    kill -0 "$(cat "$f")" 2>/dev/null && return 0
  done
  return 1
}

# Stops the process in $RUN/NAME.pid (TERM, then KILL after 10 s); false when none ran.
stop_pid() {
  local pidfile="$RUN/$1.pid" pid i
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  rm -f "$pidfile"
  kill -0 "$pid" 2>/dev/null || return 1
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -KILL "$pid" 2>/dev/null || true
  return 0
}

# --- what `up` needs before it starts anything ------------------------------

ensure_tools() {
  log "building the tools (seconds when Go's caches are warm; the first build is long)"
  bash "$ROOT/testbed/build.sh"
}

ensure_gadget_image() {
  if "$BIN/ig" image list 2>/dev/null | grep -q "trace_malloc.*${IG_VERSION}"; then
    return 0
  fi
  log "building the $GADGET_IMAGE gadget image"
  bash "$ROOT/testbed/gadget/build.sh"
}

ensure_leaker() {
  make -s -C "$ROOT/leaker-c"
}

# --- certificates and credentials ------------------------------------------

write_pki() {
  [ -f "$PKI/tokens.csv" ] && return 0
  mkdir -p "$PKI"
  (
    cd "$PKI" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=memleak-testbed-ca" 2>/dev/null
    serving_cert apiserver "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
    serving_cert kubelet "IP:127.0.0.1,DNS:localhost"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    # The admin's static token; the Backstage ServiceAccount gets a real one
    # from the TokenRequest API once the API server runs.
    echo "$(openssl rand -hex 24),admin,admin,system:masters" >tokens.csv
  )
  chmod 600 "$PKI"/*.key "$PKI/tokens.csv"
}

serving_cert() { # name subjectAltNames
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=memleak-testbed-$1" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 3650 \
    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$2") 2>/dev/null
  rm -f "$1.csr"
}

# A kubeconfig for the test bed's API server with a bearer token.
write_kubeconfig() { # file user token [namespace]
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: memleak-testbed
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority: $PKI/ca.crt
users:
  - name: $2
    user:
      token: $3
contexts:
  - name: memleak-testbed
    context: {cluster: memleak-testbed, user: $2${4:+, namespace: $4}}
current-context: memleak-testbed
EOF
  chmod 600 "$1"
}

write_kubeconfigs() {
  write_kubeconfig "$KUBECONFIG_ADMIN" admin "$(cut -d, -f1 "$PKI/tokens.csv")"
}

write_backstage_credentials() {
  kctl create token backstage -n backstage --duration=720h >"$STATE/backstage.token"
  chmod 600 "$STATE/backstage.token"
  # The same credential as a kubeconfig, for `memleak-trace --kubeconfig` and kubectl.
  write_kubeconfig "$STATE/backstage.kubeconfig" backstage "$(cat "$STATE/backstage.token")" memleak-demo
}

# --- the control plane -----------------------------------------------------

start_etcd() {
  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  rm -rf "$STATE/etcd"
  start_bg etcd "$BIN/etcd" --name testbed --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "testbed=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync=true
  wait_for 60 "etcd" curl -sf "http://127.0.0.1:$ETCD_PORT/health"
}

start_apiserver() {
  log "starting kube-apiserver on https://127.0.0.1:$APISERVER_PORT"
  start_bg kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --authorization-mode=Node,RBAC --token-auth-file="$PKI/tokens.csv" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --endpoint-reconciler-type=none \
    --kubelet-preferred-address-types=InternalIP --kubelet-certificate-authority="$PKI/ca.crt" \
    --profiling=false
  wait_for 120 "the API server to answer /readyz" \
    curl -sf --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(cut -d, -f1 "$PKI/tokens.csv")" \
    "https://127.0.0.1:$APISERVER_PORT/readyz"
}

# kube-controller-manager and kube-scheduler: Deployments make pods, pods get
# nodes, namespaces can be deleted, as in any cluster.
start_controllers() {
  log "starting kube-controller-manager and kube-scheduler"
  start_bg kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$KUBECONFIG_ADMIN" --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --leader-elect=false --use-service-account-credentials=false \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt"
  start_bg kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$KUBECONFIG_ADMIN" --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
    --leader-elect=false
}

# --- nodes: kwok is every node's kubelet -----------------------------------

create_nodes() {
  local i=1 node
  for node in "${NODES[@]}"; do
    kctl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $node
  labels:
    kubernetes.io/hostname: $node
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
  annotations:
    kwok.x-k8s.io/node: fake
spec:
  podCIDR: $POD_NET.$i.0/24
  podCIDRs: [$POD_NET.$i.0/24]
EOF
    i=$((i + 1))
  done
}

kwok_stage_files() {
  local src
  src="$(cd "$ROOT/testbed/tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  local f
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf '%s\n' "-c" "$src/kustomize/stage/$f"
  done
}

# Each node's gadget pod forwards its port 8080 to that node's ig daemon.
write_kwok_port_forwards() {
  local i=0 node
  : >"$STATE/kwok-port-forwards.yaml"
  for node in "${NODES[@]}"; do
    cat >>"$STATE/kwok-port-forwards.yaml" <<EOF
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: PortForward
metadata:
  name: gadget-$node
  namespace: gadget
spec:
  forwards:
    - ports: [8080]
      target:
        address: 127.0.0.1
        port: $((IG_PORT_BASE + i))
EOF
    i=$((i + 1))
  done
}

start_kwok() {
  log "starting kwok for ${NODES[*]} (kubelet API on 127.0.0.1:$KWOK_PORT)"
  write_kwok_port_forwards
  local stages
  mapfile -t stages < <(kwok_stage_files)
  start_bg kwok "$BIN/kwok" --kubeconfig="$KUBECONFIG_ADMIN" --manage-all-nodes=true \
    --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$PKI/kubelet.crt" --tls-private-key-file="$PKI/kubelet.key" \
    --cidr="$POD_NET.0.0/16" --node-lease-duration-seconds=40 \
    "${stages[@]}" -c "$STATE/kwok-port-forwards.yaml"
}

# --- Inspektor Gadget: one ig daemon per node, on loopback ------------------

start_ig_daemons() {
  local node
  for node in "${NODES[@]}"; do start_ig_daemon "$node"; done
}

# Inspektor Gadget attaches uprobes only after reading a file's inode through
# a kprobe; on a kernel without kprobes the stand-in relay (testbed/README.md)
# serves the node's port in front of the real daemon.
kernel_has_kprobes() { [ -e /sys/bus/event_source/devices/kprobe ]; }

start_ig_daemon() { # node
  local i
  for i in "${!NODES[@]}"; do
    [ "${NODES[$i]}" = "$1" ] || continue
    local port=$((IG_PORT_BASE + i))
    kernel_has_kprobes || port=$((IG_PORT_BASE + 50 + i))
    log "starting ig daemon for $1 on 127.0.0.1:$port"
    local ig=("$BIN/ig" daemon -H "tcp://127.0.0.1:$port"
      --verify-image=false --disallow-pulling=true --auto-mount-filesystems)
    if readlink /proc/1/ns/mnt >/dev/null 2>&1; then
      start_bg "ig-$1" "${ig[@]}"
    else
      # ig's LocalManager reads PID 1's namespaces to know the host. In some
      # sandboxes PID 1's are unreadable even to root; there ig gets a mount
      # namespace of its own where /proc/1 is a stand-in process of the host.
      alive ig-pid1 || start_bg ig-pid1 sleep infinity
      # shellcheck disable=SC2016 # expanded by the inner shell
      start_bg "ig-$1" unshare --mount --propagation private \
        bash -c 'mount --bind "/proc/$0" /proc/1 && exec "$@"' "$(cat "$RUN/ig-pid1.pid")" "${ig[@]}"
    fi
    wait_for 30 "ig daemon for $1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
    if ! kernel_has_kprobes; then
      log "this kernel has no kprobes: the stand-in relay serves $1's gadget port 127.0.0.1:$((IG_PORT_BASE + i))"
      start_bg "ig-relay-$1" "$BIN/ig" relay --listen "127.0.0.1:$((IG_PORT_BASE + i))" --upstream "127.0.0.1:$port"
      wait_for 30 "ig relay for $1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$((IG_PORT_BASE + i))"
    fi
    return 0
  done
  die "no node $1 (nodes: ${NODES[*]})"
}

# Starts one component again, for fault tests (`testbed.sh start NAME`).
start_component() { # name
  case "$1" in
    kube-apiserver) start_apiserver ;;
    kwok) start_kwok ;;
    ig-relay-*) die "start ig-${1#ig-relay-} instead (it starts its relay)" ;;
    ig-*) start_ig_daemon "${1#ig-}" ;;
    *) die "cannot start $1 alone (kube-apiserver, kwok, ig-NODE)" ;;
  esac
}

# --- objects: the project's manifests, plus what controllers we lack would make

deploy_objects() {
  log "applying manifests/base and manifests/backstage-rbac"
  wait_for 60 "the default ServiceAccount controller" kctl get serviceaccount default -n default
  kctl apply -k "$ROOT/manifests/base" >/dev/null
  kctl apply -k "$ROOT/manifests/backstage-rbac" >/dev/null
  # Inspektor Gadget's pods need what the privileged level allows.
  kctl label namespace gadget pod-security.kubernetes.io/enforce=privileged --overwrite >/dev/null
  wait_for 60 "ServiceAccount gadget/default" kctl get serviceaccount default -n gadget
  # Inspektor Gadget's DaemonSet would make one such pod per node (its image is
  # not available here); kwok's PortForward for each sends port 8080 to that
  # node's ig daemon.
  local node
  for node in "${NODES[@]}"; do
    kctl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: gadget-$node
  namespace: gadget
  labels:
    k8s-app: gadget
  annotations:
    testbed.memleak.dev/made-by: testbed.sh, as Inspektor Gadget's DaemonSet would make it
spec:
  nodeName: $node
  containers:
    - name: gadget
      image: inspektor-gadget:$IG_VERSION
      command: [/bin/gadgettracermanager, -serve]
EOF
  done
}

# --- the kubelet shim: runs leaker-c for every leaker pod kwok marks Running

start_kubelet_shim() {
  log "starting the pod runner (leaker-c in a network namespace per leaker pod)"
  mkdir -p "$RUN/pods"
  start_bg kubelet-shim bash "$ROOT/testbed/testbed.sh" kubelet-shim
}

pod_ns_name() { echo "mltb-${1:0:8}"; }   # uid → netns name
pod_veth_name() { echo "mltb${1:0:8}"; }  # uid → host-side veth (≤ 15 chars)

# Starts leaker-c for one pod: a network namespace holding the pod's IP, a veth
# to the host, and the pod's own environment.
run_pod() { # namespace name uid ip
  local ns=$1 name=$2 uid=$3 ip=$4 netns veth pid
  netns="$(pod_ns_name "$uid")"
  veth="$(pod_veth_name "$uid")"
  ip netns del "$netns" 2>/dev/null || true
  ip netns add "$netns"
  ip link add "$veth" type veth peer name eth0 netns "$netns"
  ip addr add "$GATEWAY/32" dev "$veth"
  ip link set "$veth" up
  ip route replace "$ip/32" dev "$veth" src "$GATEWAY"
  ip -n "$netns" link set lo up
  ip -n "$netns" addr add "$ip/32" dev eth0
  ip -n "$netns" link set eth0 up
  ip -n "$netns" route add "$GATEWAY/32" dev eth0
  ip -n "$netns" route add default via "$GATEWAY" dev eth0
  local envs=()
  mapfile -t envs < <(kctl get pod -n "$ns" "$name" \
    -o jsonpath='{range .spec.containers[0].env[*]}{.name}={.value}{"\n"}{end}' | grep -v '^$' || true)
  ip netns exec "$netns" env -i PATH=/usr/bin:/bin PORT=8080 METRICS_PORT=9090 "${envs[@]}" \
    "$ROOT/leaker-c/build/leaker" >"$LOGS/pod-$ns-$name.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid $ns $name $netns $ip" >"$RUN/pods/$uid"
  # Where the pod's process runs on the host: ig's pid filter needs it (see
  # testbed/README.md, "gadget params").
  kctl annotate pod -n "$ns" "$name" "testbed.memleak.dev/host-pid=$pid" --overwrite >/dev/null
}

stop_pod() { # uid
  local pid ns name netns
  read -r pid ns name netns _ <"$RUN/pods/$1"
  kill -TERM "$pid" 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
  rm -f "$RUN/pods/$1"
}

# Every pod, oldest first, a line each, tab-separated so that empty fields
# keep their place: namespace name uid phase ip image deletion node.
list_pods() {
  kctl get pods -A --sort-by=.metadata.creationTimestamp -o jsonpath='{range .items[*]}{.metadata.namespace}{"\t"}{.metadata.name}{"\t"}{.metadata.uid}{"\t"}{.status.phase}{"\t"}{.status.podIP}{"\t"}{.spec.containers[0].image}{"\t"}{.metadata.deletionTimestamp}{"\t"}{.spec.nodeName}{"\n"}{end}'
}

# The Running leaker pods of a list_pods listing: namespace name uid phase ip image.
leaker_pods() { # listing
  awk -F'\t' '$4 == "Running" && $5 != "" && $6 ~ /(^|\/)leaker-c(:|@|$)/ && $7 == "" { print $1, $2, $3, $4, $5, $6 }' <<<"$1"
}

# kwok forgets the IPs of the pods it already runs when it restarts (it
# marks an IP used only while a stage changes the pod) and hands them out
# again. A node never gives two pods one IP, so the younger pod of each pair
# gets a free IP of its node's range, counted down from the top, away from
# the addresses kwok hands out next. Succeeds only if it gave any pod a new IP.
reassign_duplicate_pod_ips() { # listing
  local dups ns name node ip cidr prefix used k free changed=1
  dups="$(awk -F'\t' '$5 != "" && $7 == "" { if (seen[$5]++) print $1, $2, $8, $5 }' <<<"$1")"
  [ -n "$dups" ] || return 1
  used="$(cut -f5 <<<"$1")"
  while read -r ns name node ip; do
    cidr="$(kctl get node "$node" -o jsonpath='{.spec.podCIDR}')" || continue
    prefix="${cidr%.*}"
    free=""
    for ((k = 254; k > 1; k--)); do
      grep -qx "$prefix.$k" <<<"$used" || { free="$prefix.$k"; break; }
    done
    [ -n "$free" ] || { log "no free IP in $cidr for pod $ns/$name"; continue; }
    log "kwok gave pod $ns/$name the IP $ip of an older pod; it gets $free"
    if kctl patch pod -n "$ns" "$name" --subresource=status --type=merge \
      -p "{\"status\":{\"podIP\":\"$free\",\"podIPs\":[{\"ip\":\"$free\"}]}}" >/dev/null; then
      used+=$'\n'"$free"
      changed=0
    else
      log "could not give pod $ns/$name a new IP"
    fi
  done <<<"$dups"
  return "$changed"
}

kubelet_shim_loop() {
  trap 'exit 0' TERM INT
  while true; do
    local all pods uid
    all="$(list_pods 2>/dev/null)" || {
      sleep 2
      continue
    }
    if reassign_duplicate_pod_ips "$all"; then
      all="$(list_pods 2>/dev/null)" || {
        sleep 2
        continue
      }
    fi
    pods="$(leaker_pods "$all")"
    while read -r ns name uid _ ip _; do
      [ -n "${uid:-}" ] || continue
      if [ ! -f "$RUN/pods/$uid" ]; then
        run_pod "$ns" "$name" "$uid" "$ip" || log "could not start pod $ns/$name"
      elif ! kill -0 "$(cut -d' ' -f1 "$RUN/pods/$uid")" 2>/dev/null ||
        [ "$(cut -d' ' -f5 "$RUN/pods/$uid")" != "$ip" ]; then
        # The process exited, or the pod's IP changed: a real kubelet would
        # restart the container (and the pod's network); the next round does.
        stop_pod "$uid"
      fi
    done <<<"$pods"
    for f in "$RUN"/pods/*; do
      [ -e "$f" ] || continue
      uid="$(basename "$f")"
      if grep -q " $uid " <<<"$pods"; then
        # Another pod's network going away takes a shared IP's route with it.
        ip route replace "$(cut -d' ' -f5 "$f")/32" dev "$(pod_veth_name "$uid")" src "$GATEWAY" 2>/dev/null || true
      else
        stop_pod "$uid"
      fi
    done
    sleep 2
  done
}

stop_leakers() {
  local any=1 f
  for f in "$RUN"/pods/*; do
    [ -e "$f" ] || continue
    stop_pod "$(basename "$f")"
    any=0
  done
  return $any
}

remove_netns() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '/^mltb-/ {print $1}'); do
    ip netns del "$ns" 2>/dev/null || true
  done
}

# --- readiness -------------------------------------------------------------

leakers_answer() {
  local name
  local names
  names="$(kctl get pods -n memleak-demo -l app.kubernetes.io/name=leaker-c -o jsonpath='{.items[*].metadata.name}')"
  [ -n "$names" ] || return 1
  for name in $names; do
    kctl get --raw "/api/v1/namespaces/memleak-demo/pods/$name:8080/proxy/health" >/dev/null || return 1
  done
}

wait_ready() {
  log "waiting for nodes Ready, pods Running and leaker-c answering through the API server"
  wait_for 90 "nodes Ready" kctl wait --for=condition=Ready node --all --timeout=5s
  wait_for 120 "the leaker-c rollout" kctl -n memleak-demo rollout status deployment/leaker-c --timeout=5s
  wait_for 60 "the gadget pods" kctl -n gadget wait --for=condition=Ready pod -l k8s-app=gadget --timeout=5s
  wait_for 60 "leaker-c's /health through pods/proxy" leakers_answer
}

# A port-forward through the API server to each gadget pod reaches ig's GetInfo.
check_gadget_through_api() {
  local node port pf out
  for node in "${NODES[@]}"; do
    out="$(mktemp)"
    kctl port-forward -n gadget "pod/gadget-$node" :8080 >"$out" 2>&1 &
    pf=$!
    wait_for 30 "kubectl port-forward to gadget-$node" grep -q "Forwarding from" "$out"
    port="$(sed -nE 's/^Forwarding from 127\.0\.0\.1:([0-9]+).*/\1/p' "$out" | head -1)"
    if ! "$BIN/ig" info --address "127.0.0.1:$port" --timeout 30s; then
      kill "$pf" 2>/dev/null || true
      die "ig on $node does not answer through the API server's port-forward (logs: $LOGS)"
    fi
    kill "$pf" 2>/dev/null || true
    wait "$pf" 2>/dev/null || true
    rm -f "$out"
  done
}
