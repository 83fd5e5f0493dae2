// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/pipe/reasm.c and user/model/collector.c fed events as the datapath
 * sends them: a ClientHello split over segments that stalls settles as a
 * failure after the handshake timeout (with its SNI when the bytes holding it
 * came), counted, its reassembly buffer freed; the same when the sweep drops
 * the flow or the input ends; reassembly stays bounded under many such
 * streams; and events for a flow nobody follows make no handshake.  Past
 * --max-conns every dropped connection and hello is counted; the kept ones,
 * and those held for --verify, settle with their own ClientHello.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/collector.h"
#include "pipe/ev.h"
#include "pipe/evpipe.h"
#include "col_rig.h"
#include "tls_parse.h"
#include "tls_proto.h"

#define SEC 1000000000ull
#define HELLO_LEN 3023		/* the record, header included */
#define FIRST 1000		/* bytes of it that arrive */
#define ISN 0x10000000u
#define SNI "pq.lab.test"

/* ---- what the collector settled ---- */

struct seen {
	unsigned n;
	enum outcome outcome;
	enum reason reason;
	char sni[64];			/* "" without one */
	int has_ch;
	uint8_t incomplete;
	uint32_t have, need;
	int hello_error;
	char history[40];
	char snis[8][64];		/* each record's, in order */
	struct rec_tl tl[REC_MAX_TIMELINE];	/* the latest record's timeline */
	unsigned n_tl, tl_cut;
	uint64_t ch_ns;
};

static void on_record(void *ctx, const struct hs_record *r)
{
	struct seen *s = ctx;
	size_t len;
	int cut;
	const uint8_t *sni = record_sni(r, &len, &cut);

	s->n++;
	s->outcome = r->outcome;
	s->reason = r->reason;
	s->sni[0] = 0;
	if (sni && len < sizeof(s->sni)) {
		memcpy(s->sni, sni, len);
		s->sni[len] = 0;
	}
	s->has_ch = !!r->ch;
	s->incomplete = r->ev.hello_incomplete;
	s->have = r->ev.hello_have;
	s->need = r->ev.hello_need;
	s->hello_error = r->ev.hello_error;
	snprintf(s->history, sizeof(s->history), "%s", r->history);
	/* valid during the call only: copied */
	assert_true(r->n_timeline <= REC_MAX_TIMELINE);
	memcpy(s->tl, r->timeline, r->n_timeline * sizeof(*r->timeline));
	s->n_tl = r->n_timeline;
	s->tl_cut = r->timeline_cut;
	s->ch_ns = r->ch_ns;
	if (s->n <= 8)
		snprintf(s->snis[s->n - 1], sizeof(s->snis[0]), "%s", s->sni);
}

struct rig {
	struct collector *col;
	struct evpipe pipe;
	struct seen seen;
};

/* The rig with a collector of these options. */
static int setup_with(void **state, const struct collector_opts *o)
{
	struct rig *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	assert_int_equal(col_rig_open(&g->col, &g->pipe, o,
				      &(struct rec_sink){ on_record, &g->seen }), 0);
	*state = g;
	return 0;
}

static int setup(void **state)
{
	struct collector_opts o = {
		.max_conns = 8192, .max_servers = 16, .handshake_timeout = 2.0, .ifname = "test",
	};

	return setup_with(state, &o);
}

static int teardown(void **state)
{
	struct rig *g = *state;

	col_rig_close(g->col, &g->pipe);
	free(g);
	return 0;
}

/* As live and offline: reassembly settles first, then the collector, one clock. */
static void tick(struct rig *g, uint64_t now)
{
	evpipe_expire(&g->pipe, now - 2 * SEC);
	collector_tick(g->col, now);
}

static void stats(struct rig *g, struct collector_stats *cs, struct reasm_stats *rs)
{
	collector_stats(g->col, cs);
	reasm_stats(g->pipe.reasm, rs);
}

/* ---- a large ClientHello: the SNI first, or after ~2.9 KB of padding ---- */

static size_t ext(uint8_t *p, uint16_t type, const uint8_t *body, uint16_t n)
{
	p[0] = type >> 8;
	p[1] = type;
	p[2] = n >> 8;
	p[3] = n;
	if (n)
		memcpy(p + 4, body, n);
	return 4 + n;
}

static size_t sni_ext(uint8_t *p, const char *name)
{
	uint8_t b[300];
	size_t n = strlen(name);

	b[0] = (n + 3) >> 8;
	b[1] = n + 3;
	b[2] = 0;	/* host_name */
	b[3] = n >> 8;
	b[4] = n;
	memcpy(b + 5, name, n);
	return ext(p, TLS_EXT_SERVER_NAME, b, n + 5);
}

static size_t hello(uint8_t *out, int sni_first, uint16_t port_salt)
{
	static const uint8_t versions[] = { 2, 0x03, 0x04 };
	static uint8_t pad[4096];
	uint8_t *p = out + 5, *exts;
	size_t fixed, padlen, o;

	p[0] = TLS_HS_CLIENT_HELLO;
	o = 4;
	p[o++] = 0x03;
	p[o++] = 0x03;
	memset(p + o, 0x5a, 32);
	p[o] = port_salt;
	o += 32;
	p[o++] = 0;				/* session id */
	p[o++] = 0;
	p[o++] = 4;
	p[o++] = 0x13;
	p[o++] = 0x01;
	p[o++] = 0x13;
	p[o++] = 0x02;
	p[o++] = 1;				/* compression: null */
	p[o++] = 0;
	o += 2;					/* extensions length, below */
	exts = p + o;
	fixed = 5 + o + (4 + 5 + strlen(SNI)) + (4 + sizeof(versions)) + 4;
	padlen = HELLO_LEN - fixed;
	if (sni_first)
		o += sni_ext(p + o, SNI);
	o += ext(p + o, TLS_EXT_SUPPORTED_VERSIONS, versions, sizeof(versions));
	o += ext(p + o, TLS_EXT_PADDING, pad, padlen);
	if (!sni_first)
		o += sni_ext(p + o, SNI);
	exts[-2] = (p + o - exts) >> 8;
	exts[-1] = p + o - exts;
	p[1] = (o - 4) >> 16;
	p[2] = (o - 4) >> 8;
	p[3] = o - 4;
	out[0] = TLS_CT_HANDSHAKE;
	out[1] = 0x03;
	out[2] = 0x01;
	out[3] = o >> 8;
	out[4] = o;
	assert_int_equal(5 + o, HELLO_LEN);
	return 5 + o;
}

/* The datapath's blobs for bytes [from, to) of a record, as it ships them. */
static void blobs(struct rig *g, const uint8_t *rec, size_t from, size_t to, uint16_t cport,
		  uint64_t ts)
{
	static struct tlsmon_ev_blob b;
	size_t n;

	while (from < to) {
		n = to - from > TLSMON_BLOB_MAX ? TLSMON_BLOB_MAX : to - from;
		col_rig_hdr(&b.h, TLSMON_EV_BLOB, TLSMON_DIR_C2S, cport, ts);
		b.h.seq = ISN + from;
		b.h.size = offsetof(struct tlsmon_ev_blob, data) + n;
		b.rec_seq = ISN;
		b.len = n;
		b.kind = TLSMON_BLOB_RECORD;
		b.flags = 0;
		memcpy(b.data, rec + from, n);
		assert_int_equal(evpipe_in(&g->pipe, &b, b.h.size), 0);
		from += n;
	}
}

static void small(struct rig *g, int type, int dir, uint16_t cport, uint64_t ts, uint32_t reason)
{
	struct tlsmon_ev_small e;

	memset(&e, 0, sizeof(e));
	col_rig_hdr(&e.h, type, dir, cport, ts);
	e.h.size = sizeof(e);
	e.reason = reason;
	e.rec_len = 40;
	evpipe_in(&g->pipe, &e, sizeof(e));
}

/* ---- a stalled hello settles after the timeout, its buffer freed ---- */

static void stalled(void **state, int sni_first)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN];
	struct collector_stats cs;
	struct reasm_stats rs;

	hello(rec, sni_first, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	stats(g, &cs, &rs);
	assert_int_equal(rs.streams, 1);
	assert_true(rs.bytes >= FIRST);
	/* not yet: the timeout runs from the last bytes */
	tick(g, 1 * SEC + SEC / 2);
	tick(g, 3 * SEC - 1);
	assert_int_equal(g->seen.n, 0);
	tick(g, 3 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.outcome, OUTCOME_FAILED);
	assert_string_equal(reason_name(g->seen.reason), "client_hello_incomplete");
	assert_int_equal(g->seen.incomplete, 1);
	/* the handshake message: the record's bytes less its header */
	assert_int_equal(g->seen.have, FIRST - 5);
	assert_int_equal(g->seen.need, HELLO_LEN - 5);
	assert_int_equal(g->seen.hello_error, TLS_ERR_SHORT);
	if (sni_first)
		assert_string_equal(g->seen.sni, SNI);
	else
		assert_string_equal(g->seen.sni, "");
	stats(g, &cs, &rs);
	assert_int_equal(cs.records, 1);
	assert_int_equal(cs.timed_out, 1);
	assert_int_equal(cs.hello_incomplete, 1);
	assert_int_equal(cs.by_reason[REASON_CLIENT_HELLO_INCOMPLETE], 1);
	assert_int_equal(cs.open, 0);
	assert_int_equal(rs.incomplete, 1);
	assert_int_equal(rs.expired, 1);
	assert_int_equal(rs.streams, 0);
	assert_int_equal(rs.bytes, 0);
	/* nothing more comes of it */
	tick(g, 30 * SEC);
	collector_flush(g->col, 31 * SEC);
	assert_int_equal(g->seen.n, 1);
	stats(g, &cs, &rs);
	assert_int_equal(cs.orphan_events, 0);
}

static void test_stalled_sni_in_part(void **state)
{
	stalled(state, 1);
}

static void test_stalled_sni_not_in_part(void **state)
{
	stalled(state, 0);
}

/* The rest arriving later makes a whole hello: one handshake, not incomplete. */
static void test_split_then_whole(void **state)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN];
	struct collector_stats cs;
	struct reasm_stats rs;

	hello(rec, 0, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	tick(g, 2 * SEC);
	blobs(g, rec, FIRST, HELLO_LEN, 40000, 2 * SEC + SEC / 2);
	stats(g, &cs, &rs);
	assert_int_equal(rs.records, 1);
	assert_int_equal(rs.streams, 1);	/* the window stays open until the flow ends */
	tick(g, 3 * SEC);
	assert_int_equal(g->seen.n, 0);		/* in time: 2.5 s + 2 s */
	tick(g, 5 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_string_equal(reason_name(g->seen.reason), "no_server_hello");
	assert_int_equal(g->seen.incomplete, 0);
	assert_string_equal(g->seen.sni, SNI);
	assert_string_equal(g->seen.history, "C");
	stats(g, &cs, &rs);
	assert_int_equal(cs.hello_incomplete, 0);
	assert_int_equal(rs.incomplete, 0);
	assert_int_equal(rs.streams, 0);
	assert_int_equal(rs.bytes, 0);
}

/* The sweep drops the kernel's flow first: the same settlement, nothing held. */
static void test_swept_flow(void **state)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN];
	struct tlsmon_flow_key k;
	struct tlsmon_flow f;
	struct tlsmon_ev_small e;
	struct collector_stats cs;
	struct reasm_stats rs;

	hello(rec, 1, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	/* the flow as the datapath keys it: the client is b here */
	memset(&k, 0, sizeof(k));
	memset(&f, 0, sizeof(f));
	col_rig_hdr(&e.h, 0, 0, 40000, 0);
	memcpy(k.a, e.h.saddr, 16);
	memcpy(k.b, e.h.caddr, 16);
	k.pa = 443;
	k.pb = 40000;
	k.family = 4;
	f.client_is_a = 0;
	f.last_ns = 1 * SEC;
	ev_flow_expired(&e, &k, &f);
	assert_int_equal(evpipe_in(&g->pipe, &e, sizeof(e)), 0);
	assert_int_equal(g->seen.n, 1);
	assert_string_equal(reason_name(g->seen.reason), "client_hello_incomplete");
	assert_string_equal(g->seen.sni, SNI);
	stats(g, &cs, &rs);
	assert_int_equal(cs.timed_out, 1);
	assert_int_equal(rs.incomplete, 1);
	assert_int_equal(rs.streams, 0);
	assert_int_equal(rs.bytes, 0);
	assert_int_equal(cs.open, 0);
	/* a flow swept after its handshake settled: housekeeping, no orphan */
	ev_flow_expired(&e, &k, &f);
	evpipe_in(&g->pipe, &e, sizeof(e));
	stats(g, &cs, &rs);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(cs.orphan_events, 0);
}

/* A reset answers the part: that is the reason, the part its evidence, nothing held. */
static void test_reset_after_part(void **state)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN];
	struct collector_stats cs;
	struct reasm_stats rs;

	hello(rec, 1, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, 40000, 1 * SEC + 1000, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 40000, 1 * SEC + 1000, TLSMON_END_RST);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.outcome, OUTCOME_FAILED);
	assert_string_equal(reason_name(g->seen.reason), "reset_after_client_hello");
	assert_int_equal(g->seen.incomplete, 1);
	assert_int_equal(g->seen.have, FIRST - 5);
	assert_string_equal(g->seen.sni, SNI);
	stats(g, &cs, &rs);
	assert_int_equal(cs.timed_out, 0);
	assert_int_equal(cs.orphan_events, 0);
	assert_int_equal(rs.incomplete, 1);
	assert_int_equal(rs.streams, 0);
	assert_int_equal(rs.bytes, 0);
}

/* The input ends before the timeout: settled (unknown), still reported, freed. */
static void test_end_of_input(void **state)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN];
	struct collector_stats cs;
	struct reasm_stats rs;

	hello(rec, 1, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	evpipe_expire(&g->pipe, UINT64_MAX);
	collector_flush(g->col, 1 * SEC + SEC / 2);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.outcome, OUTCOME_UNKNOWN);
	assert_int_equal(g->seen.incomplete, 1);
	assert_string_equal(g->seen.sni, SNI);
	stats(g, &cs, &rs);
	assert_int_equal(rs.incomplete, 1);
	assert_int_equal(rs.streams, 0);
	assert_int_equal(rs.bytes, 0);
	assert_int_equal(cs.hello_incomplete, 1);
}

/* More stalled hellos than reassembly keeps: bounded, each one settled and counted. */
static void test_many_stalled(void **state)
{
	struct rig *g = *state;
	static uint8_t rec[HELLO_LEN];
	struct collector_stats cs;
	struct reasm_stats rs;
	const unsigned n = 5000;
	unsigned i;

	hello(rec, 1, 0);
	for (i = 0; i < n; i++)
		blobs(g, rec, 0, FIRST, 10000 + i, 1 * SEC + i);
	stats(g, &cs, &rs);
	assert_true(rs.streams <= 4096);
	assert_true(rs.bytes <= EVPIPE_REASM_BYTES);
	assert_int_equal(rs.evicted, n - rs.streams);
	assert_int_equal(cs.open, n);
	tick(g, 4 * SEC);
	stats(g, &cs, &rs);
	assert_int_equal(g->seen.n, n);
	assert_int_equal(cs.timed_out, n);
	assert_int_equal(cs.hello_incomplete, n);
	assert_int_equal(cs.by_reason[REASON_CLIENT_HELLO_INCOMPLETE], n);
	assert_int_equal(rs.streams, 0);
	assert_int_equal(rs.bytes, 0);
	/* every stream either expired (and reported) or was evicted: none lost */
	assert_int_equal(rs.expired + rs.evicted, n);
	assert_int_equal(rs.incomplete, rs.expired);
}

/* A flow end (or any non-hello event) for a flow not followed makes no handshake. */
static void test_orphans(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;

	small(g, TLSMON_EV_APPDATA, TLSMON_DIR_S2C, 50000, 1 * SEC, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 50000, 1 * SEC, TLSMON_END_FIN);
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_C2S, 50001, 1 * SEC, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_C2S, 50002, 1 * SEC, TLSMON_END_RST);
	collector_flush(g->col, 60 * SEC);
	collector_stats(g->col, &cs);
	assert_int_equal(g->seen.n, 0);
	assert_int_equal(cs.records, 0);
	assert_int_equal(cs.open, 0);
	assert_int_equal(cs.orphan_events, 4);
}

/* ---- --verify: a failure held for its verification ---- */

/* as --verify asks about refusals: resets here, not stalls */
static int hold_failures(void *ctx, const struct hs_record *r)
{
	(void)ctx;
	return r->outcome == OUTCOME_FAILED && r->reason == REASON_RESET_AFTER_CLIENT_HELLO;
}

static int setup_hold(void **state)
{
	struct collector_opts o = {
		.max_conns = 8192, .max_servers = 16, .handshake_timeout = 2.0,
		.ifname = "test", .hold = hold_failures, .hold_ns = 10 * SEC,
	};

	return setup_with(state, &o);
}

/* A refused part held for its verification; it is written once the time is up. */
static void test_held_until_deadline(void **state)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN];
	struct collector_stats cs;

	hello(rec, 1, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, 40000, 1 * SEC + 1000, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 40000, 1 * SEC + 1000, TLSMON_END_RST);
	assert_int_equal(g->seen.n, 0);
	collector_stats(g->col, &cs);
	assert_int_equal(cs.held_open, 1);
	assert_int_equal(cs.records, 0);
	/* another hello stalls meanwhile: its timeout does not wait for the hold */
	blobs(g, rec, 0, FIRST, 40001, 1 * SEC + 2000);
	tick(g, 4 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_string_equal(reason_name(g->seen.reason), "client_hello_incomplete");
	tick(g, 9 * SEC);		/* the handshake timeout is past, the hold is not */
	assert_int_equal(g->seen.n, 1);
	tick(g, 12 * SEC);
	assert_int_equal(g->seen.n, 2);
	assert_string_equal(reason_name(g->seen.reason), "reset_after_client_hello");
	collector_stats(g->col, &cs);
	assert_int_equal(cs.held_open, 0);
	assert_int_equal(cs.records, 2);
	assert_int_equal(cs.timed_out, 1);
	assert_int_equal(cs.open, 0);
}

/* Its verification ends: written at once; a new connection on its ports: written first. */
static void test_held_released(void **state)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN], saddr[16] = { 0 };
	struct collector_stats cs;

	saddr[10] = saddr[11] = 0xff;
	saddr[12] = 10;
	saddr[15] = 1;
	hello(rec, 1, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, 40000, 1 * SEC + 1000, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 40000, 1 * SEC + 1000, TLSMON_END_RST);
	blobs(g, rec, 0, FIRST, 40001, 1 * SEC + 2000);
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, 40001, 1 * SEC + 3000, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 40001, 1 * SEC + 3000, TLSMON_END_RST);
	assert_int_equal(g->seen.n, 0);
	collector_release(g->col, saddr, 80, NULL);	/* another port's */
	assert_int_equal(g->seen.n, 0);
	collector_release(g->col, saddr, 443, NULL);
	assert_int_equal(g->seen.n, 2);
	collector_stats(g->col, &cs);
	assert_int_equal(cs.held_open, 0);
	assert_int_equal(cs.open, 0);

	/* held again, then the same ports open a new connection */
	blobs(g, rec, 0, FIRST, 40002, 2 * SEC);
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, 40002, 2 * SEC + 1000, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 40002, 2 * SEC + 1000, TLSMON_END_RST);
	assert_int_equal(g->seen.n, 2);
	blobs(g, rec, 0, FIRST, 40002, 3 * SEC);
	assert_int_equal(g->seen.n, 3);
	collector_flush(g->col, 4 * SEC);
	assert_int_equal(g->seen.n, 4);
	collector_stats(g->col, &cs);
	assert_int_equal(cs.held_open, 0);
	assert_int_equal(cs.records, 4);
}

/* A whole ClientHello, as the datapath sends it, with this SNI. */
static void whole_hello(struct rig *g, uint16_t cport, uint64_t ts, const char *sni)
{
	struct tlsmon_ev_client_hello e;

	memset(&e, 0, sizeof(e));
	col_rig_hdr(&e.h, TLSMON_EV_CLIENT_HELLO, TLSMON_DIR_C2S, cport, ts);
	e.h.size = sizeof(e);
	col_rig_hello(&e.ch, sni);
	assert_int_equal(evpipe_in(&g->pipe, &e, sizeof(e)), 0);
}

static void refused(struct rig *g, uint16_t cport, uint64_t ts)
{
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, cport, ts, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, cport, ts, TLSMON_END_RST);
}

/*
 * Held records keep their own ClientHello while others settle and are
 * written (the collector unpacks each connection's hello as it settles).
 */
static void test_held_keeps_hello(void **state)
{
	struct rig *g = *state;
	uint8_t saddr[16] = { 0 };

	saddr[10] = saddr[11] = 0xff;
	saddr[12] = 10;
	saddr[15] = 1;
	whole_hello(g, 40000, 1 * SEC, "first.lab.test");
	refused(g, 40000, 1 * SEC + 1000);
	whole_hello(g, 40001, 1 * SEC + 2000, "second.lab.test");
	refused(g, 40001, 1 * SEC + 3000);
	whole_hello(g, 40002, 1 * SEC + 4000, "third.lab.test");
	tick(g, 4 * SEC);		/* the third times out, written meanwhile */
	assert_int_equal(g->seen.n, 1);
	assert_string_equal(g->seen.snis[0], "third.lab.test");
	collector_release(g->col, saddr, 443, NULL);
	assert_int_equal(g->seen.n, 3);
	assert_string_equal(g->seen.snis[1], "first.lab.test");
	assert_string_equal(g->seen.snis[2], "second.lab.test");
	assert_string_equal(reason_name(g->seen.reason), "reset_after_client_hello");
}

/*
 * A held part of a ClientHello (kept packed, unpacked as it settles) keeps
 * its own SNI while a whole hello of another name settles and is written.
 */
static void test_held_keeps_part(void **state)
{
	struct rig *g = *state;
	uint8_t rec[HELLO_LEN], saddr[16] = { 0 };

	saddr[10] = saddr[11] = 0xff;
	saddr[12] = 10;
	saddr[15] = 1;
	hello(rec, 1, 0);
	blobs(g, rec, 0, FIRST, 40000, 1 * SEC);
	refused(g, 40000, 1 * SEC + 1000);
	whole_hello(g, 40001, 1 * SEC + 2000, "other.lab.test");
	tick(g, 4 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_string_equal(g->seen.snis[0], "other.lab.test");
	collector_release(g->col, saddr, 443, NULL);
	assert_int_equal(g->seen.n, 2);
	assert_string_equal(g->seen.snis[1], SNI);
	assert_int_equal(g->seen.incomplete, 1);
}

/* ---- the timeline: each event as received, bounded, counted in the budget ---- */

/* A small event from a packet with this TTL and these TCP flags. */
static void packet(struct rig *g, int type, int dir, uint64_t ts, uint8_t ttl, uint8_t flags,
		   uint8_t desc)
{
	struct tlsmon_ev_small e;

	memset(&e, 0, sizeof(e));
	col_rig_hdr(&e.h, type, dir, 40000, ts);
	e.h.size = sizeof(e);
	e.h.ttl = ttl;
	e.h.tcp_flags = flags;
	e.content_type = type == TLSMON_EV_ALERT ? TLS_CT_ALERT : 0;
	e.level = 2;
	e.desc = desc;
	e.rec_len = 2;
	evpipe_in(&g->pipe, &e, sizeof(e));
}

static void test_timeline(void **state)
{
	struct rig *g = *state;

	whole_hello(g, 40000, 1 * SEC, "tl.lab.test");
	packet(g, TLSMON_EV_ALERT, TLSMON_DIR_S2C, 1 * SEC + 5000000, 57, 0x18, 40);
	packet(g, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, 1 * SEC + 6000000, 57, 0x14, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 40000, 1 * SEC + 6000000, TLSMON_END_RST);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.n_tl, 4);
	assert_int_equal(g->seen.tl_cut, 0);
	assert_int_equal(g->seen.tl[0].type, TLSMON_EV_CLIENT_HELLO);
	assert_int_equal(g->seen.tl[0].side, SIDE_CLIENT);
	assert_int_equal(g->seen.tl[0].hs_type, TLS_HS_CLIENT_HELLO);
	/* on the record's clock: the ClientHello is time zero */
	assert_true(g->seen.tl[0].ts_ns == g->seen.ch_ns);
	assert_int_equal(g->seen.tl[1].type, TLSMON_EV_ALERT);
	assert_int_equal(g->seen.tl[1].side, SIDE_SERVER);
	assert_int_equal(g->seen.tl[1].ttl, 57);
	assert_int_equal(g->seen.tl[1].tcp_flags, 0x18);
	assert_int_equal(g->seen.tl[1].content, TLS_CT_ALERT);
	assert_int_equal(g->seen.tl[1].level, 2);
	assert_int_equal(g->seen.tl[1].desc, 40);
	assert_int_equal(g->seen.tl[1].len, 2);
	assert_true(g->seen.tl[1].ts_ns - g->seen.ch_ns == 5000000);
	assert_int_equal(g->seen.tl[2].type, TLSMON_EV_TCP_RST);
	assert_int_equal(g->seen.tl[2].tcp_flags, 0x14);
	assert_int_equal(g->seen.tl[3].type, TLSMON_EV_FLOW_END);
}

/* Past REC_MAX_TIMELINE the events are counted; what is kept counts in the budget. */
static void test_timeline_bounded(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;
	uint64_t hello_bytes;
	int i;

	whole_hello(g, 40000, 1 * SEC, "tl.lab.test");
	collector_stats(g->col, &cs);
	hello_bytes = cs.bytes;
	for (i = 0; i < 40; i++)
		packet(g, TLSMON_EV_APPDATA, i & 1 ? TLSMON_DIR_S2C : TLSMON_DIR_C2S,
		       1 * SEC + 1000 * (i + 1), 64, 0x18, 0);
	collector_stats(g->col, &cs);
	/* grown from the hello's first 2 entries to REC_MAX_TIMELINE, and no further */
	assert_int_equal(cs.bytes - hello_bytes, (REC_MAX_TIMELINE - 2) * sizeof(struct rec_tl));
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 40000, 2 * SEC, TLSMON_END_FIN);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.n_tl, REC_MAX_TIMELINE);
	assert_int_equal(g->seen.tl_cut, 1 + 40 + 1 - REC_MAX_TIMELINE);
	assert_int_equal(g->seen.tl[REC_MAX_TIMELINE - 1].type, TLSMON_EV_APPDATA);
	collector_stats(g->col, &cs);
	assert_int_equal(cs.bytes, 0);
}

/* ---- the connection cap: every connection past it counted, the rest intact ---- */

#define CAP 16
#define PAST_CAP 100

static int setup_cap(void **state)
{
	struct collector_opts o = {
		.max_conns = CAP, .max_servers = 16, .handshake_timeout = 2.0, .ifname = "test",
	};

	return setup_with(state, &o);
}

/*
 * More hellos than --max-conns: the least recent are dropped, each counted
 * (connections and hellos); those kept settle with their own hello.
 */
static void test_cap_counts(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;
	char sni[32];
	unsigned i;

	for (i = 0; i < PAST_CAP; i++) {
		snprintf(sni, sizeof(sni), "h%u.lab.test", i);
		whole_hello(g, 40000 + i, 1 * SEC + i, sni);
	}
	collector_stats(g->col, &cs);
	assert_int_equal(cs.client_hellos, PAST_CAP);
	assert_int_equal(cs.evicted, PAST_CAP - CAP);
	assert_int_equal(cs.hellos_evicted, PAST_CAP - CAP);
	assert_int_equal(cs.hellos_open, CAP);
	assert_int_equal(cs.open, CAP);
	assert_int_equal(g->seen.n, 0);
	collector_flush(g->col, 2 * SEC);
	assert_int_equal(g->seen.n, CAP);
	/* oldest first: the first kept is the one after the last dropped */
	for (i = 0; i < 8; i++) {
		snprintf(sni, sizeof(sni), "h%u.lab.test", PAST_CAP - CAP + i);
		assert_string_equal(g->seen.snis[i], sni);
	}
	collector_stats(g->col, &cs);
	assert_int_equal(cs.hellos_settled, CAP);
	assert_int_equal(cs.hellos_open, 0);
	assert_int_equal(cs.hellos_settled + cs.hellos_evicted + cs.hellos_repeated, PAST_CAP);
}

/* ---- the memory budget: what the open connections hold stays under it ---- */

#define BUDGET (64 * 1024)

static int setup_budget(void **state)
{
	struct collector_opts o = {
		.max_conns = 8192, .max_bytes = BUDGET, .max_servers = 16,
		.handshake_timeout = 2.0, .ifname = "test",
	};

	return setup_with(state, &o);
}

/*
 * Far fewer connections than --max-conns, but more than their memory budget
 * holds: it is never exceeded, the least recent go and are counted as
 * memory evictions (the hellos' accounting still adds up), the kept ones
 * settle with their own hello, and then nothing is held.
 */
static void test_budget_counts(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;
	char sni[32];
	unsigned i, n = 500;

	for (i = 0; i < n; i++) {
		snprintf(sni, sizeof(sni), "h%u.lab.test", i);
		whole_hello(g, 40000 + i, 1 * SEC + i, sni);
		collector_stats(g->col, &cs);
		assert_true(cs.bytes <= BUDGET);
		assert_true(cs.bytes > 0);
	}
	assert_int_equal(cs.max_bytes, BUDGET);
	assert_int_equal(cs.client_hellos, n);
	assert_true(cs.open > 8 && cs.open < n);
	assert_int_equal(cs.evicted, n - cs.open);
	assert_int_equal(cs.evicted_bytes, n - cs.open);
	assert_int_equal(cs.hellos_evicted, n - cs.open);
	collector_flush(g->col, 2 * SEC);
	assert_int_equal(g->seen.n, cs.open);
	snprintf(sni, sizeof(sni), "h%u.lab.test", n - cs.open);
	assert_string_equal(g->seen.snis[0], sni);
	collector_stats(g->col, &cs);
	assert_int_equal(cs.bytes, 0);
	assert_int_equal(cs.hellos_open, 0);
	assert_int_equal(cs.hellos_settled + cs.hellos_evicted, n);
}

/*
 * Timelines count against the budget too: connections whose timelines grow
 * after their hellos came never take the collector past it.
 */
static void test_budget_timelines(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;
	char sni[32];
	unsigned i, k, n = 60;

	for (i = 0; i < n; i++) {
		snprintf(sni, sizeof(sni), "t%u.lab.test", i);
		whole_hello(g, 41000 + i, 1 * SEC + i, sni);
	}
	for (k = 0; k < REC_MAX_TIMELINE; k++) {
		for (i = 0; i < n; i++) {
			small(g, TLSMON_EV_APPDATA, k & 1 ? TLSMON_DIR_S2C : TLSMON_DIR_C2S,
			      41000 + i, 1 * SEC + 1000 + k * n + i, 0);
			collector_stats(g->col, &cs);
			assert_true(cs.bytes <= BUDGET);
		}
	}
	collector_stats(g->col, &cs);
	assert_int_equal(cs.hellos_evicted + cs.hellos_open, n);
	assert_true(cs.evicted_bytes > 0);
}

/* The default budget follows --max-conns. */
static void test_budget_default(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;

	collector_stats(g->col, &cs);
	assert_int_equal(cs.max_bytes, 8192ull * COLLECTOR_CONN_BYTES);
	assert_int_equal(cs.bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stalled_sni_in_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_sni_not_in_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_then_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swept_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_after_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_of_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_stalled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_until_deadline, setup_hold, teardown),
		cmocka_unit_test_setup_teardown(test_held_released, setup_hold, teardown),
		cmocka_unit_test_setup_teardown(test_held_keeps_hello, setup_hold, teardown),
		cmocka_unit_test_setup_teardown(test_held_keeps_part, setup_hold, teardown),
		cmocka_unit_test_setup_teardown(test_cap_counts, setup_cap, teardown),
		cmocka_unit_test_setup_teardown(test_budget_counts, setup_budget, teardown),
		cmocka_unit_test_setup_teardown(test_budget_timelines, setup_budget, teardown),
		cmocka_unit_test_setup_teardown(test_budget_default, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
