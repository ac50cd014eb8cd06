// wake-latency: how long a thread blocked in poll() on one core takes to run after another core wakes it
// (an eventfd write, as the kernel's copy into an AF_XDP ring wakes a sleeping data-plane worker), as a
// function of how long it had slept. The reason for data-plane.linger-milliseconds (config/README.md).
//
//   cc -O2 -o wake-latency tests/lab/wake-latency.c -lpthread
//   ./wake-latency GAP_US [SLEEP_US]
//
// GAP_US: the waker waits this long between wake-ups (the sleeper is idle that long); SLEEP_US (0): the sleeper
// blocks at most this long at a time (ppoll's timeout, as a lingering worker does), 0 meaning one blocking wait.
// 50 wake-ups; prints the median, the 90th percentile and the mean in microseconds. The sleeper runs on core 1,
// the waker on core 0; both set a 1 µs timer slack, as the worker does.
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

enum { Rounds = 50 };
static int wake_fd;
static long sleep_ns;
static volatile uint64_t woke_at;
static volatile int done;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int core)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
}

static void *sleeper(void *unused)
{
    (void)unused;
    pin(1);
    struct pollfd fd = { .fd = wake_fd, .events = POLLIN };
    while (!done) {
        if (sleep_ns > 0) {
            struct timespec timeout = { sleep_ns / 1000000000, sleep_ns % 1000000000 };
            while (!done && ppoll(&fd, 1, &timeout, NULL) == 0) {
            }
        } else {
            poll(&fd, 1, 1000);
        }
        uint64_t value;
        if (read(wake_fd, &value, sizeof value) == sizeof value) {
            woke_at = now_ns();
        }
    }
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GAP_US [SLEEP_US]\n", argv[0]);
        return 2;
    }
    long gap_us = atol(argv[1]);
    sleep_ns = argc > 2 ? atol(argv[2]) * 1000L : 0;
    wake_fd = eventfd(0, EFD_NONBLOCK);
    pin(0);
    pthread_t thread;
    pthread_create(&thread, NULL, sleeper, NULL);
    uint64_t latency[Rounds];
    double sum = 0;
    for (int i = 0; i < Rounds; i++) {
        usleep((useconds_t)gap_us);
        woke_at = 0;
        uint64_t sent = now_ns(), one = 1;
        if (write(wake_fd, &one, sizeof one) != sizeof one) {
            return 1;
        }
        uint64_t deadline = sent + 1000000000u;
        while (woke_at == 0 && now_ns() < deadline) {
        }
        latency[i] = woke_at ? woke_at - sent : 1000000000u;
        sum += (double)latency[i];
    }
    qsort(latency, Rounds, sizeof latency[0], by_value);
    printf("gap %ld us, sleeps of %s%ld us: median %.1f us, p90 %.1f us, mean %.1f us\n", gap_us,
           sleep_ns ? "" : "up to ", sleep_ns ? sleep_ns / 1000 : gap_us, latency[Rounds / 2] / 1000.0,
           latency[Rounds * 9 / 10] / 1000.0, sum / Rounds / 1000.0);
    done = 1;
    uint64_t one = 1;
    (void)!write(wake_fd, &one, sizeof one);
    pthread_join(thread, NULL);
    return 0;
}
