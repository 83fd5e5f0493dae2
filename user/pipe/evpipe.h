/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one way events reach the collector, whether they come from the kernel's
 * ring buffer or from a capture replayed through the userspace datapath:
 * checked, hellos parsed (the datapath ships their bytes), bytes for
 * reassembly handed to the reassembler, the rest passed on.
 */
#ifndef TLSMON_EVPIPE_H
#define TLSMON_EVPIPE_H

#include <stddef.h>
#include <stdint.h>
#include "pipe/quic_track.h"
#include "pipe/reasm.h"

/*
 * What reassembly may buffer in all (the least recent streams go past it,
 * counted): with the collector's budget (COLLECTOR_CONN_BYTES) it keeps the
 * collector's memory flat whatever the traffic.  4096 streams of a 2 KB
 * post-quantum hello take a fraction of it.
 */
#define EVPIPE_REASM_BYTES (8ull << 20)
/*
 * What the QUIC connections may hold in all (tlsmon_quic_connections_bytes):
 * 4096 with their hellos read take ~1.1 MiB, the rest is for the CRYPTO
 * buffers of handshakes under way; the least recent go past it, counted.
 */
#define EVPIPE_QUIC_BYTES (8ull << 20)

struct evpipe {
	struct reasm *reasm;
	ev_sink out;
	void *out_ctx;
	int pass_blobs;		/* hand BLOB events on as well (--events) */
	ev_sink hello_tap;	/* --pcap-dir: HELLO events as they came, first (pktbuf_hello) */
	void *hello_tap_ctx;
	uint64_t events;	/* accepted */
	uint64_t malformed;	/* refused by ev_check() */
	uint64_t reasm_client_hellos;	/* ClientHellos rebuilt by reassembly */
	uint64_t ch_parse_errors;	/* ClientHellos the datapath shipped that did not parse */
	uint64_t sh_parse_errors;	/* ServerHellos likewise */
	struct quic_track *quic;	/* QUIC datagrams, into hellos and alerts */
	union ev_parsed hello;		/* a HELLO event, parsed */
	struct tlsp_ws ws;
};

/* 0 or -errno. */
int evpipe_init(struct evpipe *p, ev_sink out, void *out_ctx, int pass_blobs);
void evpipe_fini(struct evpipe *p);
/* The sink for bpf_dp and dp_user. */
int evpipe_in(void *ctx, const void *ev, size_t size);
/*
 * Settle reassembly idle since cutoff_ns (the event clock less the handshake
 * timeout), before the collector's tick on the same clock; UINT64_MAX: all
 * of it (end of input, before the collector's flush).
 */
void evpipe_expire(struct evpipe *p, uint64_t cutoff_ns);

#endif
