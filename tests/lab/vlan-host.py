#!/usr/bin/env python3
"""A host on an 802.1Q VLAN behind a Linux veth, for the namespace lab (this kernel has no 802.1Q devices).

Runs inside a host namespace on its eth0: answers tagged ARP requests for its own address, sends tagged
ICMP echo requests to a destination through the router, and reports every ICMP echo reply it sees with
the tag it came with, as one JSON line on stdout:

  {"sent": 5, "replies": [{"vlan": 100, "src": "192.0.2.129", "dst": "192.0.2.200", "seq": 1}, ...],
   "arpAnswered": 1, "untaggedReplies": 0}

  vlan-host.py IFACE VLAN MY_IP ROUTER_MAC DST_IP COUNT
"""
import json
import sys
import time

from scapy.all import ARP, ICMP, IP, AsyncSniffer, Dot1Q, Ether, conf, get_if_hwaddr, sendp

conf.verb = 0


def main():
    iface, vlan, my_ip, router_mac, dst_ip, count = sys.argv[1:7]
    vlan, count = int(vlan), int(count)
    my_mac = get_if_hwaddr(iface)
    replies = []
    untagged = []
    arp_answered = [0]

    def on_frame(frame):
        if Dot1Q in frame:
            tag = frame[Dot1Q].vlan
            if ARP in frame and frame[ARP].op == 1 and frame[ARP].pdst == my_ip and tag == vlan:
                answer = (Ether(src=my_mac, dst=frame[Ether].src) / Dot1Q(vlan=vlan)
                          / ARP(op=2, hwsrc=my_mac, psrc=my_ip, hwdst=frame[ARP].hwsrc, pdst=frame[ARP].psrc))
                sendp(answer, iface=iface)
                arp_answered[0] += 1
            elif ICMP in frame and frame[ICMP].type == 0 and frame[IP].dst == my_ip:
                replies.append({"vlan": tag, "src": frame[IP].src, "dst": frame[IP].dst, "seq": frame[ICMP].seq})
        elif ICMP in frame and frame[ICMP].type == 0 and frame[IP].dst == my_ip:
            untagged.append(frame[IP].src)

    sniffer = AsyncSniffer(iface=iface, prn=on_frame, store=False)
    sniffer.start()
    time.sleep(0.5)
    for seq in range(1, count + 1):
        echo = (Ether(src=my_mac, dst=router_mac) / Dot1Q(vlan=vlan)
                / IP(src=my_ip, dst=dst_ip, ttl=64) / ICMP(type=8, id=0x4242, seq=seq) / (b"vlan-lab" * 4))
        sendp(echo, iface=iface)
        time.sleep(0.3)
    # Replies to the last requests, and a router that resolves this host by ARP first, take a moment.
    deadline = time.time() + 3
    while time.time() < deadline and len(replies) < count:
        time.sleep(0.1)
    sniffer.stop()
    print(json.dumps({"sent": count, "replies": replies, "arpAnswered": arp_answered[0],
                      "untaggedReplies": len(untagged)}))


if __name__ == "__main__":
    main()
