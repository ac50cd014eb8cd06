#include <time.h>

#include "actorrouter_native.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

uint64_t arn_cycle_counter(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#elif defined(__aarch64__)
    uint64_t value;
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(value));
    return value;
#else
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
#endif
}

uint32_t arn_cycle_counter_kind(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return ARN_CYCLES_TSC;
#elif defined(__aarch64__)
    return ARN_CYCLES_ARM_VIRTUAL_COUNTER;
#else
    return ARN_CYCLES_MONOTONIC_NS;
#endif
}
