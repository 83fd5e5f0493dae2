/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Aggregation: counts of settled handshakes by server, SNI, client, version,
 * cipher, reason, JA4 and local process, and the combinations an operator asks about
 * (server x reason x SNI, with the reason's confidence; server x client
 * JA4), with bounded memory.  Every family that counts handshakes (or their
 * alerts) ends with a transport label, "tcp" or "quic": a server that
 * speaks both keeps two series, and a QUIC failure is never hidden in its
 * TCP successes.  The certificate families have none: certificates are
 * seen in clear only in TLS 1.2 and below, which QUIC never carries.
 *
 * Each family is a set of series: a tuple of label values and a counter.
 * Counters only go up and a label set, once it has its own series, keeps it
 * for the life of the process, so a Prometheus counter never goes down.  A
 * family holds at most max_series series; past that, new label sets fold:
 * first their high-cardinality values (server, SNI, client, JA4, ...) become
 * "other" while the few-valued ones (outcome, reason, sender) are kept, so
 * sums by those stay exact; when even that would not fit, the whole tuple
 * becomes "other".  Every folded handshake is counted.
 *
 * Values are kept as raw bytes (SNI as sent); escaping is the outputs' job.
 * Knows nothing of Prometheus text or curses.  Not thread-safe.
 */
#ifndef TLSMON_AGG_H
#define TLSMON_AGG_H

#include <stddef.h>
#include <stdint.h>
#include "model/record.h"

enum agg_family {
	AGG_HANDSHAKES,		/* outcome, version, transport */
	AGG_FAILURES,		/* reason, server, sni, confidence, transport */
	AGG_ALERTS,		/* sender, level, description, transport */
	AGG_NEGOTIATED,		/* version, cipher, transport */
	AGG_SERVERS,		/* server, port, outcome, transport */
	AGG_SNI,		/* sni, outcome, transport */
	AGG_CLIENTS,		/* client, outcome, transport */
	AGG_JA4,		/* ja4, outcome, transport */
	AGG_SERVER_JA4,		/* server, ja4, outcome, transport */
	AGG_CERT_FINDINGS,	/* finding, server, sni: the server's certificates */
	AGG_CLIENT_CERT_FINDINGS,	/* finding, server: client certificates it was shown */
	AGG_CERT_EXPIRY,	/* server, sni: a gauge, the leaf's notAfter */
	/*
	 * The local program (local_id_process(): pod, container, unit or comm)
	 * of records that have one; the others are only counted, by
	 * agg_no_process().
	 */
	AGG_PROCESSES,		/* process, outcome, transport */
	AGG_PROCESS_FAILURES,	/* process, reason, server, transport */
	AGG_FAMILY_MAX
};

/* The transport label's values; also the histograms' first index. */
enum agg_transport {
	AGG_TCP,
	AGG_QUIC,
	AGG_TRANSPORT_MAX
};

#define AGG_MAX_LABELS 5
#define AGG_VALUE_MAX 255	/* bytes kept of one value (the longest SNI) */
#define AGG_DEFAULT_MAX_SERIES 500
#define AGG_MIN_SERIES 8
#define AGG_MAX_MAX_SERIES 100000

struct agg_family_info {
	const char *name;		/* "failures": for --max-series and output labels */
	unsigned n_labels;
	const char *labels[AGG_MAX_LABELS];
	uint8_t high[AGG_MAX_LABELS];	/* folded first when the family is full */
	uint8_t gauge;			/* values are set (agg_set), not counted */
	uint8_t transport;		/* its last label is the transport */
};

/* Value flags */
#define AGG_V_OTHER 1u		/* folded: stands for every value past the cap */
#define AGG_V_TRUNC 2u		/* the value was longer than AGG_VALUE_MAX (or the wire's copy) */

struct agg_value {
	const uint8_t *p;
	uint16_t len;
	uint8_t flags;
};

struct agg_series {
	struct agg_value v[AGG_MAX_LABELS];
	uint64_t count;
};

/* Latency histograms, per transport and outcome. */
enum agg_hist_id {
	AGG_H_DURATION,		/* ClientHello to settled */
	AGG_H_SERVER_HELLO,	/* ClientHello to ServerHello */
	AGG_H_MAX
};

#define AGG_H_BUCKETS 15
extern const double agg_bucket_le[AGG_H_BUCKETS];	/* upper bounds, seconds */

struct agg_hist {
	uint64_t bucket[AGG_H_BUCKETS];	/* not cumulative; above the last: count - sum */
	uint64_t count;
	uint64_t sum_ns;
};

struct agg_opts {
	uint32_t max_series[AGG_FAMILY_MAX];	/* 0: AGG_DEFAULT_MAX_SERIES */
};

struct agg;

struct agg *agg_new(const struct agg_opts *o);	/* o NULL: defaults */
void agg_free(struct agg *a);
/* The rec_sink callback. */
void agg_record(void *ctx, const struct hs_record *r);
/*
 * Count n for this label tuple (one value per label of the family; flags
 * other than AGG_V_TRUNC are ignored, longer values cut and flagged).
 * Returns 0 when the tuple has its own series, 1 when it was folded, -ENOMEM.
 */
int agg_add(struct agg *a, enum agg_family f, const struct agg_value *v, uint64_t n);
/*
 * A gauge family: set this tuple's value.  Past the cap a new tuple is not
 * folded (an "other" gauge means nothing) but dropped and counted as folded.
 * Returns 0, or 1 when dropped.
 */
int agg_set(struct agg *a, enum agg_family f, const struct agg_value *v, uint64_t value);

const struct agg_family_info *agg_family(enum agg_family f);
/* "tcp", "quic"; NULL past the last. */
const char *agg_transport_name(enum agg_transport t);
/* A record's transport. */
enum agg_transport agg_transport_of(const struct hs_record *r);
/* The family called name, or -1. */
int agg_family_by_name(const char *name);

uint32_t agg_series_count(const struct agg *a, enum agg_family f);
uint32_t agg_max_series(const struct agg *a, enum agg_family f);
/* Handshakes (or alerts) counted in a folded series. */
uint64_t agg_folded(const struct agg *a, enum agg_family f);
uint64_t agg_records(const struct agg *a);
/* Records without a local program (both ends remote, or not known): in no process series. */
uint64_t agg_no_process(const struct agg *a);

/* Every series, oldest first; stops when fn returns nonzero.  Values point
 * into the aggregate: valid until the next agg_add/agg_record. */
typedef int (*agg_iter_fn)(void *ctx, const struct agg_series *s);
void agg_foreach(const struct agg *a, enum agg_family f, agg_iter_fn fn, void *ctx);
/* The k largest series, largest first (ties: oldest first); returns how many. */
size_t agg_top(const struct agg *a, enum agg_family f, struct agg_series *out, size_t k);

const struct agg_hist *agg_hist(const struct agg *a, enum agg_hist_id h, enum agg_transport t,
			       enum outcome o);

#endif
