#!/usr/bin/env bash
# A fleet of three routers on loopback management addresses (127.0.77.11-13, no root needed), one
# in-memory interface each, driven by one arctl through r1; then r3 is killed by PID and the times
# are measured:
#   formed        start of the three processes → show fleet on r1 lists three members Up
#   unreachable   kill -9 r3 → show fleet on r1 shows r3 unreachable (Akka's failure detector)
#   fleet-dead    arctl --fleet --deadline 2 show ip interface brief with r3 dead (the deadline bounds it)
#   removed       kill -9 r3 → r3 gone from show fleet (split-brain resolver, stable-after = STABLE)
#   fleet-all     arctl --fleet show ip interface brief with all three up (median of 10)
#   node          arctl --node r2 show ip interface brief (median of 10)
#
#   tests/lab/fleet-demo.sh [STABLE]    (build first: dotnet build src/ActorRouter.Host src/ActorRouter.Cli -c Release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HOST=$ROOT/src/ActorRouter.Host/bin/Release/net10.0/ActorRouter.Host.dll
ARCTL=$ROOT/src/ActorRouter.Cli/bin/Release/net10.0/arctl
STABLE=${1:-5s}
PORT=24054
WORK=$(mktemp -d /tmp/fleet-demo.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

for i in 1 2 3; do
  mkdir -p "$WORK/s$i" && chmod 700 "$WORK/s$i"
  cat > "$WORK/r$i.conf" <<EOF
actorrouter {
  data-plane { ppe-threads = 1, layout = collapsed, workers = 1, gpm { buffer-count = 4096 } }
  interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.$i/24" } ]
  fleet {
    enabled = true
    name = "demo"
    router-name = "r$i"
    management { hostname = "127.0.77.1$i", port = $PORT }
    seed-nodes = ["127.0.77.11:$PORT"]
    split-brain-resolver { stable-after = $STABLE }
  }
}
EOF
done
# One CA for the fleet: r1's, made before anyone starts.
dotnet "$HOST" --config "$WORK/r1.conf" --control-port 0 --state-directory "$WORK/s1" > "$WORK/r1.log" 2>&1 &
PIDS+=($!)
until [ -f "$WORK/s1/ca.p12" ] && grep -q "^control: arctl endpoint" "$WORK/r1.log"; do sleep 0.2; done
kill "${PIDS[0]}"; wait "${PIDS[0]}" || true; PIDS=()
cp "$WORK/s1/ca.p12" "$WORK/s2/"; cp "$WORK/s1/ca.p12" "$WORK/s3/"

start=$(now_ms)
for i in 1 2 3; do
  dotnet "$HOST" --config "$WORK/r$i.conf" --control-port 0 --state-directory "$WORK/s$i" > "$WORK/r$i.log" 2>&1 &
  PIDS+=($!)
done
until grep -q "^control: arctl endpoint" "$WORK/r1.log"; do sleep 0.2; done
R1=$(grep -o "127.0.0.1:[0-9]*" "$WORK/r1.log" | head -1)
A=("$ARCTL" --router "$R1" --cert "$WORK/s1/admin.p12")
until [ "$("${A[@]}" --json show fleet 2>/dev/null | grep -c '"status": "Up"')" = 3 ]; do sleep 0.2; done
echo "formed        $(( $(now_ms) - start )) ms"
"${A[@]}" show fleet

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq 10); do s=$(now_ms); "${A[@]}" --fleet show ip interface brief > /dev/null; echo $(( $(now_ms) - s )); done | median | sed 's/^/fleet-all     /; s/$/ ms (median of 10, arctl start included)/'
for i in $(seq 10); do s=$(now_ms); "${A[@]}" --node r2 show ip interface brief > /dev/null; echo $(( $(now_ms) - s )); done | median | sed 's/^/node          /; s/$/ ms (median of 10, arctl start included)/'

kill -9 "${PIDS[2]}"
killed=$(now_ms)
until "${A[@]}" --json show fleet | tr -d ' \n' | grep -q '"router":"r3","address":"[^"]*","status":"[A-Za-z]*","reachable":false'; do sleep 0.1; done
echo "unreachable   $(( $(now_ms) - killed )) ms after kill -9"
s=$(now_ms); "${A[@]}" --fleet --deadline 2 show ip interface brief || true; echo "fleet-dead    $(( $(now_ms) - s )) ms (deadline 2 s)"
until ! "${A[@]}" show fleet | grep -q "^r3 "; do sleep 0.2; done
echo "removed       $(( $(now_ms) - killed )) ms after kill -9 (stable-after $STABLE)"
"${A[@]}" show fleet
