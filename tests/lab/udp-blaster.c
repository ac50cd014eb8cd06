/*
 * udp-blaster: sends IPv4/UDP frames of one size out of an interface as fast as it can, for a
 * fixed time, through an AF_PACKET socket (qdisc bypassed, sendmmsg batches), so that the
 * generator costs the same whatever forwards the frames. Built on the fly by bench-vs-kernel.sh.
 *
 *   udp-blaster IFNAME DST_MAC SRC_IP DST_IP FRAME_BYTES SECONDS
 *
 * FRAME_BYTES is the Ethernet frame without FCS (60..1514). Prints one line:
 *   sent=N seconds=T cpu=C     (C: user+system CPU seconds of this process)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t checksum(const void *data, int len)
{
    const uint16_t *p = data;
    uint32_t sum = 0;
    for (; len > 1; len -= 2)
        sum += *p++;
    if (len)
        sum += *(const uint8_t *)p;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s IFNAME DST_MAC SRC_IP DST_IP FRAME_BYTES SECONDS\n", argv[0]);
        return 2;
    }
    const char *ifname = argv[1];
    unsigned mac[6];
    if (sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
        fprintf(stderr, "bad MAC %s\n", argv[2]);
        return 2;
    }
    int frame_len = atoi(argv[5]);
    double seconds = atof(argv[6]);
    if (frame_len < 60 || frame_len > 1514 || seconds <= 0) {
        fprintf(stderr, "frame bytes must be 60..1514 and seconds > 0\n");
        return 2;
    }

    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("socket(AF_PACKET)");
        return 1;
    }
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    struct ifreq ifr = {0};
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        perror(ifname);
        return 1;
    }
    int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        perror("SIOCGIFHWADDR");
        return 1;
    }

    unsigned char frame[1514] = {0};
    for (int i = 0; i < 6; i++)
        frame[i] = (unsigned char)mac[i];
    memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
    frame[12] = 0x08;
    frame[13] = 0x00;
    struct iphdr *ip = (struct iphdr *)(frame + 14);
    int ip_len = frame_len - 14;
    ip->version = 4;
    ip->ihl = 5;
    ip->tot_len = htons(ip_len);
    ip->ttl = 64;
    ip->protocol = 17;
    inet_pton(AF_INET, argv[3], &ip->saddr);
    inet_pton(AF_INET, argv[4], &ip->daddr);
    ip->check = checksum(ip, 20);
    unsigned char *udp = frame + 34;
    int udp_len = ip_len - 20;
    udp[0] = 0x9c; udp[1] = 0x40;            /* source port 40000 */
    udp[2] = 0x23; udp[3] = 0x82;            /* destination port 9090 */
    udp[4] = (unsigned char)(udp_len >> 8);
    udp[5] = (unsigned char)udp_len;         /* checksum 0: none, allowed over IPv4 */

    struct sockaddr_ll to = {0};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    memcpy(to.sll_addr, frame, 6);

    struct iovec iov = {frame, (size_t)frame_len};
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof to;
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    unsigned long long sent = 0;
    double start = now(), end = start + seconds, t = start;
    while (t < end) {
        int n = sendmmsg(fd, msgs, BATCH, 0);
        if (n > 0)
            sent += (unsigned long long)n;
        else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
            perror("sendmmsg");
            return 1;
        }
        t = now();
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("sent=%llu seconds=%.3f cpu=%.3f\n", sent, t - start, cpu);
    return 0;
}
