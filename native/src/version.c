#include "actorrouter_native.h"

uint32_t arn_version(void)
{
    return ((uint32_t)ARN_VERSION_MAJOR << 16) | ((uint32_t)ARN_VERSION_MINOR << 8) | (uint32_t)ARN_VERSION_PATCH;
}

uint32_t arn_abi_version(void)
{
    return ARN_ABI_VERSION;
}
