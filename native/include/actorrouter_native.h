/* The C shim between ActorRouter's managed data plane and Linux packet I/O.
 * Every exported symbol is prefixed arn_; the ABI number changes whenever a
 * signature or a shared struct layout changes, and the managed side refuses
 * a library whose ABI it does not know. */
#ifndef ACTORROUTER_NATIVE_H
#define ACTORROUTER_NATIVE_H

#include <stdint.h>

#define ARN_EXPORT __attribute__((visibility("default")))
#define ARN_ABI_VERSION 1

/* Library version packed as (major << 16) | (minor << 8) | patch. */
ARN_EXPORT uint32_t arn_version(void);
/* ABI number of the exported API; see ARN_ABI_VERSION. */
ARN_EXPORT uint32_t arn_abi_version(void);

#endif
