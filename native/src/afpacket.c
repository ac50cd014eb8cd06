/* AF_PACKET ports: one socket per interface with an RX ring and a TX ring in
 * one mmap (the TX ring starts where the RX ring ends). Frames are copied out
 * of the RX ring into the caller's buffers and into the TX ring from the
 * caller's buffers, so ring slots go back to the kernel at once. The
 * zero-copy RX pair (rx_peek/rx_release) is the exception: it lends frames in
 * their slots and the slots stay the caller's until released, in ring order. */
#include "actorrouter_native.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* V3 RX blocks: large enough to batch hundreds of small frames per wake-up,
 * small enough that a ring of a few hundred frames still has several. */
#define RX_BLOCK_TARGET (64u * 1024u)
#define RX_BLOCK_RETIRE_MS 1u
#define VLAN_TAG_LEN 4u
#define MAC_ADDRS_LEN 12u

struct arn_port {
    int fd;
    int ifindex;
    int mode;
    char ifname[IFNAMSIZ];
    uint8_t *map;
    size_t map_len;

    /* RX, latency mode (V2): frame slots. Throughput mode (V3): blocks. */
    uint8_t *rx_ring;
    uint32_t rx_frame_size;
    uint32_t rx_frame_nr;
    uint32_t rx_head;
    uint32_t rx_block_size;
    uint32_t rx_block_nr;
    uint32_t rx_block;          /* V3: block being read (or next to read) */
    uint32_t rx_block_left;     /* V3: frames not yet read in the open block */
    struct tpacket3_hdr *rx_next; /* V3: next frame in the open block */

    /* Zero-copy RX: frames peeked and not yet released, oldest first. V2: they
     * are the rx_held slots from rx_head on (rx_head is the oldest held).
     * V3: they start in block rx_release_block, of which rx_released frames are
     * already released; rx_blocks_passed blocks (from rx_release_block on) were
     * read to the end by the peek cursor but not yet given back. */
    uint32_t rx_held;
    uint32_t rx_release_block;
    uint32_t rx_released;
    uint32_t rx_blocks_passed;

    /* TX: frame slots; head = next slot to fill, tail = oldest slot not yet
     * seen back as available. head - tail = slots in use. */
    uint8_t *tx_ring;
    uint32_t tx_frame_size;
    uint32_t tx_frame_nr;
    uint32_t tx_data_offset;
    uint32_t tx_head;
    uint32_t tx_tail;
    uint32_t tx_queued;          /* filled since the last successful send() */
    int tx_down;                 /* send() said the interface is down: drop until it is up */
    uint32_t tx_down_dropped;    /* dropped for that reason since the last flush */

    uint64_t rx_oversize;
    uint64_t tx_oversize;
    uint64_t stat_drops;
    uint64_t stat_packets;
};

static int neg_errno(void) { return errno > 0 ? -errno : -EIO; }

static int is_power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

static uint32_t round_up(uint32_t v, uint32_t m) { return (v + m - 1) / m * m; }

static uint32_t load_status(const volatile uint32_t *status)
{
    return __atomic_load_n(status, __ATOMIC_ACQUIRE);
}

static void store_status(volatile uint32_t *status, uint32_t value)
{
    __atomic_store_n(status, value, __ATOMIC_RELEASE);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    for (; n > 1; p += 2, n -= 2) {
        acc += (uint32_t)(p[0] << 8 | p[1]);
    }
    if (n != 0) {
        acc += (uint32_t)(p[0] << 8);
    }
    return acc;
}

/* A sender on this host (another namespace behind a veth) may hand its
 * TCP/UDP checksum to "hardware" that a veth does not have: the kernel marks
 * such frames TP_STATUS_CSUMNOTREADY and the checksum field holds only the
 * pseudo-header sum. Forwarded as is, the frame would be dropped by its
 * receiver, so the checksum is completed here (IPv4, unfragmented). */
static void complete_l4_checksum(uint8_t *frame, uint32_t len)
{
    uint32_t l3 = 14;
    uint32_t ihl;
    uint32_t total;
    uint32_t l4_len;
    uint32_t csum_at;
    uint32_t acc;
    uint16_t type;
    uint16_t csum;
    uint8_t *ip;
    uint8_t *l4;
    if (len < l3) {
        return;
    }
    type = (uint16_t)(frame[12] << 8 | frame[13]);
    while ((type == ETH_P_8021Q || type == ETH_P_8021AD) && len >= l3 + 4) {
        type = (uint16_t)(frame[l3 + 2] << 8 | frame[l3 + 3]);
        l3 += 4;
    }
    if (type != ETH_P_IP || len < l3 + 20) {
        return;
    }
    ip = frame + l3;
    ihl = (uint32_t)(ip[0] & 0x0f) * 4u;
    total = (uint32_t)(ip[2] << 8 | ip[3]);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || l3 + total > len ||
        ((ip[6] & 0x3f) | ip[7]) != 0) {
        return;
    }
    l4 = ip + ihl;
    l4_len = total - ihl;
    if (ip[9] == 6) {
        csum_at = 16;
    } else if (ip[9] == 17) {
        csum_at = 6;
    } else {
        return;
    }
    if (l4_len < csum_at + 2) {
        return;
    }
    l4[csum_at] = 0;
    l4[csum_at + 1] = 0;
    acc = sum16(ip + 12, 8, 0) + ip[9] + l4_len;
    acc = sum16(l4, l4_len, acc);
    while (acc >> 16) {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    csum = (uint16_t)~acc;
    if (csum == 0 && ip[9] == 17) {
        csum = 0xffff; /* 0 means "no checksum" in UDP */
    }
    l4[csum_at] = (uint8_t)(csum >> 8);
    l4[csum_at + 1] = (uint8_t)csum;
}

/* Copies one received frame, putting back an 802.1Q tag the kernel stripped
 * into metadata, so the data plane sees the frame as it was on the wire. */
static int copy_frame_out(const uint8_t *data, uint32_t snaplen, uint32_t wire_len, uint32_t status,
                          uint16_t tci, uint16_t tpid, uint8_t *dst, uint32_t capacity,
                          uint16_t *len_out)
{
    int tagged = (status & TP_STATUS_VLAN_VALID) != 0 && snaplen >= MAC_ADDRS_LEN;
    uint32_t total = snaplen + (tagged ? VLAN_TAG_LEN : 0u);
    if (snaplen < wire_len || total > capacity || total > UINT16_MAX) {
        return 0;
    }
    if (!tagged) {
        memcpy(dst, data, snaplen);
    } else {
        uint16_t tag_tpid = (status & TP_STATUS_VLAN_TPID_VALID) ? tpid : ETH_P_8021Q;
        memcpy(dst, data, MAC_ADDRS_LEN);
        dst[12] = (uint8_t)(tag_tpid >> 8);
        dst[13] = (uint8_t)tag_tpid;
        dst[14] = (uint8_t)(tci >> 8);
        dst[15] = (uint8_t)tci;
        memcpy(dst + MAC_ADDRS_LEN + VLAN_TAG_LEN, data + MAC_ADDRS_LEN, snaplen - MAC_ADDRS_LEN);
    }
    if (status & TP_STATUS_CSUMNOTREADY) {
        complete_l4_checksum(dst, total);
    }
    *len_out = (uint16_t)total;
    return 1;
}

static struct tpacket2_hdr *rx_v2_slot(arn_port *p, uint32_t i)
{
    return (struct tpacket2_hdr *)(void *)(p->rx_ring + (size_t)i * p->rx_frame_size);
}

static struct tpacket_block_desc *rx_v3_block(arn_port *p, uint32_t i)
{
    return (struct tpacket_block_desc *)(void *)(p->rx_ring + (size_t)i * p->rx_block_size);
}

static volatile uint32_t *tx_status(arn_port *p, uint32_t slot)
{
    uint8_t *frame = p->tx_ring + (size_t)slot * p->tx_frame_size;
    if (p->mode == ARN_MODE_THROUGHPUT) {
        return &((struct tpacket3_hdr *)(void *)frame)->tp_status;
    }
    return &((struct tpacket2_hdr *)(void *)frame)->tp_status;
}

static int set_int_option(int fd, int option, int value)
{
    return setsockopt(fd, SOL_PACKET, option, &value, sizeof value) == 0 ? 0 : neg_errno();
}

static int if_request(const arn_port *p, unsigned long request, struct ifreq *ifr)
{
    memset(ifr, 0, sizeof *ifr);
    memcpy(ifr->ifr_name, p->ifname, sizeof p->ifname);
    return ioctl(p->fd, request, ifr) == 0 ? 0 : neg_errno();
}

/* Frames per block and blocks for a ring of at least `frames` frames, where a
 * block is a whole number of pages holding whole frames. */
static void frame_ring_geometry(uint32_t frames, uint32_t frame_size, struct tpacket_req *req)
{
    uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
    uint32_t block = frame_size >= page ? frame_size : page;
    uint32_t per_block = block / frame_size;
    req->tp_block_size = block;
    req->tp_frame_size = frame_size;
    req->tp_block_nr = (frames + per_block - 1) / per_block;
    req->tp_frame_nr = req->tp_block_nr * per_block;
}

static int setup_rings(arn_port *p, uint32_t rx_frames, uint32_t tx_frames, uint32_t frame_size)
{
    struct tpacket_req3 rx;
    struct tpacket_req3 tx;
    struct tpacket_req geometry;
    size_t rx_len;
    size_t tx_len;
    socklen_t req_len = p->mode == ARN_MODE_THROUGHPUT ? sizeof(struct tpacket_req3)
                                                         : sizeof(struct tpacket_req);
    memset(&rx, 0, sizeof rx);
    memset(&tx, 0, sizeof tx);

    if (p->mode == ARN_MODE_THROUGHPUT) {
        uint32_t bytes = rx_frames * frame_size;
        uint32_t block = frame_size > RX_BLOCK_TARGET ? frame_size : RX_BLOCK_TARGET;
        /* Keep at least four blocks so the kernel fills one while user space reads others. */
        while (block > frame_size && block > 4096u && bytes / block < 4u) {
            block /= 2u;
        }
        rx.tp_block_size = block;
        rx.tp_block_nr = round_up(bytes, block) / block;
        if (rx.tp_block_nr < 2u) {
            rx.tp_block_nr = 2u;
        }
        rx.tp_frame_size = frame_size;
        rx.tp_frame_nr = rx.tp_block_nr * (block / frame_size);
        rx.tp_retire_blk_tov = RX_BLOCK_RETIRE_MS;
    } else {
        frame_ring_geometry(rx_frames, frame_size, &geometry);
        memcpy(&rx, &geometry, sizeof geometry);
    }
    frame_ring_geometry(tx_frames, frame_size, &geometry);
    memcpy(&tx, &geometry, sizeof geometry);

    if (setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, &rx, req_len) != 0) {
        return neg_errno();
    }
    if (setsockopt(p->fd, SOL_PACKET, PACKET_TX_RING, &tx, req_len) != 0) {
        return neg_errno();
    }
    rx_len = (size_t)rx.tp_block_size * rx.tp_block_nr;
    tx_len = (size_t)tx.tp_block_size * tx.tp_block_nr;
    p->map = mmap(NULL, rx_len + tx_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, p->fd, 0);
    if (p->map == MAP_FAILED) {
        p->map = NULL;
        return neg_errno();
    }
    p->map_len = rx_len + tx_len;
    p->rx_ring = p->map;
    p->rx_frame_size = rx.tp_frame_size;
    p->rx_frame_nr = rx.tp_frame_nr;
    p->rx_block_size = rx.tp_block_size;
    p->rx_block_nr = rx.tp_block_nr;
    p->tx_ring = p->map + rx_len;
    p->tx_frame_size = tx.tp_frame_size;
    p->tx_frame_nr = tx.tp_frame_nr;
    /* Without PACKET_TX_HAS_OFF the kernel reads frame data right after the
     * aligned header (tpacket_parse_header). */
    p->tx_data_offset = p->mode == ARN_MODE_THROUGHPUT
                            ? TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
                            : TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
    return 0;
}

int arn_port_open(const char *ifname, uint32_t rx_frames, uint32_t tx_frames, uint32_t frame_size,
                  int mode, arn_port **out)
{
    arn_port *p;
    struct ifreq ifr;
    struct sockaddr_ll addr;
    struct packet_mreq promisc;
    struct tpacket_stats_v3 discard_stats;
    socklen_t stats_len = sizeof discard_stats;
    size_t name_len;
    int rc;

    if (out == NULL || ifname == NULL) {
        return -EINVAL;
    }
    *out = NULL;
    name_len = strlen(ifname);
    if (name_len == 0) {
        return -ENODEV;
    }
    if (name_len >= IFNAMSIZ) {
        return -ENAMETOOLONG;
    }
    if ((mode != ARN_MODE_LATENCY && mode != ARN_MODE_THROUGHPUT) || !is_power_of_two(frame_size) ||
        frame_size < 256u || frame_size > 65536u || rx_frames == 0 || tx_frames == 0 ||
        rx_frames > (1u << 20) || tx_frames > (1u << 20) ||
        (uint64_t)rx_frames * frame_size > (1ull << 31) || (uint64_t)tx_frames * frame_size > (1ull << 31)) {
        return -EINVAL;
    }

    p = calloc(1, sizeof *p);
    if (p == NULL) {
        return -ENOMEM;
    }
    p->mode = mode;
    memcpy(p->ifname, ifname, name_len + 1);
    /* Protocol 0: the socket sees nothing until bound to the one interface. */
    p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (p->fd < 0) {
        rc = neg_errno();
        free(p);
        return rc;
    }
    if ((rc = if_request(p, SIOCGIFINDEX, &ifr)) != 0) {
        goto fail;
    }
    p->ifindex = ifr.ifr_ifindex;

    if ((rc = set_int_option(p->fd, PACKET_VERSION,
                             mode == ARN_MODE_THROUGHPUT ? TPACKET_V3 : TPACKET_V2)) != 0) {
        goto fail;
    }
    /* A malformed TX frame is skipped instead of stalling the ring. */
    if ((rc = set_int_option(p->fd, PACKET_LOSS, 1)) != 0) {
        goto fail;
    }
    /* The router must not receive what it (or the kernel) sends on this interface. */
    if ((rc = set_int_option(p->fd, PACKET_IGNORE_OUTGOING, 1)) != 0) {
        goto fail;
    }
    /* Optional: straight to the driver's queue; the router does its own queuing (HQF). */
    (void)set_int_option(p->fd, PACKET_QDISC_BYPASS, 1);

    if ((rc = setup_rings(p, rx_frames, tx_frames, frame_size)) != 0) {
        goto fail;
    }

    memset(&addr, 0, sizeof addr);
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = p->ifindex;
    if (bind(p->fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        rc = neg_errno();
        goto fail;
    }
    memset(&promisc, 0, sizeof promisc);
    promisc.mr_ifindex = p->ifindex;
    promisc.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &promisc, sizeof promisc) != 0) {
        rc = neg_errno();
        goto fail;
    }
    /* Reading the counters resets them: start from zero at open. */
    (void)getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &discard_stats, &stats_len);
    *out = p;
    return 0;

fail:
    arn_port_close(p);
    return rc;
}

void arn_port_close(arn_port *port)
{
    if (port == NULL) {
        return;
    }
    if (port->map != NULL) {
        munmap(port->map, port->map_len);
    }
    if (port->fd >= 0) {
        close(port->fd);
    }
    free(port);
}

/* V3: the read cursor leaves a block it has read to the end. Without hold the
 * block goes back to the kernel now; with hold (zero-copy) it stays the
 * caller's until its frames are released. */
static void rx_v3_leave_block(arn_port *p, int hold)
{
    if (hold) {
        p->rx_blocks_passed++;
    } else {
        store_status(&rx_v3_block(p, p->rx_block)->hdr.bh1.block_status, TP_STATUS_KERNEL);
    }
    p->rx_next = NULL;
    p->rx_block = (p->rx_block + 1) % p->rx_block_nr;
    if (!hold) {
        /* Nothing is held on the copy-out path: the release point follows the cursor. */
        p->rx_release_block = p->rx_block;
        p->rx_released = 0;
    }
}

/* V3: the next frame, opening the next block when the current one is used up.
 * NULL when nothing waits, or (hold) when every block is held by the caller. */
static struct tpacket3_hdr *rx_v3_next(arn_port *p, int hold)
{
    while (p->rx_block_left == 0) {
        struct tpacket_block_desc *block;
        if (p->rx_next != NULL) {
            rx_v3_leave_block(p, hold); /* an open block without frames */
        }
        if (p->rx_blocks_passed == p->rx_block_nr) {
            /* The cursor has come round to the oldest held block: its USER
             * status is the caller's hold, not new frames. */
            return NULL;
        }
        block = rx_v3_block(p, p->rx_block);
        if ((load_status(&block->hdr.bh1.block_status) & TP_STATUS_USER) == 0) {
            return NULL;
        }
        p->rx_block_left = block->hdr.bh1.num_pkts;
        p->rx_next = (struct tpacket3_hdr *)(void *)((uint8_t *)block + block->hdr.bh1.offset_to_first_pkt);
    }
    return p->rx_next;
}

static void rx_v3_advance(arn_port *p, int hold)
{
    struct tpacket3_hdr *frame = p->rx_next;
    p->rx_block_left--;
    if (p->rx_block_left != 0) {
        p->rx_next = (struct tpacket3_hdr *)(void *)((uint8_t *)frame + frame->tp_next_offset);
        return;
    }
    /* Last frame of the block: leave it now rather than at the next call. */
    rx_v3_leave_block(p, hold);
}

/* V3: releases the n oldest held frames, giving back every passed block whose
 * frames are all released (also blocks passed without frames, with n = 0). */
static void rx_v3_release(arn_port *p, uint32_t n)
{
    while (p->rx_blocks_passed != 0) {
        struct tpacket_block_desc *block = rx_v3_block(p, p->rx_release_block);
        uint32_t unreleased = block->hdr.bh1.num_pkts - p->rx_released;
        if (n < unreleased) {
            break;
        }
        n -= unreleased;
        store_status(&block->hdr.bh1.block_status, TP_STATUS_KERNEL);
        p->rx_release_block = (p->rx_release_block + 1) % p->rx_block_nr;
        p->rx_released = 0;
        p->rx_blocks_passed--;
    }
    /* The rest lie in the oldest held block: the passed one, or the one open under the cursor. */
    p->rx_released += n;
}

int arn_port_rx_burst(arn_port *port, uint8_t **bufs, uint16_t *lens, uint32_t max, uint32_t buf_capacity)
{
    uint32_t filled = 0;
    if (port == NULL) {
        return -EBADF;
    }
    if (port->rx_held != 0) {
        return -EBUSY; /* copying would skip the frames lent out by rx_peek */
    }
    if (port->mode == ARN_MODE_THROUGHPUT) {
        rx_v3_release(port, 0); /* blocks passed by rx_peek without frames */
        struct tpacket3_hdr *frame;
        while (filled < max && (frame = rx_v3_next(port, 0)) != NULL) {
            if (copy_frame_out((const uint8_t *)frame + frame->tp_mac, frame->tp_snaplen, frame->tp_len,
                               frame->tp_status, (uint16_t)frame->hv1.tp_vlan_tci,
                               frame->hv1.tp_vlan_tpid, bufs[filled], buf_capacity, &lens[filled])) {
                filled++;
            } else {
                port->rx_oversize++;
            }
            rx_v3_advance(port, 0);
        }
        return (int)filled;
    }
    while (filled < max) {
        struct tpacket2_hdr *frame = rx_v2_slot(port, port->rx_head);
        uint32_t status = load_status(&frame->tp_status);
        if ((status & TP_STATUS_USER) == 0) {
            break;
        }
        if (copy_frame_out((const uint8_t *)frame + frame->tp_mac, frame->tp_snaplen, frame->tp_len, status,
                           frame->tp_vlan_tci, frame->tp_vlan_tpid, bufs[filled], buf_capacity,
                           &lens[filled])) {
            filled++;
        } else {
            port->rx_oversize++;
        }
        store_status(&frame->tp_status, TP_STATUS_KERNEL);
        port->rx_head = port->rx_head + 1 == port->rx_frame_nr ? 0 : port->rx_head + 1;
    }
    return (int)filled;
}

int arn_port_rx_pending(arn_port *port)
{
    if (port == NULL) {
        return 0;
    }
    if (port->mode == ARN_MODE_THROUGHPUT) {
        /* Looking must not give back blocks that hold lent frames. */
        return rx_v3_next(port, port->rx_held != 0 || port->rx_blocks_passed != 0) != NULL;
    }
    if (port->rx_held == port->rx_frame_nr) {
        return 0;
    }
    return (load_status(&rx_v2_slot(port, (port->rx_head + port->rx_held) % port->rx_frame_nr)->tp_status) &
            TP_STATUS_USER) != 0;
}

/* Presents a received frame where it lies in its slot, as copy_frame_out
 * would present its copy: an 802.1Q tag the kernel took off is put back by
 * moving the MAC addresses 4 bytes down, into the gap the kernel leaves
 * between the sockaddr_ll after the ring header and the frame (at least 14
 * bytes for Ethernet: it aligns the network header to 16 bytes). Returns the
 * frame's start and sets *len_out, or sets *len_out = 0 for a frame that
 * cannot be presented (truncated, or no room for the tag). */
static const uint8_t *present_in_place(uint8_t *slot, uint32_t ring_header_len, uint32_t mac_offset,
                                       uint32_t snaplen, uint32_t wire_len, uint32_t status,
                                       uint16_t tci, uint16_t tpid, uint16_t *len_out)
{
    uint8_t *data = slot + mac_offset;
    int tagged = (status & TP_STATUS_VLAN_VALID) != 0 && snaplen >= MAC_ADDRS_LEN;
    uint32_t total = snaplen + (tagged ? VLAN_TAG_LEN : 0u);
    uint32_t reserved = TPACKET_ALIGN(ring_header_len) + (uint32_t)sizeof(struct sockaddr_ll);
    *len_out = 0;
    if (snaplen < wire_len || total > UINT16_MAX || (tagged && mac_offset < reserved + VLAN_TAG_LEN)) {
        return data;
    }
    if (tagged) {
        uint16_t tag_tpid = (status & TP_STATUS_VLAN_TPID_VALID) ? tpid : ETH_P_8021Q;
        data -= VLAN_TAG_LEN;
        memmove(data, data + VLAN_TAG_LEN, MAC_ADDRS_LEN);
        data[12] = (uint8_t)(tag_tpid >> 8);
        data[13] = (uint8_t)tag_tpid;
        data[14] = (uint8_t)(tci >> 8);
        data[15] = (uint8_t)tci;
    }
    if (status & TP_STATUS_CSUMNOTREADY) {
        complete_l4_checksum(data, total);
    }
    *len_out = (uint16_t)total;
    return data;
}

int arn_port_rx_peek(arn_port *port, const uint8_t **frames, uint16_t *lens, uint32_t max)
{
    uint32_t lent = 0;
    if (port == NULL) {
        return -EBADF;
    }
    if (port->mode == ARN_MODE_THROUGHPUT) {
        struct tpacket3_hdr *frame;
        rx_v3_release(port, 0);
        while (lent < max && (frame = rx_v3_next(port, 1)) != NULL) {
            frames[lent] = present_in_place((uint8_t *)frame, sizeof(struct tpacket3_hdr), frame->tp_mac,
                                            frame->tp_snaplen, frame->tp_len, frame->tp_status,
                                            (uint16_t)frame->hv1.tp_vlan_tci, frame->hv1.tp_vlan_tpid,
                                            &lens[lent]);
            rx_v3_advance(port, 1);
            port->rx_held++;
            lent++;
        }
        return (int)lent;
    }
    while (lent < max && port->rx_held < port->rx_frame_nr) {
        uint32_t slot = port->rx_head + port->rx_held;
        struct tpacket2_hdr *frame;
        uint32_t status;
        if (slot >= port->rx_frame_nr) {
            slot -= port->rx_frame_nr;
        }
        frame = rx_v2_slot(port, slot);
        status = load_status(&frame->tp_status);
        if ((status & TP_STATUS_USER) == 0) {
            break;
        }
        frames[lent] = present_in_place((uint8_t *)frame, sizeof(struct tpacket2_hdr), frame->tp_mac,
                                        frame->tp_snaplen, frame->tp_len, status, frame->tp_vlan_tci,
                                        frame->tp_vlan_tpid, &lens[lent]);
        port->rx_held++;
        lent++;
    }
    return (int)lent;
}

int arn_port_rx_release(arn_port *port, uint32_t n)
{
    uint32_t i;
    if (port == NULL) {
        return -EBADF;
    }
    if (n > port->rx_held) {
        n = port->rx_held;
    }
    port->rx_held -= n;
    if (port->mode == ARN_MODE_THROUGHPUT) {
        rx_v3_release(port, n);
        return (int)n;
    }
    for (i = 0; i < n; i++) {
        store_status(&rx_v2_slot(port, port->rx_head)->tp_status, TP_STATUS_KERNEL);
        port->rx_head = port->rx_head + 1 == port->rx_frame_nr ? 0 : port->rx_head + 1;
    }
    return (int)n;
}

int arn_port_rx_discard(arn_port *port, uint32_t max)
{
    uint32_t dropped = 0;
    if (port == NULL) {
        return -EBADF;
    }
    if (port->rx_held != 0) {
        return -EBUSY;
    }
    if (port->mode == ARN_MODE_THROUGHPUT) {
        rx_v3_release(port, 0);
        while (dropped < max && rx_v3_next(port, 0) != NULL) {
            rx_v3_advance(port, 0);
            dropped++;
        }
        return (int)dropped;
    }
    while (dropped < max) {
        struct tpacket2_hdr *frame = rx_v2_slot(port, port->rx_head);
        if ((load_status(&frame->tp_status) & TP_STATUS_USER) == 0) {
            break;
        }
        store_status(&frame->tp_status, TP_STATUS_KERNEL);
        port->rx_head = port->rx_head + 1 == port->rx_frame_nr ? 0 : port->rx_head + 1;
        dropped++;
    }
    return (int)dropped;
}

uint64_t arn_port_rx_oversize(arn_port *port) { return port == NULL ? 0 : port->rx_oversize; }

uint64_t arn_port_tx_oversize(arn_port *port) { return port == NULL ? 0 : port->tx_oversize; }

/* Slots the kernel has finished with go back to the free side, oldest first. */
static void tx_reclaim(arn_port *p)
{
    uint32_t in_use = p->tx_head - p->tx_tail;
    while (in_use != 0) {
        uint32_t slot = p->tx_tail % p->tx_frame_nr;
        uint32_t status = load_status(tx_status(p, slot));
        if (status != TP_STATUS_AVAILABLE && status != TP_STATUS_WRONG_FORMAT) {
            break;
        }
        p->tx_tail++;
        in_use--;
    }
}

int arn_port_tx_room(arn_port *port)
{
    if (port == NULL) {
        return 0;
    }
    tx_reclaim(port);
    return (int)(port->tx_frame_nr - (port->tx_head - port->tx_tail));
}

static int interface_up(const arn_port *p)
{
    struct ifreq ifr;
    return if_request(p, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP) != 0;
}

int arn_port_tx_burst(arn_port *port, const uint8_t **frames, const uint16_t *lens, uint32_t n)
{
    uint32_t taken = 0;
    uint32_t capacity;
    if (port == NULL) {
        return -EBADF;
    }
    if (port->tx_down && interface_up(port)) {
        port->tx_down = 0;
    }
    if (port->tx_down) {
        /* Frames for an interface that is down are lost, as on a cable that is cut. */
        port->tx_down_dropped += n;
        return (int)n;
    }
    capacity = port->tx_frame_size - port->tx_data_offset;
    if (port->tx_head - port->tx_tail + n > port->tx_frame_nr) {
        tx_reclaim(port);
    }
    while (taken < n && port->tx_head - port->tx_tail < port->tx_frame_nr) {
        uint32_t slot = port->tx_head % port->tx_frame_nr;
        uint8_t *frame = port->tx_ring + (size_t)slot * port->tx_frame_size;
        uint32_t len = lens[taken];
        if (len > capacity || len == 0) {
            port->tx_oversize++;
            taken++;
            continue;
        }
        memcpy(frame + port->tx_data_offset, frames[taken], len);
        if (port->mode == ARN_MODE_THROUGHPUT) {
            struct tpacket3_hdr *hdr = (struct tpacket3_hdr *)(void *)frame;
            hdr->tp_len = len;
            hdr->tp_snaplen = len;
            hdr->tp_next_offset = 0;
        } else {
            struct tpacket2_hdr *hdr = (struct tpacket2_hdr *)(void *)frame;
            hdr->tp_len = len;
            hdr->tp_snaplen = len;
        }
        store_status(tx_status(port, slot), TP_STATUS_SEND_REQUEST);
        port->tx_head++;
        port->tx_queued++;
        taken++;
    }
    return (int)taken;
}

int arn_port_tx_flush(arn_port *port)
{
    int dropped;
    if (port == NULL) {
        return -EBADF;
    }
    if (port->tx_down && interface_up(port)) {
        port->tx_down = 0;
    }
    if (port->tx_queued != 0 && !port->tx_down) {
        ssize_t rc = send(port->fd, NULL, 0, MSG_DONTWAIT);
        if (rc < 0 && errno == ENETDOWN && interface_up(port)) {
            /* A down/up cycle leaves ENETDOWN pending on the socket; that send()
             * consumed it, this one sends. */
            rc = send(port->fd, NULL, 0, MSG_DONTWAIT);
        }
        if (rc >= 0) {
            port->tx_queued = 0;
        } else if (errno == ENETDOWN || errno == ENXIO) {
            /* The kernel took none of the queued slots, and its own ring head
             * stays on them, so they cannot be taken back: they go out when the
             * interface is up again. New frames are dropped until then. */
            port->tx_down = 1;
        } else if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
            return neg_errno();
        }
        /* EAGAIN, ENOBUFS, EINTR: the driver queue is full; the next flush retries. */
    }
    tx_reclaim(port);
    dropped = (int)port->tx_down_dropped;
    port->tx_down_dropped = 0;
    return dropped;
}

int arn_port_fd(arn_port *port) { return port == NULL ? -EBADF : port->fd; }

int arn_port_stats(arn_port *port, uint64_t *rx_dropped, uint64_t *rx_packets)
{
    struct tpacket_stats_v3 stats;
    socklen_t len = sizeof stats;
    if (port == NULL) {
        return -EBADF;
    }
    memset(&stats, 0, sizeof stats);
    if (getsockopt(port->fd, SOL_PACKET, PACKET_STATISTICS, &stats, &len) != 0) {
        return neg_errno();
    }
    /* The kernel's tp_packets includes the drops; report frames put in the ring. */
    port->stat_drops += stats.tp_drops;
    port->stat_packets += stats.tp_packets - stats.tp_drops;
    if (rx_dropped != NULL) {
        *rx_dropped = port->stat_drops;
    }
    if (rx_packets != NULL) {
        *rx_packets = port->stat_packets;
    }
    return 0;
}

int arn_port_ifindex(arn_port *port) { return port == NULL ? -EBADF : port->ifindex; }

int arn_port_mac(arn_port *port, uint8_t out[6])
{
    struct ifreq ifr;
    int rc;
    if (port == NULL) {
        return -EBADF;
    }
    if ((rc = if_request(port, SIOCGIFHWADDR, &ifr)) != 0) {
        return rc;
    }
    memcpy(out, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int arn_port_mtu(arn_port *port)
{
    struct ifreq ifr;
    int rc;
    if (port == NULL) {
        return -EBADF;
    }
    if ((rc = if_request(port, SIOCGIFMTU, &ifr)) != 0) {
        return rc;
    }
    return ifr.ifr_mtu;
}

int arn_port_link_up(arn_port *port)
{
    struct ifreq ifr;
    int rc;
    if (port == NULL) {
        return -EBADF;
    }
    if ((rc = if_request(port, SIOCGIFFLAGS, &ifr)) != 0) {
        return rc;
    }
    return (ifr.ifr_flags & IFF_RUNNING) != 0;
}

int arn_port_rx_ring_frames(arn_port *port) { return port == NULL ? -EBADF : (int)port->rx_frame_nr; }

int arn_port_tx_ring_frames(arn_port *port) { return port == NULL ? -EBADF : (int)port->tx_frame_nr; }

int arn_eventfd_create(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd >= 0 ? fd : neg_errno();
}

int arn_eventfd_signal(int fd)
{
    uint64_t one = 1;
    if (write(fd, &one, sizeof one) == (ssize_t)sizeof one || errno == EAGAIN) {
        return 0;
    }
    return neg_errno();
}

int arn_eventfd_clear(int fd)
{
    uint64_t value;
    if (read(fd, &value, sizeof value) == (ssize_t)sizeof value || errno == EAGAIN) {
        return 0;
    }
    return neg_errno();
}

int arn_fd_close(int fd) { return close(fd) == 0 ? 0 : neg_errno(); }

int arn_poll(const int *fds, int nfds, int timeout_ms, uint32_t *ready_mask)
{
    struct pollfd set[32];
    int i;
    int ready;
    if (nfds < 0 || nfds > 32 || (nfds > 0 && fds == NULL)) {
        return -EINVAL;
    }
    for (i = 0; i < nfds; i++) {
        set[i].fd = fds[i];
        set[i].events = POLLIN;
        set[i].revents = 0;
    }
    if (ready_mask != NULL) {
        *ready_mask = 0;
    }
    ready = poll(set, (nfds_t)nfds, timeout_ms);
    if (ready < 0) {
        return errno == EINTR ? 0 : neg_errno();
    }
    if (ready_mask != NULL) {
        uint32_t mask = 0;
        for (i = 0; i < nfds; i++) {
            if (set[i].revents & POLLERR) {
                /* A socket error (ENETDOWN after its interface went down) stays
                 * pending, and poll() would return at once forever: consume it.
                 * On a descriptor that is not a socket this fails harmlessly. */
                int pending;
                socklen_t len = sizeof pending;
                (void)getsockopt(set[i].fd, SOL_SOCKET, SO_ERROR, &pending, &len);
            }
            if (set[i].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) {
                mask |= 1u << i;
            }
        }
        *ready_mask = mask;
    }
    return ready;
}

int arn_netns_enter(const char *path)
{
    int fd;
    int rc = 0;
    if (path == NULL) {
        return -EINVAL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return neg_errno();
    }
    if (setns(fd, CLONE_NEWNET) != 0) {
        rc = neg_errno();
    }
    close(fd);
    return rc;
}
