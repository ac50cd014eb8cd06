#!/usr/bin/env bash
# ActorRouter against the Linux kernel, side by side, on the same namespace lab (lab-up.sh) and
# the same generator (udp-blaster.c, AF_PACKET + sendmmsg, built here with cc):
#
#   (a) kernel:      addresses on the router namespace's eth1..3, ip_forward=1
#   (b) ActorRouter: the Release host in the router namespace on config/lab.conf, kernel unaddressed
#
# For 64-byte and 1514-byte frames (a 1500-byte IP packet), h1 blasts UDP to h2 for SECONDS and
# we read: delivered packets/s at h2 (rx_packets delta of h2's eth0), loss (sent - delivered),
# CPU seconds per million delivered packets (busy time of all CPUs from /proc/stat, whole machine,
# generator included; and the same without the generator's own CPU), and the ping RTT at light
# load (ping -c 20 -i 0.05). Prints a table with the ratio ActorRouter/kernel.
#
#   sudo tests/lab/bench-vs-kernel.sh            # SECONDS=3 AF_PACKET_MODE=latency by default
#   sudo SECONDS_PER_RUN=5 AF_PACKET_MODE=throughput tests/lab/bench-vs-kernel.sh
#   sudo LAYOUTS="split collapsed auto" tests/lab/bench-vs-kernel.sh   # the router once per thread layout
#
# The machine is shared: /proc/stat counts every process, so run it on a quiet machine for
# figures to compare across runs; within one run both routers see the same conditions.
set -eu
[ "$(id -u)" -eq 0 ] || { echo "bench-vs-kernel.sh: needs root (sudo $0)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
AF_PACKET_MODE=${AF_PACKET_MODE:-latency}
SIZES=${SIZES:-"64 1514"}
# data-plane.layout values to run the router with, one run each (auto is the default configuration's).
LAYOUTS=${LAYOUTS:-auto}
export LAB_PREFIX=${LAB_PREFIX:-arb}
R=$LAB_PREFIX-r H1=$LAB_PREFIX-h1 H2=$LAB_PREFIX-h2

for tool in cc ip ping dotnet; do
  command -v "$tool" >/dev/null || { echo "bench-vs-kernel.sh: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d)
router_pid=""
cleanup() {
  # Only the router this script started, by its PID.
  if [ -n "$router_pid" ] && kill -0 "$router_pid" 2>/dev/null; then
    kill -TERM "$router_pid"
    for _ in $(seq 1 100); do kill -0 "$router_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$router_pid" 2>/dev/null && kill -KILL "$router_pid"
  fi
  router_pid=""
  "$here/lab-down.sh"
}
trap 'cleanup; rm -rf "$work"' EXIT

cc -O2 -Wall -o "$work/udp-blaster" "$here/udp-blaster.c"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the host (Release)…" >&2
  dotnet build -c Release -nologo -v q "$repo/src/ActorRouter.Host" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
host_dll=$repo/src/ActorRouter.Host/bin/Release/net10.0/ActorRouter.Host.dll
sed -e "s/port = 4054/port = 0/" -e "s/driver = af-packet,/driver = af-packet, af-packet-mode = $AF_PACKET_MODE,/" \
  "$repo/config/lab.conf" > "$work/bench.conf"

busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
rx_packets() { ip netns exec "$H2" cat /sys/class/net/eth0/statistics/rx_packets; }
clk_tck=$(getconf CLK_TCK)

wait_for_ping() {
  for _ in $(seq 1 20); do
    ip netns exec "$H1" ping -n -c 1 -W 1 198.51.100.10 >/dev/null 2>&1 && return 0
  done
  echo "bench-vs-kernel.sh: no ping through the router" >&2
  return 1
}

# measure NAME: fills results[NAME,...]
declare -A results
measure() {
  local name=$1 mac
  mac=$(ip -n "$R" -br link show eth1 | awk '{print $3}')
  wait_for_ping
  results[$name,rtt]=$(ip netns exec "$H1" ping -n -q -c 20 -i 0.05 198.51.100.10 | awk -F/ '/^rtt/{print $5}')
  for size in $SIZES; do
    local rx0 rx1 busy0 busy1 line sent secs gen_cpu
    rx0=$(rx_packets); busy0=$(busy_jiffies)
    line=$(ip netns exec "$H1" "$work/udp-blaster" eth0 "$mac" 192.0.2.10 198.51.100.10 "$size" "$SECONDS_PER_RUN")
    sleep 0.3   # what is still in rings arrives (a stray ARP or two may count as delivered)
    rx1=$(rx_packets); busy1=$(busy_jiffies)
    sent=$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$line")
    secs=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")
    gen_cpu=$(sed -E 's/.*cpu=([0-9.]+).*/\1/' <<<"$line")
    local delivered=$((rx1 - rx0))
    results[$name,$size,pps]=$(awk -v d="$delivered" -v s="$secs" 'BEGIN{printf "%.0f", d/s}')
    results[$name,$size,sent]=$(awk -v d="$sent" -v s="$secs" 'BEGIN{printf "%.0f", d/s}')
    results[$name,$size,loss]=$(awk -v d="$delivered" -v s="$sent" 'BEGIN{x=(s > 0 ? 100*(s-d)/s : 0); if (x<0) x=0; printf "%.1f", x}')
    results[$name,$size,cpu]=$(awk -v b="$((busy1 - busy0))" -v t="$clk_tck" -v d="$delivered" 'BEGIN{printf "%.2f", (d > 0 ? (b/t)/(d/1e6) : 0)}')
    results[$name,$size,cpunet]=$(awk -v b="$((busy1 - busy0))" -v t="$clk_tck" -v g="$gen_cpu" -v d="$delivered" 'BEGIN{x=(b/t)-g; if (x<0) x=0; printf "%.2f", (d > 0 ? x/(d/1e6) : 0)}')
    echo "  $name ${size}B: $line delivered=$delivered" >&2
  done
}

echo "(a) kernel forwarding" >&2
"$here/lab-up.sh" >/dev/null
ip -n "$R" addr add 192.0.2.1/24 dev eth1
ip -n "$R" addr add 198.51.100.1/24 dev eth2
ip -n "$R" addr add 203.0.113.1/24 dev eth3
ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=1
sleep 1.5   # veth carrier
measure kernel
cleanup

for layout in $LAYOUTS; do
  echo "(b) ActorRouter ($AF_PACKET_MODE mode, layout $layout)" >&2
  "$here/lab-up.sh" >/dev/null
  { cat "$work/bench.conf"; echo "actorrouter.data-plane.layout = $layout"; } > "$work/bench-$layout.conf"
  ip netns exec "$R" dotnet "$host_dll" --config "$work/bench-$layout.conf" --stats-interval 3600 >"$work/router.log" 2>&1 &
  router_pid=$!
  for _ in $(seq 1 600); do
    grep -q "router ready" "$work/router.log" && break
    kill -0 "$router_pid" 2>/dev/null || { cat "$work/router.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "router ready: 3 of 3" "$work/router.log" || { echo "the router did not come up:" >&2; cat "$work/router.log" >&2; exit 1; }
  grep -o "data plane started: [^;]*" "$work/router.log" >&2 || true
  measure "$layout"
  cleanup
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "-" }'; }
# One column per layout, then each one's ratio to the kernel.
row() { # LABEL KEY [ratio]
  local label=$1 key=$2 line
  line=$(printf '%-34s %14s' "$label" "${results[kernel,$key]}")
  for layout in $LAYOUTS; do line+=$(printf ' %14s' "${results[$layout,$key]}"); done
  if [ "${3:-}" = ratio ]; then
    for layout in $LAYOUTS; do line+=$(printf ' %10s' "$(ratio "${results[$layout,$key]}" "${results[kernel,$key]}")"); done
  fi
  echo "$line"
}
header=$(printf '%-34s %14s' "measure ($SECONDS_PER_RUN s per run)" "kernel")
for layout in $LAYOUTS; do header+=$(printf ' %14s' "AR $layout"); done
for layout in $LAYOUTS; do header+=$(printf ' %10s' "$layout/k"); done
printf '\n%s\n' "$header"
for size in $SIZES; do
  row "${size}B offered pps" "$size,sent" ratio
  row "${size}B delivered pps" "$size,pps" ratio
  row "${size}B loss %" "$size,loss"
  row "${size}B CPU s/Mpkt (all)" "$size,cpu" ratio
  row "${size}B CPU s/Mpkt (w/o generator)" "$size,cpunet" ratio
done
row "ping RTT avg ms (light load)" "rtt" ratio
