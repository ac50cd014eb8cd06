#!/usr/bin/env python3
"""A multicast host for the namespace lab, with the kernel's own IGMP.

  mcast-host.py send --group G [--group G2 ...] --seconds S --rate PPS [--ttl T] --source A
      sends UDP datagrams (port 5000) to each group from address A for S seconds; prints {"sent": {group: n}}.
  mcast-host.py receive --iface eth0 [--join G --join-seconds J] --seconds S
      joins G with an ordinary socket (IP_ADD_MEMBERSHIP: the kernel sends the IGMP report) for J seconds, then
      leaves (IP_DROP_MEMBERSHIP: the kernel sends the leave); meanwhile a packet socket on the interface counts the
      UDP datagrams to port 5000 that arrive per group, before the leave, and more than 1.5 s after it; the joined
      socket counts what it received. Prints one JSON line at the end.
"""
import argparse, json, select, socket, struct, sys, time

PORT = 5000


def send(args):
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, args.ttl)
    out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(args.source))
    sent = {g: 0 for g in args.group}
    end = time.monotonic() + args.seconds
    n = 0
    while time.monotonic() < end:
        for g in args.group:
            out.sendto(b"mcast-lab %d" % n, (g, PORT))
            sent[g] += 1
        n += 1
        time.sleep(1.0 / args.rate)
    print(json.dumps({"sent": sent}), flush=True)


def receive(args):
    # SOCK_DGRAM: the link-layer header is taken off, data starts at the IPv4 header.
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    sniff.bind((args.iface, 0))
    joined = None
    if args.join:
        joined = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        joined.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        joined.bind(("", PORT))
        mreq = struct.pack("4s4s", socket.inet_aton(args.join), socket.inet_aton("0.0.0.0"))
        joined.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    start = time.monotonic()
    leave_at = start + args.join_seconds if args.join else None
    left = None
    end = start + args.seconds
    before, after_late, socket_received = {}, {}, 0
    print(json.dumps({"ready": True}), flush=True)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if joined is not None and left is None and now >= leave_at:
            joined.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq)
            left = now
        sockets = [sniff] + ([joined] if joined is not None else [])
        ready, _, _ = select.select(sockets, [], [], 0.05)
        for s in ready:
            data = s.recv(65535)
            if s is joined:
                socket_received += 1
                continue
            if len(data) < 28 or data[9] != 17:
                continue
            ihl = (data[0] & 0x0F) * 4
            dport = struct.unpack("!H", data[ihl + 2:ihl + 4])[0]
            if dport != PORT:
                continue
            group = socket.inet_ntoa(data[16:20])
            if left is None:
                before[group] = before.get(group, 0) + 1
            elif time.monotonic() - left > 1.5:
                after_late[group] = after_late.get(group, 0) + 1
    print(json.dumps({"before": before, "afterLeave": after_late, "socketReceived": socket_received, "left": left is not None}), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("send")
    s.add_argument("--group", action="append", required=True)
    s.add_argument("--seconds", type=float, default=5)
    s.add_argument("--rate", type=float, default=20)
    s.add_argument("--ttl", type=int, default=8)
    s.add_argument("--source", required=True)
    r = sub.add_parser("receive")
    r.add_argument("--iface", default="eth0")
    r.add_argument("--join")
    r.add_argument("--join-seconds", type=float, default=0)
    r.add_argument("--seconds", type=float, default=10)
    a = p.parse_args()
    send(a) if a.mode == "send" else receive(a)


if __name__ == "__main__":
    sys.exit(main())
