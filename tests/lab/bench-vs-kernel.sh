#!/usr/bin/env bash
# The I/O benchmark: every forwarder on the same namespace lab (lab-up.sh: veth h1 → router
# namespace → h2) and the same generator (udp-blaster.c, AF_PACKET + sendmmsg, built here with cc,
# pinned to GEN_CORE with taskset), one after the other, in one run:
#
#   kernel-own   Linux forwarding (addresses on eth1..3, ip_forward=1) with RPS on the router's
#                ingress veths steering its receive and forwarding work to FWD_CORE: the kernel on
#                a core of its own, the fair comparison and the reference of every ratio
#   kernel-gen   the same without RPS: the kernel forwards inside the generator's system call and
#                softirq on GEN_CORE (the old figure; its CPU is the generator core's softirq time)
#   tpmd-afpkt   dpdk-testpmd, MAC forwarding only, af_packet PMD on eth1/eth2, lcores on FWD_CORE
#   tpmd-afxdp   dpdk-testpmd, MAC forwarding only, af_xdp PMD (copy mode on veth)
#   ar-default   ActorRouter on config/lab.conf as shipped
#   ar-afpkt     ActorRouter on a copy of config/lab.conf with driver = af-packet on every interface
#   ar-afxdp     ActorRouter on a copy of config/lab.conf with driver = af-xdp on every interface
#   ar-split, ar-collapsed   (not in the default set) config/lab.conf with data-plane.layout = split / collapsed
#
# h2 drops the blaster's UDP (port 9090) at its ingress hook with an nftables rule, so its own stack
# costs nothing and the rule's counter is the exact number of frames delivered. For each frame size
# (64 B and 1514 B, a 1500-byte IP packet) h1 blasts for SECONDS_PER_RUN seconds while h1 pings h2
# every 50 ms; the table gives per forwarder: the share of its core the generator got (well under
# 100 % means the machine was busy and the offered load was not the generator's best), offered pps
# (what the generator sent), delivered pps, loss, the forwarder's own CPU per delivered packet (utime+stime of its process from
# /proc/PID/stat; for the kernel the softirq time of its forwarding core from /proc/stat), the
# softirq time of all cores per delivered packet (the kernel's share of the work, for everyone),
# RTT at light load (20 pings, no blast) and RTT while loaded (avg of the pings during the blast,
# with their loss). A second table gives each figure as a ratio to kernel-own.
#
# Where the work lands: h1's veth hands each frame over on the generator's core; with RPS the
# kernel's receive path (forwarding, or the copy into an AF_PACKET socket's ring) runs on FWD_CORE
# for kernel-own only; for the other forwarders the receive softirq stays where the frame was sent
# (the generator's core; veth's native XDP, and with it AF_XDP's copy into the RX ring, too), and
# their transmit path's softirq (veth delivery into h2) is not in their process's CPU. The
# softirq row shows that work for every forwarder. RPS_ALL=1 steers the receive path to FWD_CORE
# for every forwarder (XDP excepted: it runs before RPS), so that it competes for the forwarder's core.
#
#   sudo tests/lab/bench-vs-kernel.sh
#   sudo SECONDS_PER_RUN=5 SIZES=64 FORWARDERS="kernel-own ar-afxdp" tests/lab/bench-vs-kernel.sh
#
# Knobs (environment): SECONDS_PER_RUN (3), SIZES ("64 1514"), FORWARDERS (all seven, in the order
# above), GEN_CORE (0), FWD_CORE (1), ROUTER_CPUS (empty: ActorRouter's threads placed as its
# configuration says; e.g. 1 to run the whole process on one core with taskset), TESTPMD
# (dpdk-testpmd: the command, or a path to another build), AF_PACKET_MODE
# (empty: as configured; latency|throughput for the af-packet interfaces), DATA_PLANE (empty; more
# data-plane settings for every ActorRouter column, e.g. "linger-milliseconds = 0"), RPS_ALL (0), SKIP_BUILD=1,
# INSTALL_PACKAGES (1: apt-get installs dpdk-testpmd with its PMDs and nftables when missing;
# 0: the testpmd columns are skipped with the install command, delivered falls back to rx_packets).
# A forwarder that cannot run here (no dpdk-testpmd, the AF_XDP driver compiled out, a PMD that
# does not open) gets its reason in the table instead of figures; the run goes on.
#
# Every step is bounded in time (timeout on each client, deadlines on every wait), and every
# namespace and process this script started is torn down on exit, failure and Ctrl-C included,
# by PID. The machine is shared: run it on a quiet machine for figures to compare across runs.
set -eu
[ "$(id -u)" -eq 0 ] || { echo "bench-vs-kernel.sh: needs root (sudo $0)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
DATA_PLANE=${DATA_PLANE:-}
SIZES=${SIZES:-"64 1514"}
ALL_FORWARDERS="kernel-own kernel-gen tpmd-afpkt tpmd-afxdp ar-default ar-afpkt ar-afxdp"
KNOWN_FORWARDERS="$ALL_FORWARDERS ar-split ar-collapsed"
FORWARDERS=${FORWARDERS:-$ALL_FORWARDERS}
GEN_CORE=${GEN_CORE:-0}
FWD_CORE=${FWD_CORE:-1}
ROUTER_CPUS=${ROUTER_CPUS:-}
AF_PACKET_MODE=${AF_PACKET_MODE:-}
INSTALL_PACKAGES=${INSTALL_PACKAGES:-1}
TESTPMD=${TESTPMD:-dpdk-testpmd}
RPS_ALL=${RPS_ALL:-0}
export LAB_PREFIX=${LAB_PREFIX:-arb}
R=$LAB_PREFIX-r H1=$LAB_PREFIX-h1 H2=$LAB_PREFIX-h2
BLAST_PORT=9090
DPDK_PACKAGES="dpdk-dev librte-net-af-packet23 librte-net-af-xdp23 librte-mempool-ring23"

for f in $FORWARDERS; do
  case " $KNOWN_FORWARDERS " in *" $f "*) ;; *) echo "bench-vs-kernel.sh: unknown forwarder $f (known: $KNOWN_FORWARDERS)" >&2; exit 2 ;; esac
done
for tool in cc ip ping taskset timeout dotnet awk; do
  command -v "$tool" >/dev/null || { echo "bench-vs-kernel.sh: needs $tool" >&2; exit 1; }
done
ncpu=$(nproc)
[ "$GEN_CORE" -lt "$ncpu" ] && [ "$FWD_CORE" -lt "$ncpu" ] && [ "$GEN_CORE" != "$FWD_CORE" ] ||
  { echo "bench-vs-kernel.sh: GEN_CORE and FWD_CORE must be two different cores below $ncpu" >&2; exit 2; }

work=$(mktemp -d)
forwarder_pid=""   # the router or testpmd this script started
ping_pid=""
stop_pid() {   # stop_pid PID SIGNAL: signal, wait up to 10 s, then SIGKILL; only our own PID
  local pid=$1 sig=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
teardown() {
  stop_pid "$ping_pid" TERM; ping_pid=""
  stop_pid "$forwarder_pid" "${forwarder_signal:-TERM}"; forwarder_pid=""
  "$here/lab-down.sh"
}
trap 'teardown; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

cc -O2 -Wall -o "$work/udp-blaster" "$here/udp-blaster.c"
needs_router=0
case " $FORWARDERS " in *" ar-"*) needs_router=1 ;; esac
if [ "$needs_router" = 1 ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the host (Release)…" >&2
  timeout 1200 dotnet build -c Release -nologo -v q "$repo/src/ActorRouter.Host" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
host_dll=$repo/src/ActorRouter.Host/bin/Release/net10.0/ActorRouter.Host.dll

apt_install() {   # apt_install PACKAGE...: bounded; refreshes the package lists once if the first try fails
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "$@" >>"$work/apt.log" 2>&1 && return 0
  timeout 300 apt-get update >>"$work/apt.log" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "$@" >>"$work/apt.log" 2>&1 || true
}

# dpdk-testpmd: Debian ships it in dpdk-dev, its PMDs in librte-net-* (loaded as plugins).
testpmd_missing=""
case " $FORWARDERS " in
  *" tpmd-"*)
    if ! command -v "$TESTPMD" >/dev/null; then
      if [ "$TESTPMD" = dpdk-testpmd ] && [ "$INSTALL_PACKAGES" = 1 ] && command -v apt-get >/dev/null; then
        echo "installing dpdk-testpmd: apt-get install $DPDK_PACKAGES" >&2
        # shellcheck disable=SC2086
        apt_install $DPDK_PACKAGES
      fi
      command -v "$TESTPMD" >/dev/null || testpmd_missing="no $TESTPMD (apt-get install $DPDK_PACKAGES)"
    fi ;;
esac

# nft drops the blaster's frames at h2's ingress (see lab_up); Debian's nftables when missing.
have_nft=0
if ! command -v nft >/dev/null && [ "$INSTALL_PACKAGES" = 1 ] && command -v apt-get >/dev/null; then
  apt_install nftables
fi
if command -v nft >/dev/null; then have_nft=1
else echo "bench-vs-kernel.sh: no nft (apt-get install nftables): delivered counts every frame h2 received, and h2's stack handles the blast" >&2
fi

# ---- counters ----
clk_tck=$(getconf CLK_TCK)
# delivered: packets h2's ingress drop rule has counted (only the blaster's UDP); without nft,
# every packet h2's eth0 received (the pings too, and h2's stack then handles the UDP itself)
delivered_count() {
  if [ "$have_nft" = 1 ]; then
    ip netns exec "$H2" nft list chain netdev bench ingress | sed -nE 's/.*counter packets ([0-9]+) .*/\1/p' | head -1
  else
    ip netns exec "$H2" cat /sys/class/net/eth0/statistics/rx_packets
  fi
}
softirq_jiffies() {   # softirq_jiffies CORE|all
  if [ "$1" = all ]; then awk '/^cpu /{print $8}' /proc/stat; else awk -v c="cpu$1" '$1 == c {print $8}' /proc/stat; fi
}
process_jiffies() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }   # utime+stime, fields 14+15

mac_of() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }

lab_up() {
  "$here/lab-up.sh" >/dev/null
  if [ "$have_nft" = 1 ]; then
    # Drop the blaster's frames at h2's ingress hook (before IP), counting them: h2's own stack
    # costs nothing and answers nothing, whatever forwards.
    ip netns exec "$H2" nft -f - <<NFT
table netdev bench {
  chain ingress {
    type filter hook ingress device "eth0" priority 0; policy accept;
    ip protocol udp udp dport $BLAST_PORT counter drop
  }
}
NFT
  fi
  [ -n "$(delivered_count)" ] || { echo "bench-vs-kernel.sh: the drop filter on $H2 shows no counter" >&2; exit 1; }
}

wait_for_ping() {
  local deadline=$((SECONDS + 20))
  while [ "$SECONDS" -lt "$deadline" ]; do
    ip netns exec "$H1" timeout 3 ping -n -c 1 -W 1 198.51.100.10 >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# ping_avg FILE, ping_loss FILE: the average RTT in ms and the loss in % from ping -q output
ping_avg() { awk -F/ '/^rtt/{print $5}' "$1"; }
ping_loss() { sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' "$1" | awk '{printf "%.0f", $1}'; }

declare -A results
# measure NAME CPU_SOURCE: CPU_SOURCE is "pid:PID" or "softirq:CORE"
measure() {
  local name=$1 cpu_source=$2 mac size
  mac=$(mac_of "$R" eth1)
  if ! wait_for_ping; then results[$name,skip]="no ping through it within 20 s"; return; fi
  ip netns exec "$H1" timeout 10 ping -n -q -c 20 -i 0.05 -W 1 198.51.100.10 >"$work/ping-light" 2>&1 || true
  results[$name,rtt]=$(ping_avg "$work/ping-light")
  local pings=$(( SECONDS_PER_RUN * 20 - 10 )); [ "$pings" -ge 5 ] || pings=5
  for size in $SIZES; do
    local d0 d1 c0 c1 s0 s1 line sent secs delivered
    d0=$(delivered_count); s0=$(softirq_jiffies all)
    case $cpu_source in pid:*) c0=$(process_jiffies "${cpu_source#pid:}") ;; softirq:*) c0=$(softirq_jiffies "${cpu_source#softirq:}") ;; esac
    ip netns exec "$H1" timeout $((SECONDS_PER_RUN + 10)) ping -n -q -c "$pings" -i 0.05 -W 1 198.51.100.10 >"$work/ping-loaded" 2>&1 &
    ping_pid=$!
    line=$(ip netns exec "$H1" timeout $((SECONDS_PER_RUN + 10)) taskset -c "$GEN_CORE" \
      "$work/udp-blaster" eth0 "$mac" 192.0.2.10 198.51.100.10 "$size" "$SECONDS_PER_RUN") || line=""
    sleep 0.3   # what is still in rings arrives
    d1=$(delivered_count); s1=$(softirq_jiffies all)
    case $cpu_source in pid:*) c1=$(process_jiffies "${cpu_source#pid:}") ;; softirq:*) c1=$(softirq_jiffies "${cpu_source#softirq:}") ;; esac
    wait "$ping_pid" 2>/dev/null || true; ping_pid=""
    case $line in sent=*) ;; *) results[$name,skip]="the generator failed at ${size}B"; return ;; esac
    sent=$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$line")
    secs=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")
    delivered=$((d1 - d0))
    results[$name,$size,gencpu]=$(awk -v c="$(sed -E 's/.*cpu=([0-9.]+).*/\1/' <<<"$line")" -v s="$secs" 'BEGIN{printf "%.0f", 100*c/s}')
    results[$name,$size,offered]=$(awk -v n="$sent" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
    results[$name,$size,delivered]=$(awk -v n="$delivered" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
    results[$name,$size,loss]=$(awk -v d="$delivered" -v s="$sent" 'BEGIN{x=(s > 0 ? 100*(s-d)/s : 0); if (x<0) x=0; printf "%.2f", x}')
    results[$name,$size,cpu]=$(awk -v j="$((c1 - c0))" -v t="$clk_tck" -v d="$delivered" 'BEGIN{ if (d > 0) printf "%.3f", (j/t)*1e6/d; else print "-" }')
    results[$name,$size,softirq]=$(awk -v j="$((s1 - s0))" -v t="$clk_tck" -v d="$delivered" 'BEGIN{ if (d > 0) printf "%.3f", (j/t)*1e6/d; else print "-" }')
    results[$name,$size,rtt]=$(ping_avg "$work/ping-loaded")
    results[$name,$size,rttloss]=$(ping_loss "$work/ping-loaded")
    echo "  $name ${size}B: $line delivered=$delivered loaded-ping: avg ${results[$name,$size,rtt]:-none} ms, ${results[$name,$size,rttloss]:-?}% lost" >&2
  done
}

# ---- the forwarders ----
# RPS on the router's veths: their receive softirq (the kernel's forwarding included) of both
# directions runs on FWD_CORE instead of the sender's core.
rps_to_forwarding_core() {
  local mask; mask=$(printf '%x' $((1 << FWD_CORE)))
  ip netns exec "$R" sh -c "echo $mask > /sys/class/net/eth1/queues/rx-0/rps_cpus && echo $mask > /sys/class/net/eth2/queues/rx-0/rps_cpus"
}

kernel_forwarding() {   # kernel_forwarding own|gen
  lab_up
  ip -n "$R" addr add 192.0.2.1/24 dev eth1
  ip -n "$R" addr add 198.51.100.1/24 dev eth2
  ip -n "$R" addr add 203.0.113.1/24 dev eth3
  ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=1
  local core=$GEN_CORE
  if [ "$1" = own ]; then core=$FWD_CORE; rps_to_forwarding_core; fi
  sleep 1.5   # veth carrier
  measure "kernel-$1" "softirq:$core"
}

testpmd() {   # testpmd af_packet|af_xdp
  local name=$2 pmd=$1
  if [ -n "$testpmd_missing" ]; then results[$name,skip]=$testpmd_missing; return; fi
  lab_up
  [ "$RPS_ALL" != 1 ] || rps_to_forwarding_core
  local vdevs
  if [ "$pmd" = af_packet ]; then
    vdevs="--vdev net_af_packet0,iface=eth1 --vdev net_af_packet1,iface=eth2"
  else
    vdevs="--vdev net_af_xdp0,iface=eth1,start_queue=0,queue_count=1 --vdev net_af_xdp1,iface=eth2,start_queue=0,queue_count=1"
  fi
  # testpmd answers no ARP: the hosts get the router's MACs as static neighbours, and MAC
  # forwarding rewrites each frame to the far host's MAC (--eth-peer) and the egress port's.
  ip -n "$H1" neigh replace 192.0.2.1 lladdr "$(mac_of "$R" eth1)" dev eth0
  ip -n "$H2" neigh replace 198.51.100.1 lladdr "$(mac_of "$R" eth2)" dev eth0
  # Both lcores (the idle main one and the forwarding one) on FWD_CORE; no hugepages: --no-huge
  # with a small mbuf pool, --no-shconf and a file prefix of our own so nothing stays behind.
  : >"$work/$name.log"
  # shellcheck disable=SC2086
  ip netns exec "$R" "$TESTPMD" --lcores "0@$FWD_CORE,1@$FWD_CORE" --main-lcore 0 --no-pci --no-huge --no-shconf \
    --file-prefix "arbench$$" -m 256 $vdevs -- --forward-mode=mac \
    --eth-peer="0,$(mac_of "$H1" eth0)" --eth-peer="1,$(mac_of "$H2" eth0)" \
    --nb-cores=1 --total-num-mbufs=32768 --auto-start --stats-period 3600 </dev/null >"$work/$name.log" 2>&1 &
  forwarder_pid=$! forwarder_signal=INT
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    grep -q "start packet forwarding\|Logical Core .* forwards packets" "$work/$name.log" && break
    kill -0 "$forwarder_pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! kill -0 "$forwarder_pid" 2>/dev/null || ! grep -q "forwards packets" "$work/$name.log"; then
    local why; why=$(grep -m1 -E "Cause:|Error|error|failed" "$work/$name.log" | tr -s ' ' | cut -c1-100)
    results[$name,skip]="testpmd did not start: ${why:-see its log}"
    echo "  $name: ${results[$name,skip]}" >&2; sed 's/^/    /' "$work/$name.log" | tail -15 >&2
    return
  fi
  measure "$name" "pid:$forwarder_pid"
}

actorrouter() {   # actorrouter NAME DRIVER|default [LAYOUT]
  local name=$1 driver=$2 layout=${3:-} conf="$work/$1.conf"
  if [ ! -f "$host_dll" ]; then results[$name,skip]="no $host_dll (build it or drop SKIP_BUILD)"; return; fi
  sed -e "s/port = 4054/port = 0/" "$repo/config/lab.conf" >"$conf"
  [ "$driver" = default ] || sed -i -E "s/driver = [a-z-]+/driver = $driver/" "$conf"
  [ -z "$layout" ] || sed -i -E "s/^( *)data-plane \{/&\n\1  layout = $layout/" "$conf"
  [ -z "$DATA_PLANE" ] || sed -i -E "s/^( *)data-plane \{/&\n\1  $DATA_PLANE/" "$conf"
  [ -z "$AF_PACKET_MODE" ] || sed -i -E "s/driver = af-packet,/driver = af-packet, af-packet-mode = $AF_PACKET_MODE,/" "$conf"
  lab_up
  [ "$RPS_ALL" != 1 ] || rps_to_forwarding_core
  local pin=()
  [ -z "$ROUTER_CPUS" ] || pin=(taskset -c "$ROUTER_CPUS")
  : >"$work/$name.log"
  ip netns exec "$R" "${pin[@]}" dotnet "$host_dll" --config "$conf" --stats-interval 3600 >"$work/$name.log" 2>&1 &
  forwarder_pid=$! forwarder_signal=TERM
  local deadline=$((SECONDS + 90))
  while [ "$SECONDS" -lt "$deadline" ]; do
    grep -q "router ready" "$work/$name.log" && break
    kill -0 "$forwarder_pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! grep -q "router ready: 3 of 3" "$work/$name.log"; then
    local why; why=$(grep -m1 -E "failed|error" "$work/$name.log" | tr -s ' ' | cut -c1-100)
    results[$name,skip]="router not up: ${why:-no 'router ready: 3 of 3' in 90 s}"
    echo "  $name: ${results[$name,skip]}" >&2; sed 's/^/    /' "$work/$name.log" | tail -15 >&2
    return
  fi
  measure "$name" "pid:$forwarder_pid"
}

for f in $FORWARDERS; do
  echo "== $f" >&2
  case $f in
    kernel-own) kernel_forwarding own ;;
    kernel-gen) kernel_forwarding gen ;;
    tpmd-afpkt) testpmd af_packet "$f" ;;
    tpmd-afxdp) testpmd af_xdp "$f" ;;
    ar-default) actorrouter "$f" default ;;
    ar-afpkt) actorrouter "$f" af-packet ;;
    ar-afxdp) actorrouter "$f" af-xdp ;;
    ar-split) actorrouter "$f" default split ;;
    ar-collapsed) actorrouter "$f" default collapsed ;;
  esac
  teardown
done

# ---- the table ----
cell() {   # cell NAME KEY: the figure, or "n/a" when the forwarder did not run
  if [ -n "${results[$1,skip]:-}" ]; then echo "n/a"; else echo "${results[$1,$2]:--}"; fi
}
ratio_cell() {   # ratio_cell NAME KEY: NAME's figure / kernel-own's
  local a b; a=$(cell "$1" "$2"); b=$(cell kernel-own "$2")
  awk -v a="$a" -v b="$b" 'BEGIN{ if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a/b; else print "-" }'
}
row() {   # row LABEL FUNCTION KEY
  local label=$1 fn=$2 key=$3 f
  printf '%-30s' "$label"
  for f in $FORWARDERS; do printf ' %11s' "$($fn "$f" "$key")"; done
  printf '\n'
}
header() {
  local f
  printf '\n%-30s' "$1"
  for f in $FORWARDERS; do printf ' %11s' "$f"; done
  printf '\n'
}
rows() {   # rows FUNCTION
  local size
  for size in $SIZES; do
    [ "$1" = ratio_cell ] || row "${size}B generator CPU % of core" "$1" "$size,gencpu"
    row "${size}B offered pps" "$1" "$size,offered"
    row "${size}B delivered pps" "$1" "$size,delivered"
    [ "$1" = ratio_cell ] || row "${size}B loss %" "$1" "$size,loss"
    row "${size}B CPU us/pkt (own)" "$1" "$size,cpu"
    row "${size}B softirq us/pkt (all)" "$1" "$size,softirq"
    row "${size}B RTT ms loaded" "$1" "$size,rtt"
    [ "$1" = ratio_cell ] || row "${size}B ping loss % loaded" "$1" "$size,rttloss"
  done
  row "RTT ms light load" "$1" rtt
}
header "$SECONDS_PER_RUN s per run, gen core $GEN_CORE"
rows cell
header "ratio to kernel-own"
rows ratio_cell
for f in $FORWARDERS; do
  [ -z "${results[$f,skip]:-}" ] || printf '%s: n/a: %s\n' "$f" "${results[$f,skip]}"
done
cat <<EOF

kernel-own: kernel forwarding, RPS to core $FWD_CORE | kernel-gen: kernel forwarding in the generator's softirq (core $GEN_CORE)
tpmd-afpkt/-afxdp: dpdk-testpmd --forward-mode=mac, af_packet / af_xdp PMD, lcores on core $FWD_CORE
ar-default: config/lab.conf as shipped ($(grep -oE 'driver = [a-z-]+' "$repo/config/lab.conf" | sort | uniq -c | awk '{printf "%s%s×%s", (NR>1?", ":""), $1, $4}' ; grep -oE 'ppe-threads = [0-9]+' "$repo/config/lab.conf" | sed 's/^/, /')) | ar-afpkt/-afxdp: the same with driver = af-packet / af-xdp${ROUTER_CPUS:+ | ActorRouter under taskset -c $ROUTER_CPUS}
generator CPU % of core: the share of core $GEN_CORE the generator got; well under 100 means the machine was busy
CPU us/pkt (own): the forwarder's CPU per delivered packet: utime+stime of its process (testpmd,
ActorRouter), softirq time of its forwarding core (kernel-own: core $FWD_CORE, kernel-gen: core $GEN_CORE).
softirq us/pkt (all): softirq time of every core per delivered packet: the kernel's part of the work
(veth delivery, packet sockets, XDP in copy mode) whoever forwards. The generator runs on core $GEN_CORE.
EOF
[ "$RPS_ALL" != 1 ] || echo "RPS_ALL=1: the receive path of every forwarder steered to core $FWD_CORE"
