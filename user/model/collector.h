/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The collector: events in, one record per handshake out.  Connections are
 * followed from the ClientHello until the handshake settles, fails, or times
 * out; each then goes to the registered outputs.  Fed by the evpipe from the
 * kernel's ring buffer or from a capture; knows nothing of how its records
 * are shown.
 */
#ifndef TLSMON_COLLECTOR_H
#define TLSMON_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include "model/record.h"

struct collector;

#define COLLECTOR_MAX_SINKS 8

/* An output: called once per settled handshake. */
struct rec_sink {
	void (*record)(void *ctx, const struct hs_record *r);
	void *ctx;
};

struct collector_opts {
	uint32_t max_conns;		/* open connections; the least recent go past it */
	/*
	 * Heap the open connections may hold (hellos kept, partial hellos,
	 * ServerHellos); the least recent go past it.  0: max_conns *
	 * COLLECTOR_CONN_BYTES, which bounds the collector's memory whatever
	 * the hellos' sizes, and grows with --max-conns.
	 */
	uint64_t max_bytes;
	uint32_t max_servers;		/* server profiles kept */
	double handshake_timeout;	/* seconds */
	int64_t wall_offset_ns;		/* added to event times for the wall clock */
	const char *ifname;		/* names every record (offline: the capture) */
	/*
	 * Called before each record is diagnosed (--verify: sets r->verified).
	 * Nonzero: the handshake is tlsmon's own (a --verify probe): settled and
	 * forgotten, given to no output.
	 */
	int (*annotate)(void *ctx, struct hs_record *r);
	void *annotate_ctx;
	/*
	 * --verify: a diagnosed failure for which a verification was just asked
	 * (nonzero) waits for it, at most hold_ns, or until collector_release()
	 * brings the answer; then it is written, confirmed or corrected.
	 */
	int (*hold)(void *ctx, const struct hs_record *r);
	void *hold_ctx;
	uint64_t hold_ns;
	/*
	 * Live: the program of this host at one end of the handshake, asked when
	 * it settles: 1 with id filled (then r->local), 0 none.  first_ns, end_ns:
	 * the event clock of its first event and of its FIN or RST (0: none).
	 */
	int (*identify)(void *ctx, const struct hs_record *r, uint64_t first_ns, uint64_t end_ns,
			struct local_id *id);
	void *identify_ctx;
	/* --pid, --cgroup, --unit: zero leaves the record out of every output (filtered) */
	int (*keep)(void *ctx, const struct hs_record *r);
	void *keep_ctx;
	/* --pcap-dir: the PKT events (frames), kept apart (model/pktbuf.c); NULL: dropped */
	void (*packet)(void *ctx, const void *ev, size_t size);
	void *packet_ctx;
};

/* Each open connection's share of the default budget: a ~500 B hello's connection takes ~1.1 KB. */
#define COLLECTOR_CONN_BYTES 1024

struct collector_stats {
	uint64_t events;
	uint64_t records;
	uint64_t by_outcome[OUTCOME_MAX];
	uint64_t by_reason[REASON_MAX];
	uint64_t evicted;		/* connections dropped by max_conns or max_bytes */
	uint64_t evicted_bytes;		/* of which by max_bytes: the budget was spent */
	uint64_t timed_out;
	uint64_t hello_incomplete;	/* records of a ClientHello that never came whole */
	uint64_t orphan_events;		/* for a connection whose start we missed: dropped */
	/* ClientHellos, the accounting: every one received (client_hellos) is
	 * in exactly one of settled, repeated, evicted or open */
	uint64_t client_hellos;
	uint64_t hellos_settled;	/* its connection settled as a record */
	uint64_t hellos_repeated;	/* a later hello on a connection that had one */
	uint64_t hellos_evicted;	/* its connection dropped by max_conns or max_bytes */
	uint64_t hellos_open;		/* its connection not settled yet */
	uint32_t held_open;		/* --verify: failures waiting for their verification */
	uint64_t cert_errors;		/* Certificate / CertificateRequest that did not parse */
	uint64_t filtered;		/* records left out by opts.keep (--pid, --cgroup, --unit) */
	uint32_t open;
	uint32_t servers;
	uint64_t bytes;			/* heap the open connections hold now */
	uint64_t max_bytes;		/* its budget */
};

struct collector *collector_new(const struct collector_opts *o);
void collector_free(struct collector *c);
/* At most COLLECTOR_MAX_SINKS outputs: -ENOSPC past them. */
int collector_add_sink(struct collector *c, const struct rec_sink *s);
/* The evpipe's output. */
int collector_event(void *ctx, const void *ev, size_t size);
/* Settle what timed out by now (event clock: CLOCK_BOOTTIME live, capture time offline). */
void collector_tick(struct collector *c, uint64_t now_ns);
/*
 * A verification of addr:port ended: the failures waiting for it are
 * written now, with it.
 */
void collector_release(struct collector *c, const uint8_t addr[16], uint16_t port,
		       const struct verify_result *res);
/* End of input: settle everything (offline end of file, shutdown). */
void collector_flush(struct collector *c, uint64_t now_ns);
void collector_stats(const struct collector *c, struct collector_stats *st);

#endif
