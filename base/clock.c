/*
 * Virtual clock (base/clock.h). The offset is one atomic; reads are a
 * clock_gettime plus a load.
 */
#include "base/clock.h"
#include "base/util.h"

#include <stdatomic.h>

static _Atomic int64_t offset_ms;

int64_t clock_now_ms(void) { return util_wall_ms() + atomic_load(&offset_ms); }

int64_t clock_offset_ms(void) { return atomic_load(&offset_ms); }

void clock_set_offset_ms(int64_t ms) { atomic_store(&offset_ms, ms); }

void clock_advance_ms(int64_t ms) {
    if (ms > 0) atomic_fetch_add(&offset_ms, ms);
}
