#!/usr/bin/env python3
"""seq-flow: a flow of sequence-numbered UDP datagrams, to see what a router delivers and in which order.

  seq-flow.py send DST_IP PORT RATE_PPS SECONDS
      sends datagrams whose first 8 bytes are a sequence number (0, 1, 2, ...) at about RATE_PPS;
      prints one line: sent=N seconds=T
  seq-flow.py receive PORT SECONDS
      receives for SECONDS (or until 3 s pass without a datagram after the first); prints one line:
      received=N out_of_order=M duplicates=D max_seq=X max_gap_ms=G
      where out_of_order counts datagrams whose number is below one received before, and max_gap_ms is
      the longest time between two consecutive arrivals."""
import socket
import struct
import sys
import time


def send(dst, port, rate, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pad = b"\0" * 56
    interval = 1.0 / rate
    start = time.monotonic()
    deadline = start + seconds
    seq = 0
    next_at = start
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if now < next_at:
            time.sleep(min(next_at - now, 0.001))
            continue
        try:
            sock.sendto(struct.pack("!Q", seq) + pad, (dst, port))
            seq += 1
        except OSError:
            pass  # no neighbour yet, or a full socket buffer: the next one goes
        next_at += interval
    print("sent=%d seconds=%.1f" % (seq, time.monotonic() - start), flush=True)


def receive(port, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("0.0.0.0", port))
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    received = out_of_order = duplicates = 0
    highest = -1
    seen = set()
    last_arrival = None
    max_gap = 0.0
    while time.monotonic() < deadline:
        try:
            data = sock.recv(2048)
        except socket.timeout:
            if last_arrival is not None and time.monotonic() - last_arrival > 3.0:
                break
            continue
        now = time.monotonic()
        if len(data) < 8:
            continue
        seq = struct.unpack("!Q", data[:8])[0]
        if seq in seen:
            duplicates += 1
            continue
        seen.add(seq)
        received += 1
        if seq < highest:
            out_of_order += 1
        highest = max(highest, seq)
        if last_arrival is not None:
            max_gap = max(max_gap, now - last_arrival)
        last_arrival = now
    print("received=%d out_of_order=%d duplicates=%d max_seq=%d max_gap_ms=%d"
          % (received, out_of_order, duplicates, highest, max_gap * 1000), flush=True)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif len(sys.argv) == 4 and sys.argv[1] == "receive":
        receive(int(sys.argv[2]), float(sys.argv[3]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
