/* SPDX-License-Identifier: BSD-3-Clause */
/* Building a line in a fixed buffer; bytes as hex. */
#ifndef TLSMON_STR_H
#define TLSMON_STR_H

#include <stddef.h>
#include <stdint.h>

/*
 * printf at buf + n, never past len; returns the new length as vsnprintf
 * counts it, so a line cut short stays cut (n >= len: nothing is written).
 */
size_t str_catf(char *buf, size_t len, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The n bytes at d as 2n hex digits and a NUL at out; upper: A-F, else a-f. */
void str_hex(char *out, const void *d, size_t n, int upper);

/*
 * A 64-bit hash of the n bytes at p and a seed, 8 bytes a step: for the
 * caches that index by it and compare the whole key on a hit.
 */
uint64_t str_hash64(const void *p, size_t n, uint64_t seed);

#endif
