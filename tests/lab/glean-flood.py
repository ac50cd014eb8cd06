#!/usr/bin/env python3
"""glean-flood: sends IPv4/UDP frames towards every unused address of a /24 (each one a glean at
the router: a connected subnet, no neighbour) round-robin, as fast as one Python process can,
through an AF_PACKET socket, for a fixed time. Prints one line: sent=N seconds=T

  glean-flood.py IFNAME DST_MAC SRC_IP SUBNET24 SKIP SECONDS

SUBNET24 is the first three octets ("198.51.100"); SKIP a comma list of last octets not to send to
(the router's and the real hosts' addresses)."""
import socket
import struct
import sys
import time


def checksum(data):
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def main():
    ifname, dst_mac, src_ip, subnet, skip, seconds = sys.argv[1:7]
    skip = {int(s) for s in skip.split(",") if s}
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    src_mac = sock.getsockname()[4]
    dst = bytes.fromhex(dst_mac.replace(":", ""))
    frames = []
    for last in range(2, 255):
        if last in skip:
            continue
        payload = b"glean-flood-%03d" % last
        udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), last, 0, 64, 17, 0,
                             socket.inet_aton(src_ip), socket.inet_aton("%s.%d" % (subnet, last)))
        header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
        frames.append(dst + src_mac + b"\x08\x00" + header + udp)
    deadline = time.monotonic() + float(seconds)
    sent = 0
    start = time.monotonic()
    send = sock.send
    while time.monotonic() < deadline:
        for frame in frames:
            try:
                send(frame)
                sent += 1
            except BlockingIOError:
                pass
            except OSError:
                # ENOBUFS: the veth queue is full; the generator is at its maximum.
                pass
    print("sent=%d seconds=%.2f" % (sent, time.monotonic() - start))


if __name__ == "__main__":
    main()
