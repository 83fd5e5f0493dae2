/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Escaping wire bytes (SNI, ALPN) for the places they are shown.  JSON has
 * its own in json.c.  Every function writes at most dstlen bytes with the
 * terminating NUL and returns dst.
 */
#ifndef TLSMON_ESCAPE_H
#define TLSMON_ESCAPE_H

#include <stddef.h>

/* Terminal and text logs: printable ASCII as is, '\\' and everything else as \xNN. */
char *esc_term(char *dst, size_t dstlen, const void *src, size_t n);
/* Prometheus label values: \\ \" \n escaped (exposition format), other control
 * and non-ASCII bytes as \xNN so a label stays one line of printable text. */
char *esc_prom(char *dst, size_t dstlen, const void *src, size_t n);

#endif
