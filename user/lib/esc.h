/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Escaping wire bytes (SNI, ALPN) for the places they are shown.  JSON has
 * its own in output/jbuf.c.  Every function writes at most dstlen bytes with the
 * terminating NUL and returns dst.
 */
#ifndef TLSMON_ESC_H
#define TLSMON_ESC_H

#include <stddef.h>

/* Terminal and text logs: printable ASCII as is, '\\' and everything else as \xNN. */
char *esc_term(char *dst, size_t dstlen, const void *src, size_t n);
/*
 * Values in a text line (key=value tokens split on spaces): as esc_term(), and
 * also space, '=' and '"' as \xNN, so a value is one token that cannot end
 * early, hold another key, or close a quote; 4 * n + 1 bytes always fit.
 */
char *esc_text(char *dst, size_t dstlen, const void *src, size_t n);
/* The signature of the escapers above, for code that writes for several. */
typedef char *(*esc_fn)(char *dst, size_t dstlen, const void *src, size_t n);
/*
 * Prometheus label values (between the quotes of the text format).  The value
 * Prometheus then holds is printable ASCII: a backslash byte becomes \\, every
 * byte outside 0x20-0x7e (newline, NUL, DEL, non-ASCII, invalid UTF-8 alike)
 * becomes \xNN, so a value is always valid UTF-8, one line, and no two byte
 * strings share one.  In the file those backslashes and '"' are escaped once
 * more, as the exposition format requires.  Cut at dstlen on a byte boundary:
 * 5 * n + 1 bytes always fit.
 */
char *esc_prom(char *dst, size_t dstlen, const void *src, size_t n);

#endif
