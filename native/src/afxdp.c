/* AF_XDP ports: one XDP socket per RX queue of an interface, with the
 * caller's packet memory (GPM) registered as each socket's UMEM, so the kernel
 * writes received frames straight into GPM buffers and transmits frames from
 * them. Buffers are named by index (address = index * chunk size); the
 * managed side decides which free buffers go into the fill rings and gets
 * transmitted buffers back from the completion rings, in any order.
 *
 * Every queue registers the same memory as its own UMEM (same addresses,
 * separate fill and completion rings), so queues never share a ring and no
 * shared-UMEM bookkeeping is needed.
 *
 * The XDP program is libxdp's default xsk redirect program, attached once per
 * interface after the sockets are bound and detached again at close; one left
 * by a process that died (a program of that name with no socket behind it) is
 * detached at open before the new one is attached.
 *
 * Without libxdp at build time (ARN_HAVE_XDP undefined) every call fails with
 * -EPROTONOSUPPORT and arn_xsk_supported() says 0. */
#include "actorrouter_native.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef ARN_HAVE_XDP

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#define XSK_PROGRAM_NAME "xsk_def_prog"

struct arn_xsk_queue {
    struct xsk_umem *umem;
    struct xsk_socket *xsk;
    struct xsk_ring_prod fill;
    struct xsk_ring_cons comp;
    struct xsk_ring_cons rx;
    struct xsk_ring_prod tx;
    int fd;
};

struct arn_xsk {
    int ifindex;
    char ifname[IFNAMSIZ];
    uint8_t *area;
    uint64_t area_size;
    int ctl_fd;
    int epoll_fd;
    int program_attached;
    uint32_t queue_count;
    uint32_t ring_size;
    uint32_t chunk_shift;
    uint64_t chunk_mask;
    uint32_t next_rx_queue;
    uint32_t tx_outstanding; /* posted to the TX ring, not yet seen in the completion ring */
    uint32_t tx_unsubmitted; /* reserved and written, not yet submitted */
    int zero_copy;
    int native_mode;
    struct arn_xsk_queue q[ARN_XSK_MAX_QUEUES];
};

static int neg_errno(void) { return errno > 0 ? -errno : -EIO; }

static int if_request(const arn_xsk *p, unsigned long request, struct ifreq *ifr)
{
    memset(ifr, 0, sizeof *ifr);
    memcpy(ifr->ifr_name, p->ifname, sizeof p->ifname);
    return ioctl(p->ctl_fd, request, ifr) == 0 ? 0 : neg_errno();
}

/* RX queues the NIC has (ethtool -l); 1 when the driver does not say. */
static uint32_t rx_queue_count(const arn_xsk *p)
{
    struct ethtool_channels channels;
    struct ifreq ifr;
    uint32_t n;
    memset(&channels, 0, sizeof channels);
    channels.cmd = ETHTOOL_GCHANNELS;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, p->ifname, sizeof p->ifname);
    ifr.ifr_data = (void *)&channels;
    if (ioctl(p->ctl_fd, SIOCETHTOOL, &ifr) != 0) {
        return 1;
    }
    n = channels.combined_count + channels.rx_count;
    return n == 0 ? 1 : n;
}

/* Detaches libxdp's xsk program from the interface when it is there: the one
 * this port attached (at close), or one a killed process left (at open). Any
 * other program is left alone. Returns 1 when one was detached, 0 when none
 * was found, or a negative errno. */
static int detach_xsk_program(int ifindex)
{
    struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
    struct xdp_program *prog;
    struct xdp_program *found = NULL;
    int rc = 0;
    int count = 0;
    if (mp == NULL || libxdp_get_error(mp)) {
        return 0;
    }
    if (xdp_multiprog__is_legacy(mp)) {
        prog = xdp_multiprog__main_prog(mp);
        if (prog != NULL && strcmp(xdp_program__name(prog), XSK_PROGRAM_NAME) == 0) {
            rc = xdp_multiprog__detach(mp);
            rc = rc == 0 ? 1 : rc;
        }
        xdp_multiprog__close(mp);
        return rc;
    }
    for (prog = xdp_multiprog__next_prog(NULL, mp); prog != NULL; prog = xdp_multiprog__next_prog(prog, mp)) {
        count++;
        if (strcmp(xdp_program__name(prog), XSK_PROGRAM_NAME) == 0) {
            found = prog;
        }
    }
    if (found != NULL) {
        rc = count == 1 ? xdp_multiprog__detach(mp)
                        : xdp_program__detach(found, ifindex, xdp_multiprog__attach_mode(mp), 0);
        rc = rc == 0 ? 1 : rc;
    }
    xdp_multiprog__close(mp);
    return rc;
}

static int program_mode_is_native(int ifindex)
{
    struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
    int native;
    if (mp == NULL || libxdp_get_error(mp)) {
        return 0;
    }
    native = xdp_multiprog__attach_mode(mp) == XDP_MODE_NATIVE;
    xdp_multiprog__close(mp);
    return native;
}

static void close_queues(arn_xsk *p)
{
    uint32_t i;
    for (i = 0; i < ARN_XSK_MAX_QUEUES; i++) {
        if (p->q[i].xsk != NULL) {
            xsk_socket__delete(p->q[i].xsk);
            p->q[i].xsk = NULL;
        }
        if (p->q[i].umem != NULL) {
            (void)xsk_umem__delete(p->q[i].umem);
            p->q[i].umem = NULL;
        }
    }
}

static int open_queue(arn_xsk *p, uint32_t queue, void *area, uint64_t area_size, uint32_t chunk_size,
                      uint32_t flags, int *failed_step)
{
    struct arn_xsk_queue *q = &p->q[queue];
    struct xsk_umem_config umem_config;
    struct xsk_socket_config socket_config;
    int rc;
    memset(&umem_config, 0, sizeof umem_config);
    umem_config.fill_size = p->ring_size;
    umem_config.comp_size = p->ring_size;
    umem_config.frame_size = chunk_size;
    umem_config.frame_headroom = 0;
    rc = xsk_umem__create(&q->umem, area, area_size, &q->fill, &q->comp, &umem_config);
    if (rc != 0) {
        q->umem = NULL;
        *failed_step = ARN_XSK_STEP_UMEM;
        return rc < 0 ? rc : -rc;
    }
    memset(&socket_config, 0, sizeof socket_config);
    socket_config.rx_size = p->ring_size;
    socket_config.tx_size = p->ring_size;
    socket_config.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
    rc = -EOPNOTSUPP;
    if ((flags & ARN_XSK_COPY_ONLY) == 0 && (queue == 0 || p->zero_copy)) {
        socket_config.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP;
        rc = xsk_socket__create(&q->xsk, p->ifname, queue, q->umem, &q->rx, queue == 0 ? &q->tx : NULL,
                                &socket_config);
        if (rc == 0 && queue == 0) {
            p->zero_copy = 1;
        }
    }
    if (rc != 0) {
        /* The driver has no zero-copy (veth, most virtual NICs): copy mode. */
        q->xsk = NULL;
        socket_config.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
        rc = xsk_socket__create(&q->xsk, p->ifname, queue, q->umem, &q->rx, queue == 0 ? &q->tx : NULL,
                                &socket_config);
    }
    if (rc != 0) {
        q->xsk = NULL;
        *failed_step = ARN_XSK_STEP_BIND;
        return rc < 0 ? rc : -rc;
    }
    q->fd = xsk_socket__fd(q->xsk);
    return 0;
}

/* The shim never prints: libxdp's and libbpf's own messages are silenced. */
static int silent_libxdp(enum libxdp_print_level level, const char *format, va_list args)
{
    (void)level; (void)format; (void)args;
    return 0;
}

static int silent_libbpf(enum libbpf_print_level level, const char *format, va_list args)
{
    (void)level; (void)format; (void)args;
    return 0;
}

int arn_xsk_supported(void) { return 1; }

int arn_xsk_open(const char *ifname, void *area, uint64_t area_size, uint32_t chunk_size, uint32_t ring_size,
                 uint32_t max_queues, uint32_t flags, arn_xsk **out, int *failed_step)
{
    arn_xsk *p;
    uint32_t i;
    int rc;
    int step_scratch = 0;
    int map_fd = -1;
    if (failed_step == NULL) {
        failed_step = &step_scratch;
    }
    *failed_step = ARN_XSK_STEP_ARGUMENTS;
    if (out == NULL || ifname == NULL || area == NULL || ((uintptr_t)area & 4095u) != 0 || chunk_size < 2048 ||
        chunk_size > 4096 || (chunk_size & (chunk_size - 1)) != 0 || area_size == 0 || area_size % chunk_size != 0 ||
        ring_size == 0 || (ring_size & (ring_size - 1)) != 0) {
        return -EINVAL;
    }
    *out = NULL;
    if (strlen(ifname) >= IFNAMSIZ) {
        *failed_step = ARN_XSK_STEP_INTERFACE;
        return -ENAMETOOLONG;
    }
    libxdp_set_print(silent_libxdp);
    libbpf_set_print(silent_libbpf);
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        return -ENOMEM;
    }
    p->epoll_fd = -1;
    strncpy(p->ifname, ifname, IFNAMSIZ - 1);
    p->ring_size = ring_size;
    p->area = area;
    p->area_size = area_size;
    p->chunk_shift = (uint32_t)__builtin_ctz(chunk_size);
    p->chunk_mask = chunk_size - 1;
    p->ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (p->ctl_fd < 0) {
        rc = neg_errno();
        *failed_step = ARN_XSK_STEP_INTERFACE;
        free(p);
        return rc;
    }
    p->ifindex = (int)if_nametoindex(ifname);
    if (p->ifindex == 0) {
        *failed_step = ARN_XSK_STEP_INTERFACE;
        rc = errno == ENXIO || errno == 0 ? -ENODEV : neg_errno();
        goto fail;
    }
    p->queue_count = rx_queue_count(p);
    if (max_queues == 0) {
        max_queues = 1;
    }
    if (p->queue_count > max_queues) {
        p->queue_count = max_queues;
    }
    if (p->queue_count > ARN_XSK_MAX_QUEUES) {
        p->queue_count = ARN_XSK_MAX_QUEUES;
    }

    /* A program left by a router that was killed: its sockets are gone with
     * the process, so it only redirects into an empty map. */
    rc = detach_xsk_program(p->ifindex);
    if (rc < 0) {
        *failed_step = ARN_XSK_STEP_PROGRAM;
        goto fail;
    }

    for (i = 0; i < p->queue_count; i++) {
        rc = open_queue(p, i, area, area_size, 1u << p->chunk_shift, flags, failed_step);
        if (rc != 0) {
            goto fail;
        }
    }

    rc = xsk_setup_xdp_prog(p->ifindex, &map_fd);
    if (rc != 0) {
        *failed_step = ARN_XSK_STEP_PROGRAM;
        rc = rc < 0 ? rc : -rc;
        goto fail;
    }
    p->program_attached = 1;
    for (i = 0; i < p->queue_count; i++) {
        rc = xsk_socket__update_xskmap(p->q[i].xsk, map_fd);
        if (rc != 0) {
            *failed_step = ARN_XSK_STEP_PROGRAM;
            rc = rc < 0 ? rc : -rc;
            goto fail;
        }
    }
    close(map_fd);
    map_fd = -1;
    p->native_mode = program_mode_is_native(p->ifindex);

    if (p->queue_count > 1) {
        /* One descriptor to poll for every queue: an epoll set is itself pollable. */
        p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (p->epoll_fd < 0) {
            rc = neg_errno();
            *failed_step = ARN_XSK_STEP_POLL;
            goto fail;
        }
        for (i = 0; i < p->queue_count; i++) {
            struct epoll_event event;
            memset(&event, 0, sizeof event);
            event.events = EPOLLIN;
            event.data.u32 = i;
            if (epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, p->q[i].fd, &event) != 0) {
                rc = neg_errno();
                *failed_step = ARN_XSK_STEP_POLL;
                goto fail;
            }
        }
    }
    *failed_step = 0;
    *out = p;
    return 0;

fail:
    if (map_fd >= 0) {
        close(map_fd);
    }
    arn_xsk_close(p);
    return rc;
}

void arn_xsk_close(arn_xsk *p)
{
    if (p == NULL) {
        return;
    }
    close_queues(p);
    if (p->program_attached) {
        (void)detach_xsk_program(p->ifindex);
    }
    if (p->epoll_fd >= 0) {
        close(p->epoll_fd);
    }
    if (p->ctl_fd >= 0) {
        close(p->ctl_fd);
    }
    free(p);
}

int arn_xsk_detach_stale(const char *ifname)
{
    int ifindex;
    if (ifname == NULL) {
        return -EINVAL;
    }
    ifindex = (int)if_nametoindex(ifname);
    if (ifindex == 0) {
        return -ENODEV;
    }
    return detach_xsk_program(ifindex);
}

int arn_xsk_program_attached(const char *ifname)
{
    struct xdp_multiprog *mp;
    struct xdp_program *prog;
    int ifindex;
    int found = 0;
    if (ifname == NULL) {
        return -EINVAL;
    }
    ifindex = (int)if_nametoindex(ifname);
    if (ifindex == 0) {
        return -ENODEV;
    }
    mp = xdp_multiprog__get_from_ifindex(ifindex);
    if (mp == NULL || libxdp_get_error(mp)) {
        return 0;
    }
    if (xdp_multiprog__is_legacy(mp)) {
        prog = xdp_multiprog__main_prog(mp);
        found = prog != NULL && strcmp(xdp_program__name(prog), XSK_PROGRAM_NAME) == 0;
    } else {
        for (prog = xdp_multiprog__next_prog(NULL, mp); prog != NULL; prog = xdp_multiprog__next_prog(prog, mp)) {
            found |= strcmp(xdp_program__name(prog), XSK_PROGRAM_NAME) == 0;
        }
    }
    xdp_multiprog__close(mp);
    return found;
}

/* Puts a queue's fill ring's free buffers in and wakes the kernel when it asked to be. */
static uint32_t fill_queue(arn_xsk *p, struct arn_xsk_queue *q, const uint32_t *buffers, uint32_t n)
{
    uint32_t idx = 0;
    uint32_t room = xsk_prod_nb_free(&q->fill, n);
    uint32_t i;
    if (room < n) {
        n = room;
    }
    if (n == 0 || xsk_ring_prod__reserve(&q->fill, n, &idx) != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        *xsk_ring_prod__fill_addr(&q->fill, idx + i) = (uint64_t)buffers[i] << p->chunk_shift;
    }
    xsk_ring_prod__submit(&q->fill, n);
    if (xsk_ring_prod__needs_wakeup(&q->fill)) {
        (void)recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
    }
    return n;
}

int arn_xsk_fill(arn_xsk *p, const uint32_t *buffers, uint32_t n)
{
    uint32_t placed = 0;
    uint32_t i;
    if (p == NULL || (n > 0 && buffers == NULL)) {
        return -EINVAL;
    }
    /* Share the buffers evenly; what a full ring refuses goes to the next. */
    for (i = 0; i < p->queue_count && placed < n; i++) {
        uint32_t share = (n - placed + (p->queue_count - i) - 1) / (p->queue_count - i);
        placed += fill_queue(p, &p->q[i], buffers + placed, share);
    }
    for (i = 0; i < p->queue_count && placed < n; i++) {
        placed += fill_queue(p, &p->q[i], buffers + placed, n - placed);
    }
    return (int)placed;
}

int arn_xsk_rx_swap(arn_xsk *p, uint32_t *buffers, uint16_t *offsets, uint16_t *lens, uint32_t n)
{
    uint32_t done = 0;
    uint32_t turn;
    if (p == NULL || (n > 0 && (buffers == NULL || offsets == NULL || lens == NULL))) {
        return -EINVAL;
    }
    for (turn = 0; turn < p->queue_count && done < n; turn++) {
        struct arn_xsk_queue *q = &p->q[p->next_rx_queue];
        uint32_t rx_idx = 0;
        uint32_t fill_idx = 0;
        uint32_t got;
        uint32_t i;
        p->next_rx_queue = p->next_rx_queue + 1 == p->queue_count ? 0 : p->next_rx_queue + 1;
        got = xsk_ring_cons__peek(&q->rx, n - done, &rx_idx);
        if (got == 0) {
            continue;
        }
        /* Every received buffer came from this fill ring, so it has room for
         * as many replacements; the check only guards against misuse. */
        if (xsk_prod_nb_free(&q->fill, got) < got) {
            got = xsk_prod_nb_free(&q->fill, got);
            if (got == 0) {
                xsk_ring_cons__cancel(&q->rx, 0);
                continue;
            }
        }
        xsk_ring_prod__reserve(&q->fill, got, &fill_idx);
        for (i = 0; i < got; i++) {
            const struct xdp_desc *desc = xsk_ring_cons__rx_desc(&q->rx, rx_idx + i);
            uint32_t slot = done + i;
            *xsk_ring_prod__fill_addr(&q->fill, fill_idx + i) = (uint64_t)buffers[slot] << p->chunk_shift;
            buffers[slot] = (uint32_t)(desc->addr >> p->chunk_shift);
            offsets[slot] = (uint16_t)(desc->addr & p->chunk_mask);
            lens[slot] = (uint16_t)desc->len;
        }
        xsk_ring_cons__release(&q->rx, got);
        xsk_ring_prod__submit(&q->fill, got);
        if (xsk_ring_prod__needs_wakeup(&q->fill)) {
            (void)recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
        }
        done += got;
    }
    return (int)done;
}

int arn_xsk_rx_pending(arn_xsk *p)
{
    uint32_t i;
    if (p == NULL) {
        return 0;
    }
    for (i = 0; i < p->queue_count; i++) {
        if (xsk_cons_nb_avail(&p->q[i].rx, 1) > 0) {
            return 1;
        }
    }
    return 0;
}

int arn_xsk_rx_discard(arn_xsk *p, uint32_t max)
{
    uint32_t done = 0;
    uint32_t i;
    if (p == NULL) {
        return -EINVAL;
    }
    for (i = 0; i < p->queue_count && done < max; i++) {
        struct arn_xsk_queue *q = &p->q[i];
        uint32_t rx_idx = 0;
        uint32_t fill_idx = 0;
        uint32_t got = xsk_ring_cons__peek(&q->rx, max - done, &rx_idx);
        uint32_t k;
        if (got == 0) {
            continue;
        }
        /* The frames' own buffers go straight back to the fill ring. */
        xsk_ring_prod__reserve(&q->fill, got, &fill_idx);
        for (k = 0; k < got; k++) {
            const struct xdp_desc *desc = xsk_ring_cons__rx_desc(&q->rx, rx_idx + k);
            *xsk_ring_prod__fill_addr(&q->fill, fill_idx + k) = desc->addr & ~p->chunk_mask;
        }
        xsk_ring_cons__release(&q->rx, got);
        xsk_ring_prod__submit(&q->fill, got);
        done += got;
    }
    return (int)done;
}

int arn_xsk_rx_copy(arn_xsk *p, uint8_t **bufs, uint16_t *lens, uint32_t max, uint32_t buf_capacity,
                    uint64_t *oversize)
{
    uint32_t done = 0;
    uint32_t i;
    if (p == NULL || (max > 0 && (bufs == NULL || lens == NULL))) {
        return -EINVAL;
    }
    for (i = 0; i < p->queue_count && done < max; i++) {
        struct arn_xsk_queue *q = &p->q[(p->next_rx_queue + i) % p->queue_count];
        uint32_t rx_idx = 0;
        uint32_t fill_idx = 0;
        uint32_t got = xsk_ring_cons__peek(&q->rx, max - done, &rx_idx);
        uint32_t k;
        uint32_t kept = 0;
        if (got == 0) {
            continue;
        }
        xsk_ring_prod__reserve(&q->fill, got, &fill_idx);
        for (k = 0; k < got; k++) {
            const struct xdp_desc *desc = xsk_ring_cons__rx_desc(&q->rx, rx_idx + k);
            if (desc->len > buf_capacity) {
                if (oversize != NULL) {
                    (*oversize)++;
                }
            } else {
                memcpy(bufs[done + kept], p->area + desc->addr, desc->len);
                lens[done + kept] = (uint16_t)desc->len;
                kept++;
            }
            *xsk_ring_prod__fill_addr(&q->fill, fill_idx + k) = desc->addr & ~p->chunk_mask;
        }
        xsk_ring_cons__release(&q->rx, got);
        xsk_ring_prod__submit(&q->fill, got);
        done += kept;
    }
    return (int)done;
}

int arn_xsk_tx_complete(arn_xsk *p, uint32_t *buffers, uint32_t max)
{
    struct arn_xsk_queue *q;
    uint32_t idx = 0;
    uint32_t got;
    uint32_t i;
    if (p == NULL || (max > 0 && buffers == NULL)) {
        return -EINVAL;
    }
    q = &p->q[0];
    got = xsk_ring_cons__peek(&q->comp, max, &idx);
    for (i = 0; i < got; i++) {
        buffers[i] = (uint32_t)(*xsk_ring_cons__comp_addr(&q->comp, idx + i) >> p->chunk_shift);
    }
    if (got > 0) {
        xsk_ring_cons__release(&q->comp, got);
        p->tx_outstanding -= got;
    }
    return (int)got;
}

/* Descriptors the kernel has not taken from the TX ring yet. */
static uint32_t tx_unconsumed(const struct arn_xsk_queue *q)
{
    return q->tx.cached_prod - __atomic_load_n(q->tx.consumer, __ATOMIC_ACQUIRE);
}

/* Wakes the kernel until it has taken every submitted descriptor. In copy mode
 * one sendto() sends at most a small batch (32 frames in current kernels) and
 * says EAGAIN when more are left, so a larger burst needs several calls; they
 * stop when a call makes no progress (the kernel is busy: the next flush or
 * tx_room continues) or the link is down. */
static int kick_tx(arn_xsk *p)
{
    struct arn_xsk_queue *q = &p->q[0];
    uint32_t rounds;
    uint32_t left = tx_unconsumed(q);
    for (rounds = 0; rounds <= p->ring_size && left > 0; rounds++) {
        uint32_t before = left;
        if (!xsk_ring_prod__needs_wakeup(&q->tx)) {
            return 0;
        }
        if (sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN && errno != EBUSY &&
            errno != ENOBUFS && errno != EINTR) {
            return errno == ENETDOWN || errno == ENXIO ? 0 : neg_errno();
        }
        left = tx_unconsumed(q);
        if (left >= before) {
            return 0;
        }
    }
    return 0;
}

int arn_xsk_tx_room(arn_xsk *p)
{
    if (p == NULL) {
        return -EINVAL;
    }
    if (p->tx_unsubmitted == 0 && tx_unconsumed(&p->q[0]) > 0) {
        (void)kick_tx(p); /* a burst an earlier flush left half sent */
    }
    return (int)(p->ring_size - p->tx_outstanding);
}

int arn_xsk_tx_outstanding(arn_xsk *p) { return p == NULL ? -EINVAL : (int)p->tx_outstanding; }

int arn_xsk_tx_burst(arn_xsk *p, const uint32_t *buffers, const uint16_t *offsets, const uint16_t *lens, uint32_t n)
{
    struct arn_xsk_queue *q;
    uint32_t idx = 0;
    uint32_t room;
    uint32_t i;
    if (p == NULL || (n > 0 && (buffers == NULL || offsets == NULL || lens == NULL))) {
        return -EINVAL;
    }
    q = &p->q[0];
    room = p->ring_size - p->tx_outstanding;
    if (n > room) {
        n = room;
    }
    if (n == 0 || xsk_ring_prod__reserve(&q->tx, n, &idx) != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        struct xdp_desc *desc = xsk_ring_prod__tx_desc(&q->tx, idx + i);
        desc->addr = ((uint64_t)buffers[i] << p->chunk_shift) + offsets[i];
        desc->len = lens[i];
        desc->options = 0;
    }
    p->tx_outstanding += n;
    p->tx_unsubmitted += n;
    return (int)n;
}

int arn_xsk_tx_flush(arn_xsk *p)
{
    struct arn_xsk_queue *q;
    if (p == NULL) {
        return -EINVAL;
    }
    q = &p->q[0];
    if (p->tx_unsubmitted > 0) {
        xsk_ring_prod__submit(&q->tx, p->tx_unsubmitted);
        p->tx_unsubmitted = 0;
    }
    /* Kicks only when the kernel asked for a wake-up (copy mode always does; zero-copy drivers
     * mostly do not): one sendto() per batch, more only for a batch the kernel sends in parts. */
    return kick_tx(p);
}

int arn_xsk_stats(arn_xsk *p, uint64_t *out)
{
    uint32_t i;
    if (p == NULL || out == NULL) {
        return -EINVAL;
    }
    memset(out, 0, sizeof(uint64_t) * ARN_XSK_STAT_COUNT);
    for (i = 0; i < p->queue_count; i++) {
        struct xdp_statistics stats;
        socklen_t len = sizeof stats;
        memset(&stats, 0, sizeof stats);
        if (getsockopt(p->q[i].fd, SOL_XDP, XDP_STATISTICS, &stats, &len) != 0) {
            return neg_errno();
        }
        out[0] += stats.rx_dropped;
        out[1] += stats.rx_invalid_descs;
        out[2] += stats.tx_invalid_descs;
        out[3] += stats.rx_ring_full;
        out[4] += stats.rx_fill_ring_empty_descs;
        out[5] += stats.tx_ring_empty_descs;
    }
    return 0;
}

int arn_xsk_fd(arn_xsk *p)
{
    if (p == NULL) {
        return -EBADF;
    }
    return p->epoll_fd >= 0 ? p->epoll_fd : p->q[0].fd;
}

int arn_xsk_queue_count(arn_xsk *p) { return p == NULL ? -EBADF : (int)p->queue_count; }

int arn_xsk_mode(arn_xsk *p)
{
    if (p == NULL) {
        return -EBADF;
    }
    return (p->zero_copy ? ARN_XSK_MODE_ZERO_COPY : 0) | (p->native_mode ? ARN_XSK_MODE_NATIVE : 0);
}

int arn_xsk_mac(arn_xsk *p, uint8_t out[6])
{
    struct ifreq ifr;
    int rc;
    if (p == NULL) {
        return -EBADF;
    }
    if ((rc = if_request(p, SIOCGIFHWADDR, &ifr)) != 0) {
        return rc;
    }
    memcpy(out, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int arn_xsk_mtu(arn_xsk *p)
{
    struct ifreq ifr;
    int rc;
    if (p == NULL) {
        return -EBADF;
    }
    if ((rc = if_request(p, SIOCGIFMTU, &ifr)) != 0) {
        return rc;
    }
    return ifr.ifr_mtu;
}

int arn_xsk_link_up(arn_xsk *p)
{
    struct ifreq ifr;
    int rc;
    if (p == NULL) {
        return -EBADF;
    }
    if ((rc = if_request(p, SIOCGIFFLAGS, &ifr)) != 0) {
        return rc;
    }
    return (ifr.ifr_flags & IFF_RUNNING) != 0;
}

#else /* no libxdp at build time: the driver is compiled out */

struct arn_xsk {
    int unused;
};

int arn_xsk_supported(void) { return 0; }

int arn_xsk_open(const char *ifname, void *area, uint64_t area_size, uint32_t chunk_size, uint32_t ring_size,
                 uint32_t max_queues, uint32_t flags, arn_xsk **out, int *failed_step)
{
    (void)ifname; (void)area; (void)area_size; (void)chunk_size; (void)ring_size; (void)max_queues; (void)flags;
    if (out != NULL) {
        *out = NULL;
    }
    if (failed_step != NULL) {
        *failed_step = ARN_XSK_STEP_BUILD;
    }
    return -EPROTONOSUPPORT;
}

void arn_xsk_close(arn_xsk *p) { (void)p; }
int arn_xsk_detach_stale(const char *ifname) { (void)ifname; return -EPROTONOSUPPORT; }
int arn_xsk_program_attached(const char *ifname) { (void)ifname; return -EPROTONOSUPPORT; }
int arn_xsk_fill(arn_xsk *p, const uint32_t *b, uint32_t n) { (void)p; (void)b; (void)n; return -EPROTONOSUPPORT; }
int arn_xsk_rx_swap(arn_xsk *p, uint32_t *b, uint16_t *o, uint16_t *l, uint32_t n)
{
    (void)p; (void)b; (void)o; (void)l; (void)n;
    return -EPROTONOSUPPORT;
}
int arn_xsk_rx_pending(arn_xsk *p) { (void)p; return 0; }
int arn_xsk_rx_discard(arn_xsk *p, uint32_t max) { (void)p; (void)max; return -EPROTONOSUPPORT; }
int arn_xsk_rx_copy(arn_xsk *p, uint8_t **b, uint16_t *l, uint32_t max, uint32_t cap, uint64_t *o)
{
    (void)p; (void)b; (void)l; (void)max; (void)cap; (void)o;
    return -EPROTONOSUPPORT;
}
int arn_xsk_tx_complete(arn_xsk *p, uint32_t *b, uint32_t max) { (void)p; (void)b; (void)max; return -EPROTONOSUPPORT; }
int arn_xsk_tx_room(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }
int arn_xsk_tx_outstanding(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }
int arn_xsk_tx_burst(arn_xsk *p, const uint32_t *b, const uint16_t *o, const uint16_t *l, uint32_t n)
{
    (void)p; (void)b; (void)o; (void)l; (void)n;
    return -EPROTONOSUPPORT;
}
int arn_xsk_tx_flush(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }
int arn_xsk_stats(arn_xsk *p, uint64_t *out) { (void)p; (void)out; return -EPROTONOSUPPORT; }
int arn_xsk_fd(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }
int arn_xsk_queue_count(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }
int arn_xsk_mode(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }
int arn_xsk_mac(arn_xsk *p, uint8_t out[6]) { (void)p; (void)out; return -EPROTONOSUPPORT; }
int arn_xsk_mtu(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }
int arn_xsk_link_up(arn_xsk *p) { (void)p; return -EPROTONOSUPPORT; }

#endif
