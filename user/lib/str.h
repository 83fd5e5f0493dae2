/* SPDX-License-Identifier: BSD-3-Clause */
/* Building a line in a fixed buffer. */
#ifndef TLSMON_STR_H
#define TLSMON_STR_H

#include <stddef.h>

/*
 * printf at buf + n, never past len; returns the new length as vsnprintf
 * counts it, so a line cut short stays cut (n >= len: nothing is written).
 */
size_t str_catf(char *buf, size_t len, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
