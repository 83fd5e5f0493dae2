/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The distinct client offers seen: one per JA4 and what a server
 * negotiates on (versions, suites, groups, signature algorithms, ALPN; JA4
 * leaves the groups and most of ALPN out), with how many handshakes made
 * it, to which servers, under which names, from which local programs.  Bounded: past the limit a new
 * offer is counted, not kept.  A record sink (offers_record).
 */
#ifndef TLSMON_OFFERS_H
#define TLSMON_OFFERS_H

#include <stddef.h>
#include <stdint.h>
#include "model/fingerprint.h"
#include "model/record.h"

#define OFFERS_MAX_SERVERS 8	/* kept per offer; more are counted as "more" */
#define OFFERS_MAX_SNIS 8
#define OFFERS_MAX_PROCS 8	/* local programs (model/local_id.h) */
#define OFFERS_PROC_MAX 128	/* a program's name, cut past it */
#define OFFERS_DEFAULT_MAX 4096

struct hello_pack;

struct offer_server {
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint8_t pad;
};

struct offer_sni {
	uint16_t len;
	uint8_t cut;			/* longer on the wire than kept */
	uint8_t name[TLSMON_SNI_MAX];
};

struct offer {
	char ja4[JA4_LEN + 1];		/* "" for a hello JA4 cannot name (SSL 2.0, cut lists) */
	uint64_t key;
	struct hello_pack *hello;	/* the first hello with this offer */
	uint64_t handshakes;
	uint64_t failed;		/* of those, failed as seen */
	uint8_t n_servers, n_snis, n_procs;
	uint8_t more_servers, more_snis, more_procs;	/* others seen past the bounds */
	struct offer_server servers[OFFERS_MAX_SERVERS];
	struct offer_sni snis[OFFERS_MAX_SNIS];
	char procs[OFFERS_MAX_PROCS][OFFERS_PROC_MAX];	/* local_id_process() names */
};

struct offers_stats {
	uint64_t records;		/* with a ClientHello */
	uint64_t no_hello;		/* records without one: nothing to judge */
	uint64_t dropped;		/* handshakes of offers past the limit */
	uint64_t dropped_offers;	/* times a new offer found the table full */
};

struct offers;

/* At most max offers (0: OFFERS_DEFAULT_MAX).  NULL: out of memory. */
struct offers *offers_new(size_t max);
void offers_free(struct offers *o);
/* A rec_sink: counts r under its offer. */
void offers_record(void *ctx, const struct hs_record *r);
size_t offers_count(const struct offers *o);
const struct offer *offers_get(const struct offers *o, size_t i);
/* The offer's ClientHello, unpacked into ch. */
void offers_hello(const struct offer *of, struct tls_client_hello *ch);
void offers_stats(const struct offers *o, struct offers_stats *st);
size_t offers_max(const struct offers *o);

#endif
