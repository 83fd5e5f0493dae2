/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datapath events as the pipe sees them: what takes them (one sink type for
 * every stage that hands events on), and whether one can be read at all.
 */
#ifndef TLSMON_EV_H
#define TLSMON_EV_H

#include <stddef.h>

/*
 * Takes one event of size bytes, valid during the call.  The kernel's ring
 * buffer, the userspace datapath, the pipe and the reassembler all hand
 * events on through one; returns <0 when the event was lost.
 */
typedef int (*ev_sink)(void *ctx, const void *ev, size_t size);

/* Checks an event's header against its size: 0 when it can be read. */
int ev_check(const void *ev, size_t size);
/* "client_hello", ...; "unknown" for a type no datapath sends. */
const char *ev_type_name(int type);

#endif
