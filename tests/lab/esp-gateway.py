#!/usr/bin/env python3
"""The far end of an ActorRouter IPsec tunnel, built on scapy's IPsec layer (an ESP implementation
independent of the router's): ESP tunnel mode with AES-GCM (RFC 4106) through python3-cryptography,
manually keyed with the same SPIs, keys and salts as the router's tunnel interface.

It owns an address of its own on the host's link (answering ARP for it, so the host's kernel, which has
no ESP, never sees the tunnel's packets as its own) and stands for a host of the protected network
behind it (--inner): it answers the pings the router tunnels to that host, and pings --ping-target itself
through the tunnel. Then it sends one packet with a corrupted ICV and replays one it already sent, both of
which the router must drop and count. At the end it prints a JSON report.

  esp-gateway.py --iface eth0 --local 198.51.100.20 --peer 198.51.100.1 --inner 203.0.113.130 \
      --spi-in 0xa5f8 --key-in 0x… --salt-in 0x… --spi-out 4097 --key-out 0x… --salt-out 0x… \
      --ping-target 192.0.2.10 --duration 12
"""
import argparse
import json
import sys
import threading
import time

from scapy.all import ARP, ICMP, IP, Ether, AsyncSniffer, Raw, conf, get_if_hwaddr, getmacbyip, sendp
from scapy.layers.ipsec import ESP, SecurityAssociation


def number(text):
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def hexbytes(text):
    return bytes.fromhex(text[2:] if text.lower().startswith("0x") else text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iface", required=True)
    p.add_argument("--local", required=True)
    p.add_argument("--peer", required=True)
    p.add_argument("--inner", required=True)
    p.add_argument("--spi-in", required=True)
    p.add_argument("--key-in", required=True)
    p.add_argument("--salt-in", required=True)
    p.add_argument("--spi-out", required=True)
    p.add_argument("--key-out", required=True)
    p.add_argument("--salt-out", required=True)
    p.add_argument("--ping-target", required=True)
    p.add_argument("--pings", type=int, default=5)
    p.add_argument("--duration", type=float, default=12)
    a = p.parse_args()
    conf.verb = 0

    mac = get_if_hwaddr(a.iface)
    # Inbound: what the router encrypts with its outbound SA. Outbound: what the router decrypts.
    sa_in = SecurityAssociation(ESP, spi=number(a.spi_in), crypt_algo="AES-GCM", crypt_key=hexbytes(a.key_in) + hexbytes(a.salt_in),
                                tunnel_header=IP(src=a.peer, dst=a.local))
    sa_out = SecurityAssociation(ESP, spi=number(a.spi_out), crypt_algo="AES-GCM", crypt_key=hexbytes(a.key_out) + hexbytes(a.salt_out),
                                 tunnel_header=IP(src=a.local, dst=a.peer, ttl=64))
    report = {"arpAnswered": 0, "espReceived": 0, "espNotDecrypted": 0, "echoRequestsAnswered": 0,
              "ownPingsSent": 0, "ownPingReplies": 0, "nonEspFromPeer": 0, "sequences": [], "sent": []}
    peer_mac = {"mac": None}
    lock = threading.Lock()
    sent_frames = []

    def send_inner(inner):
        packet = sa_out.encrypt(inner)
        frame = Ether(src=mac, dst=peer_mac["mac"] or "ff:ff:ff:ff:ff:ff") / packet
        sent_frames.append(bytes(frame))
        sendp(frame, iface=a.iface)

    def handle(frame):
        with lock:
            if ARP in frame and frame[ARP].op == 1 and frame[ARP].pdst == a.local:
                peer_mac["mac"] = frame[ARP].hwsrc
                sendp(Ether(src=mac, dst=frame[ARP].hwsrc) / ARP(op=2, hwsrc=mac, psrc=a.local, hwdst=frame[ARP].hwsrc, pdst=frame[ARP].psrc),
                      iface=a.iface)
                report["arpAnswered"] += 1
                return
            if IP not in frame or frame[IP].src != a.peer or frame[IP].dst != a.local:
                return
            peer_mac["mac"] = frame[Ether].src
            if frame[IP].proto != 50:
                report["nonEspFromPeer"] += 1
                return
            report["espReceived"] += 1
            outer = frame[IP]
            report["sequences"].append(outer[ESP].seq)
            try:
                inner = sa_in.decrypt(IP(bytes(outer)))
            except Exception:  # a bad ICV or a malformed packet: counted, not fatal
                report["espNotDecrypted"] += 1
                return
            if ICMP in inner and inner[ICMP].type == 8 and inner[IP].dst == a.inner:
                reply = IP(src=a.inner, dst=inner[IP].src, ttl=64) / ICMP(type=0, id=inner[ICMP].id, seq=inner[ICMP].seq) / Raw(bytes(inner[ICMP].payload))
                send_inner(reply)
                report["echoRequestsAnswered"] += 1
            elif ICMP in inner and inner[ICMP].type == 0 and inner[IP].src == a.ping_target and inner[ICMP].id == 0x4153:
                report["ownPingReplies"] += 1

    sniffer = AsyncSniffer(iface=a.iface, prn=handle, store=False)
    sniffer.start()
    time.sleep(1.0)
    # The router's MAC on this link (its control plane answers ARP for its address), so nothing is sent as a broadcast.
    for _ in range(5):
        learned = getmacbyip(a.peer)
        if learned:
            with lock:
                peer_mac["mac"] = peer_mac["mac"] or learned
            break
        time.sleep(0.5)
    # Pings from the host behind the gateway to a host behind the router (the first may wait for the router's ARP).
    for seq in range(1, a.pings + 1):
        with lock:
            send_inner(IP(src=a.inner, dst=a.ping_target, ttl=64) / ICMP(type=8, id=0x4153, seq=seq) / Raw(b"through the tunnel"))
            report["ownPingsSent"] += 1
        time.sleep(0.5)
    deadline = time.time() + a.duration
    while time.time() < deadline:
        time.sleep(0.2)
    # A forged packet (one ICV bit flipped) with a fresh sequence number, then a replay of the first packet sent.
    with lock:
        forged = bytearray(bytes(Ether(src=mac, dst=peer_mac["mac"] or "ff:ff:ff:ff:ff:ff") /
                                 sa_out.encrypt(IP(src=a.inner, dst=a.ping_target) / ICMP(type=8, id=0x4154, seq=1))))
        forged[-1] ^= 1
        sendp(Ether(bytes(forged)), iface=a.iface)
        if sent_frames:
            sendp(Ether(sent_frames[0]), iface=a.iface)
    time.sleep(1.0)
    sniffer.stop()
    report["sent"] = len(sent_frames)
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
