/* The C shim between ActorRouter's managed data plane and Linux packet I/O.
 * Every exported symbol is prefixed arn_; the ABI number changes whenever a
 * signature or a shared struct layout changes, and the managed side refuses
 * a library whose ABI it does not know.
 *
 * Errors come back as negative errno values; the library never exits, aborts
 * or prints. */
#ifndef ACTORROUTER_NATIVE_H
#define ACTORROUTER_NATIVE_H

#include <stdint.h>

#define ARN_EXPORT __attribute__((visibility("default")))
#define ARN_ABI_VERSION 6

/* Library version packed as (major << 16) | (minor << 8) | patch. */
ARN_EXPORT uint32_t arn_version(void);
/* ABI number of the exported API; see ARN_ABI_VERSION. */
ARN_EXPORT uint32_t arn_abi_version(void);

/* ---- Cycle counter ----------------------------------------------------------
 * The CPU's free-running counter, as VPP's `show runtime` counts clocks: the TSC
 * on x86 (constant rate on every CPU this router targets), the virtual counter on
 * arm64, CLOCK_MONOTONIC nanoseconds elsewhere. The kind says which one. */
#define ARN_CYCLES_MONOTONIC_NS 0
#define ARN_CYCLES_TSC 1
#define ARN_CYCLES_ARM_VIRTUAL_COUNTER 2
ARN_EXPORT uint64_t arn_cycle_counter(void);
ARN_EXPORT uint32_t arn_cycle_counter_kind(void);

/* ---- AF_PACKET ports ------------------------------------------------------
 * A port is one AF_PACKET socket bound to one interface, with an RX ring and
 * a TX ring in a single mmap, netmap style. One thread drives the RX side
 * (rx_burst, rx_pending, rx_discard, rx_peek, rx_release), one thread the TX side (tx_room,
 * tx_burst, tx_flush); the two may differ. The remaining calls may come from
 * any thread. */

typedef struct arn_port arn_port;

/* RX ring flavours. */
#define ARN_MODE_LATENCY 0    /* TPACKET_V2: poll() wakes per frame */
#define ARN_MODE_THROUGHPUT 1 /* TPACKET_V3: poll() wakes per block (1 ms retire timeout) */

/* Opens ifname in the calling thread's network namespace: promiscuous, own
 * transmissions not looped back, qdisc bypassed where the kernel allows it.
 * rx_frames/tx_frames: ring sizes in frames (rounded up to fill whole blocks);
 * frame_size: bytes per ring frame, a power of two from 256 to 65536 (a frame
 * holds the ring's header too, so the largest frame carried is a little less).
 * Returns 0 and *out, or -EPERM (no CAP_NET_RAW), -ENODEV (no such interface),
 * -ENAMETOOLONG, -EINVAL (bad sizes or mode), -ENOMEM, or any socket error. */
ARN_EXPORT int arn_port_open(const char *ifname, uint32_t rx_frames, uint32_t tx_frames,
                             uint32_t frame_size, int mode, arn_port **out);

/* Closes the socket and unmaps the rings. NULL is ignored. */
ARN_EXPORT void arn_port_close(arn_port *port);

/* RX: copies up to max waiting frames into bufs[i] (each buf_capacity bytes),
 * setting lens[i]; returns how many were filled. A frame that does not fit is
 * dropped and counted (arn_port_rx_oversize). An 802.1Q tag the kernel took
 * off the frame is put back in, and an IPv4 TCP/UDP checksum left for offload
 * by a sender on this host (TP_STATUS_CSUMNOTREADY) is completed. */
ARN_EXPORT int arn_port_rx_burst(arn_port *port, uint8_t **bufs, uint16_t *lens, uint32_t max,
                                 uint32_t buf_capacity);

/* RX: 1 when a frame is waiting in the ring, else 0. No system call. */
ARN_EXPORT int arn_port_rx_pending(arn_port *port);

/* RX: throws away up to max waiting frames; returns how many. */
ARN_EXPORT int arn_port_rx_discard(arn_port *port, uint32_t max);

/* RX, zero-copy: lends up to max waiting frames where they lie in the RX ring,
 * after those already lent: frames[i] points into the ring, lens[i] is its
 * length; returns how many were lent. The slots stay the caller's (the kernel
 * cannot reuse them, and fills no others once the ring is full) until
 * arn_port_rx_release gives them back, so a frame pointer is valid only until
 * then. Frames are presented as rx_burst presents its copies (802.1Q tag put
 * back, offloaded checksum completed, both in the ring); a frame rx_burst
 * would drop (truncated) is lent with lens[i] = 0 and must be released too.
 * In throughput mode (V3) a block goes back to the kernel only when all its
 * frames are released. While frames are lent, rx_burst and rx_discard fail
 * with -EBUSY. */
ARN_EXPORT int arn_port_rx_peek(arn_port *port, const uint8_t **frames, uint16_t *lens, uint32_t max);

/* RX, zero-copy: gives the n oldest lent frames' slots back to the kernel
 * (at most as many as are lent); returns how many were released. */
ARN_EXPORT int arn_port_rx_release(arn_port *port, uint32_t n);

/* RX: frames dropped so far because they did not fit the caller's buffer. */
ARN_EXPORT uint64_t arn_port_rx_oversize(arn_port *port);

/* TX: free TX slots right now (completed slots are reclaimed first). */
ARN_EXPORT int arn_port_tx_room(arn_port *port);

/* TX: copies frames[i] (lens[i] bytes) into free TX slots in order, as far as
 * there is room, without sending; returns how many were taken. A frame longer
 * than a slot is taken, dropped and counted (arn_port_tx_oversize). */
ARN_EXPORT int arn_port_tx_burst(arn_port *port, const uint8_t **frames, const uint16_t *lens,
                                 uint32_t n);

/* TX: hands every queued slot to the kernel with one send(MSG_DONTWAIT) and
 * reclaims completed slots. When send() finds the interface down, the slots
 * already queued wait for it to come up, and tx_burst drops (takes without
 * queuing) every frame until a flush sees it up again. Returns how many
 * frames tx_burst dropped that way since the previous flush (>= 0), or a
 * negative errno. */
ARN_EXPORT int arn_port_tx_flush(arn_port *port);

/* TX: frames dropped so far because they did not fit a TX slot. */
ARN_EXPORT uint64_t arn_port_tx_oversize(arn_port *port);

/* The socket, for poll(): readable when the RX ring holds frames. */
ARN_EXPORT int arn_port_fd(arn_port *port);

/* Kernel counters (PACKET_STATISTICS) accumulated since open: frames put in
 * the RX ring, and frames the kernel dropped because the ring was full.
 * Returns 0 or a negative errno. */
ARN_EXPORT int arn_port_stats(arn_port *port, uint64_t *rx_dropped, uint64_t *rx_packets);

/* Interface facts, read from the kernel at each call (they can change). */
ARN_EXPORT int arn_port_ifindex(arn_port *port);
/* Writes the 6-octet hardware address; returns 0 or a negative errno. */
ARN_EXPORT int arn_port_mac(arn_port *port, uint8_t out[6]);
/* MTU in bytes, or a negative errno. */
ARN_EXPORT int arn_port_mtu(arn_port *port);
/* 1 when the interface is running (IFF_RUNNING: up with carrier), 0 when not,
 * or a negative errno (-ENODEV when the interface is gone). */
ARN_EXPORT int arn_port_link_up(arn_port *port);
/* Slots in the RX and TX rings after rounding (what open actually made). */
ARN_EXPORT int arn_port_rx_ring_frames(arn_port *port);
ARN_EXPORT int arn_port_tx_ring_frames(arn_port *port);

/* ---- AF_XDP ports ----------------------------------------------------------
 * A port is one XDP socket per RX queue of an interface (ethtool -l; at most
 * max_queues and ARN_XSK_MAX_QUEUES), each registering the caller's packet
 * memory as its UMEM: buffer i is the chunk at area + i * chunk_size. The
 * kernel writes received frames into buffers taken from the fill rings, and
 * sends frames from buffers posted to the TX ring (queue 0), handing them back
 * through the completion ring. Buffers are named by index everywhere. One
 * thread drives the RX side (fill, rx_swap, rx_pending, rx_discard), one the TX
 * side (tx_room, tx_burst, tx_flush, tx_complete); the rest may come from any
 * thread. Zero-copy where the driver has it, else copy mode; libxdp's default
 * xsk program, attached native where the driver has XDP, else generic. */

typedef struct arn_xsk arn_xsk;

#define ARN_XSK_MAX_QUEUES 16
/* open flags */
#define ARN_XSK_COPY_ONLY 1u  /* do not try zero-copy */
/* arn_xsk_mode bits */
#define ARN_XSK_MODE_ZERO_COPY 1
#define ARN_XSK_MODE_NATIVE 2
/* The step arn_xsk_open failed at (its *failed_step). */
#define ARN_XSK_STEP_ARGUMENTS 1 /* bad area, chunk or ring size */
#define ARN_XSK_STEP_INTERFACE 2 /* looking up the interface */
#define ARN_XSK_STEP_UMEM 3      /* registering the memory (XDP_UMEM_REG) */
#define ARN_XSK_STEP_BIND 4      /* creating or binding the socket to a queue */
#define ARN_XSK_STEP_PROGRAM 5   /* loading, attaching or detaching the XDP program */
#define ARN_XSK_STEP_POLL 6      /* the epoll set over the queues */
#define ARN_XSK_STEP_BUILD 7     /* the library was built without libxdp */
/* arn_xsk_stats: counters in this order (XDP_STATISTICS, summed over queues). */
#define ARN_XSK_STAT_COUNT 6 /* rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full,
                                rx_fill_ring_empty_descs, tx_ring_empty_descs */

/* 1 when the library was built with libxdp (AF_XDP available), else 0. */
ARN_EXPORT int arn_xsk_supported(void);
/* Opens ifname in the calling thread's network namespace. area must be page
 * aligned, area_size a multiple of chunk_size (a power of two, 2048..4096),
 * ring_size a power of two (every ring of every queue). Detaches an xsk
 * program a killed process left on the interface first. The fill rings start
 * empty: give them buffers with arn_xsk_fill. Returns 0 and *out, or a
 * negative errno with *failed_step set (ARN_XSK_STEP_*). */
ARN_EXPORT int arn_xsk_open(const char *ifname, void *area, uint64_t area_size, uint32_t chunk_size,
                            uint32_t ring_size, uint32_t max_queues, uint32_t flags, arn_xsk **out,
                            int *failed_step);
/* Closes the sockets and detaches the program. Every buffer in any ring is the
 * caller's again. NULL is ignored. */
ARN_EXPORT void arn_xsk_close(arn_xsk *port);
/* Detaches libxdp's xsk program from ifname when one is attached; returns 1
 * when one was, 0 when none, or a negative errno. */
ARN_EXPORT int arn_xsk_detach_stale(const char *ifname);
/* 1 when libxdp's xsk program is attached to ifname, 0 when not, or -errno. */
ARN_EXPORT int arn_xsk_program_attached(const char *ifname);
/* RX: puts up to n free buffers into the fill rings; returns how many went in. */
ARN_EXPORT int arn_xsk_fill(arn_xsk *port, const uint32_t *buffers, uint32_t n);
/* RX: buffers[0..n) are free buffers. For each received frame (at most n) one
 * of them goes into the fill ring its frame came from, and buffers[i] becomes
 * the frame's buffer with offsets[i]/lens[i] where the frame lies in it.
 * Returns how many frames; buffers past that are untouched. */
ARN_EXPORT int arn_xsk_rx_swap(arn_xsk *port, uint32_t *buffers, uint16_t *offsets, uint16_t *lens, uint32_t n);
/* RX: 1 when a frame is waiting in any RX ring, else 0. No system call. */
ARN_EXPORT int arn_xsk_rx_pending(arn_xsk *port);
/* RX: drops up to max waiting frames, their buffers going straight back to
 * the fill ring; returns how many. */
ARN_EXPORT int arn_xsk_rx_discard(arn_xsk *port, uint32_t max);
/* RX, copying: copies up to max waiting frames into bufs[i] (buf_capacity
 * bytes each), their buffers going straight back to the fill ring; a frame
 * that does not fit is dropped and counted in *oversize. Returns how many. */
ARN_EXPORT int arn_xsk_rx_copy(arn_xsk *port, uint8_t **bufs, uint16_t *lens, uint32_t max, uint32_t buf_capacity,
                               uint64_t *oversize);
/* TX: buffers the completion ring gives back (up to max); returns how many. */
ARN_EXPORT int arn_xsk_tx_complete(arn_xsk *port, uint32_t *buffers, uint32_t max);
/* TX: descriptors that may be posted now (ring size minus those not completed). */
ARN_EXPORT int arn_xsk_tx_room(arn_xsk *port);
/* TX: buffers posted and not yet completed. */
ARN_EXPORT int arn_xsk_tx_outstanding(arn_xsk *port);
/* TX: posts buffers (frame at offsets[i], lens[i] bytes; the caller checked it
 * lies inside the chunk) as far as there is room; returns how many. */
ARN_EXPORT int arn_xsk_tx_burst(arn_xsk *port, const uint32_t *buffers, const uint16_t *offsets,
                                const uint16_t *lens, uint32_t n);
/* TX: submits what tx_burst posted and kicks the kernel with one sendto() when
 * it asked for a wake-up. Returns 0 or a negative errno. */
ARN_EXPORT int arn_xsk_tx_flush(arn_xsk *port);
/* Kernel ring counters (ARN_XSK_STAT_COUNT values into out). 0 or -errno. */
ARN_EXPORT int arn_xsk_stats(arn_xsk *port, uint64_t *out);
/* The descriptor to poll() for POLLIN (the socket, or an epoll set over the queues). */
ARN_EXPORT int arn_xsk_fd(arn_xsk *port);
ARN_EXPORT int arn_xsk_queue_count(arn_xsk *port);
/* ARN_XSK_MODE_* bits. */
ARN_EXPORT int arn_xsk_mode(arn_xsk *port);
ARN_EXPORT int arn_xsk_mac(arn_xsk *port, uint8_t out[6]);
ARN_EXPORT int arn_xsk_mtu(arn_xsk *port);
ARN_EXPORT int arn_xsk_link_up(arn_xsk *port);

/* ---- Waking and sleeping -------------------------------------------------- */

/* A non-blocking eventfd for waking a thread asleep in arn_poll; fd or -errno. */
ARN_EXPORT int arn_eventfd_create(void);
/* Makes the eventfd readable (any thread). Returns 0 or -errno. */
ARN_EXPORT int arn_eventfd_signal(int fd);
/* Makes the eventfd unreadable again. Returns 0 or -errno. */
ARN_EXPORT int arn_eventfd_clear(int fd);
/* Closes a descriptor made by arn_eventfd_create. */
ARN_EXPORT int arn_fd_close(int fd);

/* Sleeps in poll() until one of fds[0..nfds) is readable (or in error) or
 * timeout_ms passes (-1: no limit). Sets bit i of *ready_mask for each ready
 * fds[i]. nfds is at most 32. Returns how many are ready (0 on timeout or
 * signal), or a negative errno. */
ARN_EXPORT int arn_poll(const int *fds, int nfds, int timeout_ms, uint32_t *ready_mask);

/* ---- Network namespaces --------------------------------------------------- */

/* Moves the calling thread into the network namespace at path (for example
 * /var/run/netns/lab): sockets it opens afterwards belong to that namespace,
 * and keep belonging to it whatever thread uses them. Returns 0 or -errno. */
ARN_EXPORT int arn_netns_enter(const char *path);

/* ---- AES-GCM (ESP, RFC 4106) over OpenSSL's EVP -----------------------------
 * A context belongs to one thread: it holds one EVP_CIPHER_CTX for encrypting
 * and one for decrypting, both keyed once when it is made, so the key schedule
 * lives in native memory and a packet costs only an IV init, the AAD, one
 * in-place update and the final (tag get or set). Nonces are 12 bytes, tags
 * 16. Built without OpenSSL (libssl-dev), arn_aes_gcm_available is 0 and
 * arn_aes_gcm_new returns -ENOTSUP. The per-packet calls never block. */

typedef struct arn_aes_gcm arn_aes_gcm;

/* 1 when the library was built with OpenSSL, else 0. */
ARN_EXPORT int arn_aes_gcm_available(void);

/* Makes a context for a 16 or 32 byte key. Returns 0 and *out, or -EINVAL
 * (key length), -ENOMEM, -EIO (OpenSSL refused), -ENOTSUP (no OpenSSL). */
ARN_EXPORT int arn_aes_gcm_new(const uint8_t *key, uint32_t key_length, arn_aes_gcm **out);

/* Frees the context; OpenSSL clears its key schedule. NULL is ignored. */
ARN_EXPORT void arn_aes_gcm_free(arn_aes_gcm *gcm);

/* Encrypts text[0..length) in place and writes the 16-byte tag. Returns 0,
 * or -EIO when OpenSSL fails (it does not for valid arguments). */
ARN_EXPORT int arn_aes_gcm_encrypt(arn_aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad,
                                   uint32_t aad_length, uint8_t *text, uint32_t length, uint8_t tag[16]);

/* Decrypts text[0..length) in place and verifies the 16-byte tag. Returns 0
 * when it verifies, -1 when it does not (text then holds unauthenticated
 * plaintext the caller must drop), or -EIO when OpenSSL fails. */
ARN_EXPORT int arn_aes_gcm_decrypt(arn_aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad,
                                   uint32_t aad_length, uint8_t *text, uint32_t length, const uint8_t tag[16]);

#endif
