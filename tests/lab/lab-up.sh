#!/usr/bin/env bash
# Builds the namespace lab for ActorRouter (tears down any previous one first):
#
#   ar-h1 (eth0 192.0.2.10/24)   ── eth1 ┐
#   ar-h2 (eth0 198.51.100.10/24) ── eth2 ├─ ar-r  (the router: no kernel addresses, ip_forward=0)
#   ar-h3 (eth0 203.0.113.10/24)  ── eth3 ┘
#
# Each host's default gateway is .1 of its subnet: the router's address on GigabitEthernet1..3
# (config/lab.conf). The router namespace's kernel neither forwards nor answers, so every packet
# that crosses it went through ActorRouter. Offloads are off on the hosts' veths: the router
# copies frames whole and does not segment TSO/GSO super-frames. IPv6 is off everywhere so the
# kernel's own router solicitations and DAD do not clutter captures.
#
#   sudo tests/lab/lab-up.sh
#   sudo ip netns exec ar-r dotnet run --project src/ActorRouter.Host -- --config config/lab.conf
#   sudo ip netns exec ar-h1 ping 198.51.100.10
#   sudo tests/lab/lab-down.sh
set -eu
[ "$(id -u)" -eq 0 ] || { echo "lab-up.sh: needs root (sudo $0)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
LAB_PREFIX=${LAB_PREFIX:-ar}
"$here/lab-down.sh"
# Whatever fails from here on, leave nothing half-built behind.
trap '"$here/lab-down.sh"; echo "lab-up.sh: failed; lab torn down" >&2' ERR

R=$LAB_PREFIX-r
ip netns add "$R"
ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=0 net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$R" link set lo up

i=0
for host in "192.0.2.10" "198.51.100.10" "203.0.113.10"; do
  i=$((i + 1))
  H=$LAB_PREFIX-h$i
  gateway=${host%.*}.1
  ip netns add "$H"
  ip netns exec "$H" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$H" link set lo up
  ip -n "$R" link add "eth$i" type veth peer name eth0 netns "$H"
  ip -n "$R" link set "eth$i" up
  ip -n "$H" link set eth0 up
  ip -n "$H" addr add "$host/24" dev eth0
  ip -n "$H" route add default via "$gateway"
  if command -v ethtool >/dev/null; then
    # Frames as a wire carries them: no segmentation and no checksum offload (a veth leaves the TCP/UDP
    # checksum to absent hardware; the router's raw-frame drivers, AF_XDP above all, would forward it unfinished).
    ip netns exec "$H" ethtool -K eth0 tso off gso off tx off >/dev/null 2>&1 || true
  fi
done
trap - ERR

echo "lab up: $LAB_PREFIX-h1 192.0.2.10 — $R eth1 | $LAB_PREFIX-h2 198.51.100.10 — $R eth2 | $LAB_PREFIX-h3 203.0.113.10 — $R eth3"
echo "boot the router: sudo ip netns exec $R dotnet run --project src/ActorRouter.Host -- --config config/lab.conf"
