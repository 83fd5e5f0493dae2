/* SPDX-License-Identifier: BSD-3-Clause */
/* Building a line in a fixed buffer; bytes as hex. */
#ifndef TLSMON_STR_H
#define TLSMON_STR_H

#include <stddef.h>

/*
 * printf at buf + n, never past len; returns the new length as vsnprintf
 * counts it, so a line cut short stays cut (n >= len: nothing is written).
 */
size_t str_catf(char *buf, size_t len, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The n bytes at d as 2n hex digits and a NUL at out; upper: A-F, else a-f. */
void str_hex(char *out, const void *d, size_t n, int upper);

#endif
