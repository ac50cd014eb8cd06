#!/usr/bin/env python3
"""arp-storm: broadcasts ARP requests for TARGET_IP from COUNT spoofed senders (addresses of a /24
and beyond it, each with a MAC of its own, locally administered), round after round for a fixed
time, through an AF_PACKET socket. Prints one line: sent=N senders=COUNT seconds=T

  arp-storm.py IFNAME TARGET_IP SUBNET24 SKIP COUNT SECONDS

SKIP: comma list of last octets of SUBNET24 never used as a sender (the router's, the real hosts')."""
import random
import socket
import struct
import sys
import time


def main():
    ifname, target, subnet, skip, count, seconds = sys.argv[1:7]
    skip = {int(s) for s in skip.split(",") if s}
    count = int(count)
    rng = random.Random(1212)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    frames = []
    lasts = [n for n in range(2, 255) if n not in skip]
    for i in range(count):
        # Most senders claim addresses of the subnet (each claimed by many MACs); the rest are off-link.
        if i % 4 != 3:
            sender_ip = "%s.%d" % (subnet, lasts[i % len(lasts)])
        else:
            sender_ip = "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
        mac = bytes([0x02, 0x5A, rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(256)])
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(sender_ip), b"\x00" * 6, socket.inet_aton(target))
        frames.append(b"\xff" * 6 + mac + b"\x08\x06" + arp + b"\x00" * 18)
    deadline = time.monotonic() + float(seconds)
    sent = 0
    start = time.monotonic()
    while time.monotonic() < deadline:
        for frame in frames:
            try:
                sock.send(frame)
                sent += 1
            except OSError:
                pass
    print("sent=%d senders=%d seconds=%.2f" % (sent, count, time.monotonic() - start))


if __name__ == "__main__":
    main()
