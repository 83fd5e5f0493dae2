/* SPDX-License-Identifier: BSD-3-Clause */
/* The monotonic clock, for intervals and rate limits (never for records). */
#ifndef TLSMON_CLOCK_H
#define TLSMON_CLOCK_H

#include <stdint.h>

uint64_t clock_mono_ns(void);
uint64_t clock_mono_ms(void);

#endif
