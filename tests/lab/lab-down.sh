#!/usr/bin/env bash
# Tears the namespace lab down: deletes ar-h1, ar-r, ar-h2, ar-h3 (their veth pairs go with them).
# Safe to run any number of times; namespaces that do not exist are skipped.
set -u
[ "$(id -u)" -eq 0 ] || { echo "lab-down.sh: needs root (sudo $0)" >&2; exit 1; }
LAB_PREFIX=${LAB_PREFIX:-ar}
for ns in "$LAB_PREFIX-h1" "$LAB_PREFIX-r" "$LAB_PREFIX-h2" "$LAB_PREFIX-h3"; do
  if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
    # Processes still inside (a router left running) would keep the veths alive: say so, do not kill them.
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [ -n "$pids" ] && echo "lab-down.sh: $ns still has processes: $pids (stop them; the namespace is deleted anyway)" >&2
    ip netns del "$ns"
  fi
done
exit 0
