/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which program of this host owns a connection: bpf/sockid.bpf.c attached
 * at connect() and accept(), and the lookup of a handshake's 4-tuple in
 * what it recorded.  Loaded before the privileges are dropped; looked up
 * through the map's descriptor after.
 */
#ifndef TLSMON_SOURCE_SOCKID_H
#define TLSMON_SOURCE_SOCKID_H

#include <stddef.h>
#include <stdint.h>
#include "tlsmon_sockid.h"

struct sockid;
struct sockseed_stats;

struct sockid_opts {
	uint32_t max_entries;	/* sockets remembered; 0: SOCKID_DEFAULT_ENTRIES */
	int tp_only;		/* the tracepoint set even where fentry loads (its test) */
};

/* A handshake to name: its ends as the datapath saw them. */
struct sockid_query {
	const uint8_t *caddr, *saddr;	/* IPv6 or IPv4-mapped */
	uint16_t cport, sport;
	uint64_t first_ns;		/* CLOCK_BOOTTIME: the connection's first event */
	uint64_t end_ns;		/* its FIN or RST; 0 none seen */
	uint8_t start_seen;		/* the datapath saw its SYN-ACK: it began under watch */
};

/* What the lookups found, since start. */
struct sockid_stats {
	uint64_t lookups;
	uint64_t found;		/* an identity given */
	uint64_t missing;	/* no socket of this host recorded for the 4-tuple */
	uint64_t stale;		/* one recorded, but another socket's (4-tuple reused) */
	uint64_t errors;	/* lookups the kernel refused */
	uint64_t map_lookups;	/* lookups in the kernel's map they took (a system call each) */
};

/*
 * Load and attach the programs.  0, or -errno with err saying why (an old
 * kernel, no BTF, no CAP_BPF/CAP_PERFMON): tlsmon runs on without names.
 */
int sockid_open(struct sockid **out, const struct sockid_opts *o, char *err, size_t errlen);
/*
 * The local end of q: 1 with what the kernel recorded of its socket in *out,
 * 0 when no socket of this host is known for it.
 * An entry of a socket created after the connection ended, or closed before
 * it began, belongs to another connection on the same 4-tuple: 0 (stale).
 */
int sockid_lookup(struct sockid *s, const struct sockid_query *q, struct sockid_val *out);
/*
 * Entries in the sockets map now (a walk of it: at most every 10 s, the
 * last count between), and how many the full map pushed out since start.
 */
void sockid_entries(struct sockid *s, uint64_t now_ns, uint64_t *live, uint64_t *evicted);
/* The program's per-CPU counters summed. */
void sockid_counters(struct sockid *s, uint64_t out[SOCKID_C_MAX]);
const struct sockid_stats *sockid_stats(const struct sockid *s);
/* What the start found of the listeners older than tlsmon (source/sockseed.h). */
const struct sockseed_stats *sockid_seed_stats(const struct sockid *s);
/* The set attached, for the log. */
const char *sockid_kind(const struct sockid *s);
/* For tests: the sockets map's descriptor, and the per-process cache's (bpf/sockid.bpf.c). */
int sockid_map_fd(struct sockid *s);
int sockid_idents_fd(struct sockid *s);
/* Detach and free (NULL is fine). */
void sockid_close(struct sockid *s);

/*
 * The rule sockid_lookup() applies to an entry for side (SOCKID_SIDE_*):
 * nonzero when v may be the socket of q's connection.
 */
int sockid_entry_valid(const struct sockid_val *v, int side, const struct sockid_query *q);

#endif
