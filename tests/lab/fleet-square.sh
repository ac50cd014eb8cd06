#!/usr/bin/env bash
# The fleet's four-router square in namespaces (fleet routing: probes, link state, shortest paths):
#
#        PREFIX-h1 192.0.2.10/25                               PREFIX-h3 192.0.2.130/25
#            │ eth0                                                │ eth0
#       eth3 │ 192.0.2.1/25                                   eth3 │ 192.0.2.129/25
#         PREFIX-r1 ── eth1 198.51.100.1/30 ─ .2/30 eth1 ── PREFIX-r2
#            │ eth2 198.51.100.14/30                               │ eth2 198.51.100.5/30
#            │                                                     │
#            │ eth2 198.51.100.13/30                               │ eth1 198.51.100.6/30
#         PREFIX-r4 ── eth1 198.51.100.10/30 ─ .9/30 eth2 ── PREFIX-r3
#
# plus a management bridge in PREFIX-m: every router's mgmt0 at 203.0.113.N/24 (its kernel's only address,
# where the fleet's cluster runs). The routers' data links have no kernel addresses and ip_forward is 0.
#
#   LAB_PREFIX=fs sudo tests/lab/fleet-square.sh up      (down: removes every namespace, and with them every veth)
set -eu
[ "$(id -u)" -eq 0 ] || { echo "fleet-square.sh: needs root" >&2; exit 1; }
P=${LAB_PREFIX:-fs}
down() {
  for ns in "$P-h1" "$P-h3" "$P-r1" "$P-r2" "$P-r3" "$P-r4" "$P-m"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}
if [ "${1:-up}" = down ]; then down; exit 0; fi
down
trap 'down; echo "fleet-square.sh: failed; torn down" >&2' ERR

quiet() { ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; }
offload() { command -v ethtool >/dev/null && ip netns exec "$1" ethtool -K "$2" tso off gso off tx off >/dev/null 2>&1 || true; }

ip netns add "$P-m"; quiet "$P-m"
ip -n "$P-m" link add br0 type bridge
ip -n "$P-m" link set br0 up
for i in 1 2 3 4; do
  R=$P-r$i
  ip netns add "$R"; quiet "$R"
  ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=0
  ip -n "$R" link set lo up
  ip -n "$R" link add mgmt0 type veth peer name "m$i" netns "$P-m"
  ip -n "$P-m" link set "m$i" master br0 up
  ip -n "$R" addr add "203.0.113.$i/24" dev mgmt0
  ip -n "$R" link set mgmt0 up
done
link() { # ns-a dev-a ns-b dev-b
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
  offload "$1" "$2"; offload "$3" "$4"
}
link "$P-r1" eth1 "$P-r2" eth1
link "$P-r2" eth2 "$P-r3" eth1
link "$P-r3" eth2 "$P-r4" eth1
link "$P-r4" eth2 "$P-r1" eth2
for h in 1 3; do
  H=$P-h$h
  ip netns add "$H"; quiet "$H"
  ip -n "$H" link set lo up
  link "$P-r$h" eth3 "$H" eth0
done
ip -n "$P-h1" addr add 192.0.2.10/25 dev eth0
ip -n "$P-h1" route add default via 192.0.2.1
ip -n "$P-h3" addr add 192.0.2.130/25 dev eth0
ip -n "$P-h3" route add default via 192.0.2.129
trap - ERR
echo "fleet square up: $P-r1..4, hosts $P-h1 192.0.2.10 and $P-h3 192.0.2.130, management 203.0.113.1-4 in $P-m"
