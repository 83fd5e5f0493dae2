// SPDX-License-Identifier: BSD-3-Clause
/*
 * QUIC handshakes as records: QUIC events (as the datapath ships them)
 * through the pipe (user/pipe/evpipe.c, quic_track.c) into the collector
 * and the diagnosis, one record per connection.
 *
 *   RFC 9001's client and server Initials    established, JA4 q..., QUIC facts
 *   the client's Initial, a server close     no_shared_alpn (0x0178); 0x0128 from a
 *     0x0178 / 0x0128 in an Initial          server that took this suite before:
 *                                            other_alert (its profile, as on TCP)
 *   the client's close 0x012a in an Initial  client_rejected_server_cert
 *     after the server's ServerHello
 *   a Version Negotiation                    quic_version_negotiation
 *   the client's Initial, then silence       no_server_response after the timeout
 *   a Retry, the client's Initial again      established, one retry counted
 *     (keys from the Retry's SCID), the
 *     server's ServerHello
 *   TCP and QUIC on one 4-tuple           two records (browsers race them)
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
#include "pipe/evpipe.h"
#include "col_rig.h"
#include "quic_seal.h"
#include "quic_vectors.h"

#define SEC 1000000000ull

struct seen {
	int n;
	enum outcome outcome;
	enum reason reason;
	int quic;
	uint32_t version, retries;
	uint16_t cipher;
	char ja4[40], sni[64];
	uint16_t cport;
	uint8_t dcid[QUIC_CID_MAX], dcid_len;
	/* the last record of each transport: [0] TCP, [1] QUIC */
	int n_of[2];
	enum outcome outcome_of[2];
	enum reason reason_of[2];
	char sni_of[2][64];
};

static void on_record(void *ctx, const struct hs_record *r)
{
	struct seen *s = ctx;

	s->n++;
	s->outcome = r->outcome;
	s->reason = r->reason;
	s->quic = !!r->quic;
	s->version = r->quic ? r->quic->version : 0;
	s->retries = r->quic ? r->quic->retries : 0;
	s->dcid_len = r->quic && r->quic->dcid_len <= QUIC_CID_MAX ? r->quic->dcid_len : 0;
	memcpy(s->dcid, r->quic ? r->quic->dcid : s->dcid, s->dcid_len);
	s->cipher = r->sh ? r->sh->cipher : 0;
	s->cport = r->cport;
	snprintf(s->ja4, sizeof(s->ja4), "%s", r->fp->have_ja4 ? r->fp->ja4 : "");
	s->sni[0] = 0;
	if (r->ch && r->ch->sni_len < sizeof(s->sni)) {
		memcpy(s->sni, r->ch->sni, r->ch->sni_len);
		s->sni[r->ch->sni_len] = 0;
	}
	s->n_of[s->quic]++;
	s->outcome_of[s->quic] = r->outcome;
	s->reason_of[s->quic] = r->reason;
	memcpy(s->sni_of[s->quic], s->sni, sizeof(s->sni));
}

struct rig {
	struct collector *col;
	struct evpipe pipe;
	struct seen seen;
};

static int setup(void **state)
{
	struct collector_opts o = {
		.max_conns = 64, .max_servers = 16, .handshake_timeout = 2.0, .ifname = "test",
	};
	struct rig *g = calloc(1, sizeof(*g));
	struct rec_sink sink = { on_record, NULL };

	assert_non_null(g);
	sink.ctx = &g->seen;
	assert_int_equal(col_rig_open(&g->col, &g->pipe, &o, &sink), 0);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct rig *g = *state;

	col_rig_close(g->col, &g->pipe);
	free(g);
	return 0;
}

static struct rig *g_of(void **state)
{
	return *state;
}

static const uint8_t cl[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };
static const uint8_t sv[16] = { [10] = 0xff, [11] = 0xff, 198, 51, 100, 1 };
static const uint8_t rfc_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static void feed(struct rig *g, int from_server, const uint8_t *p, size_t n, uint16_t cport,
		 uint64_t ts)
{
	static struct tlsmon_ev_quic e;

	memset(&e, 0, sizeof(e));
	e.h.version = TLSMON_EVENT_VERSION;
	e.h.type = TLSMON_EV_QUIC;
	e.h.family = 4;
	e.h.ts_ns = ts;
	memcpy(e.h.caddr, from_server ? sv : cl, 16);
	memcpy(e.h.saddr, from_server ? cl : sv, 16);
	e.h.cport = from_server ? 443 : cport;
	e.h.sport = from_server ? cport : 443;
	e.len = e.dgram_len = n;
	memcpy(e.data, p, n);
	e.h.size = TLSMON_QUIC_HDR + n;
	assert_int_equal(evpipe_in(&g->pipe, &e, e.h.size), 0);
}

static void settle(struct rig *g, uint64_t now)
{
	memset(&g->seen, 0, sizeof(g->seen));
	evpipe_expire(&g->pipe, now - 2 * SEC);
	collector_tick(g->col, now);
}

static void client_initial(struct rig *g, uint16_t cport, uint64_t ts)
{
	uint8_t dg[1200];

	feed(g, 0, dg, qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg)), cport, ts);
}

static void test_established(void **state)
{
	struct rig *g = *state;
	uint8_t dg[1200];

	client_initial(g, 40001, 10 * SEC);
	feed(g, 1, dg, qv_unhex(RFC9001_SERVER_INITIAL, dg, sizeof(dg)), 40001, 10 * SEC + 1000);
	settle(g, 20 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.cport, 40001);
	assert_true(g->seen.quic);
	assert_int_equal(g->seen.version, QUIC_V1);
	assert_int_equal(g->seen.outcome, OUTCOME_ESTABLISHED);
	assert_int_equal(g->seen.cipher, 0x1301);
	assert_string_equal(g->seen.sni, "example.com");
	assert_int_equal(g->seen.ja4[0], 'q');
}

/* A server Initial with CONNECTION_CLOSE of this error code. */
static void server_close(struct rig *g, uint16_t cport, uint64_t code, uint64_t ts)
{
	uint8_t pl[64] = { 0x1c, 0x40 | code >> 8, code, 0x06, 0x00 }, dg[200];
	static const uint8_t scid[4] = { 9, 9, 9, 9 };
	struct quic_keys sk;
	long n;

	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 1, &sk);
	n = quic_seal_initial(&sk, QUIC_V1, NULL, 0, scid, 4, 0, pl, sizeof(pl), dg, sizeof(dg));
	assert_true(n > 0);
	feed(g, 1, dg, n, cport, ts);
}

static void test_refusals(void **state)
{
	struct rig *g = *state;

	client_initial(g, 40002, 30 * SEC);
	server_close(g, 40002, 0x178, 30 * SEC + 1000);
	settle(g, 40 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.outcome, OUTCOME_FAILED);
	assert_int_equal(g->seen.reason, REASON_NO_SHARED_ALPN);

	client_initial(g, 40003, 50 * SEC);
	server_close(g, 40003, 0x128, 50 * SEC + 1000);
	settle(g, 60 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.outcome, OUTCOME_FAILED);
	/*
	 * handshake_failure from a server whose profile (test_established) took
	 * this client's TLS_AES_128_GCM_SHA256: not the cipher, as on TCP
	 */
	assert_int_equal(g->seen.reason, REASON_OTHER_ALERT);
}

/*
 * The client refuses the server's flight and says so in an Initial too (RFC
 * 9000 10.2.3: before the handshake is confirmed, a close goes in every
 * space the peer may read): bad_certificate (0x012a) after the
 * ServerHello, on TCP the client's certificate alert.
 */
static void test_client_close(void **state)
{
	static const uint8_t sscid[8] = { 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5 };
	uint8_t pl[64] = { 0x1c, 0x41, 0x2a, 0x06, 0x00 }, dg[1200];
	struct quic_keys ck;
	long n;

	client_initial(g_of(state), 40009, 70 * SEC);
	feed(g_of(state), 1, dg, qv_unhex(RFC9001_SERVER_INITIAL, dg, sizeof(dg)), 40009,
	     70 * SEC + 1000);
	/* the client's next Initial: to the server's SCID, keys of the first DCID */
	assert_int_equal(quic_initial_keys(QUIC_V1, rfc_dcid, 8, 0, &ck), 0);
	n = quic_seal_initial(&ck, QUIC_V1, sscid, 8, NULL, 0, 1, pl, sizeof(pl), dg, sizeof(dg));
	assert_true(n > 0);
	feed(g_of(state), 0, dg, n, 40009, 70 * SEC + 2000);
	settle(g_of(state), 80 * SEC);
	assert_int_equal(g_of(state)->seen.n, 1);
	assert_int_equal(g_of(state)->seen.outcome, OUTCOME_FAILED);
	assert_int_equal(g_of(state)->seen.reason, REASON_CLIENT_REJECTED_SERVER_CERT);
	assert_int_equal(g_of(state)->seen.cipher, 0x1301);
}

static void test_vn_and_silence(void **state)
{
	static const uint8_t vn[] = {
		0xaa, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0x6b, 0x33, 0x43, 0xcf, 0, 0, 0, 1,
	};
	struct rig *g = *state;

	feed(g, 1, vn, sizeof(vn), 40004, 70 * SEC);
	settle(g, 80 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_true(g->seen.quic);
	assert_int_equal(g->seen.outcome, OUTCOME_FAILED);
	assert_int_equal(g->seen.reason, REASON_QUIC_VERSION_NEGOTIATION);

	client_initial(g, 40005, 90 * SEC);
	settle(g, 100 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.outcome, OUTCOME_FAILED);
	assert_int_equal(g->seen.reason, REASON_NO_SERVER_RESPONSE);
}

static void test_retry(void **state)
{
	struct rig *g = *state;
	uint8_t dg[1300], plain[1200], pkt[1200];
	static const uint8_t odcid[8] = { 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5 };
	struct quic_long_hdr h;
	struct quic_keys k;
	__u64 pn;
	long n;

	client_initial(g, 40006, 110 * SEC);
	/* RFC 9001 A.4: a Retry whose SCID is f067a5502a4262b5 */
	n = qv_unhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba", dg,
		  sizeof(dg));
	feed(g, 1, dg, n, 40006, 110 * SEC + 1000);
	/* the client again, to the Retry's SCID, sealed with its keys */
	qv_unhex(RFC9001_CLIENT_INITIAL, pkt, sizeof(pkt));
	quic_parse_long(pkt, sizeof(pkt), &h);
	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 0, &k);
	n = quic_open(&k, pkt, h.len, h.pn_off, plain, sizeof(plain), &pn);
	assert_int_equal(n, 1162);
	quic_initial_keys(QUIC_V1, odcid, 8, 0, &k);
	n = quic_seal_initial(&k, QUIC_V1, odcid, 8, NULL, 0, 3, plain, n, dg, sizeof(dg));
	feed(g, 0, dg, n, 40006, 110 * SEC + 2000);
	/* the server's ServerHello, with the keys of the Retry's SCID */
	qv_unhex(RFC9001_SERVER_INITIAL, pkt, sizeof(pkt));
	quic_parse_long(pkt, sizeof(pkt), &h);
	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 1, &k);
	n = quic_open(&k, pkt, h.len, h.pn_off, plain, sizeof(plain), &pn);
	assert_true(n > 0);
	quic_initial_keys(QUIC_V1, odcid, 8, 1, &k);
	n = quic_seal_initial(&k, QUIC_V1, NULL, 0, h.scid, h.scid_len, 1, plain, n, dg, sizeof(dg));
	feed(g, 1, dg, n, 40006, 110 * SEC + 3000);
	settle(g, 120 * SEC);
	assert_int_equal(g->seen.n, 1);
	assert_int_equal(g->seen.retries, 1);
	/* named by the client's first DCID, not the Retry's SCID its keys came from after */
	assert_int_equal(g->seen.dcid_len, sizeof(rfc_dcid));
	assert_memory_equal(g->seen.dcid, rfc_dcid, sizeof(rfc_dcid));
	assert_int_equal(g->seen.outcome, OUTCOME_ESTABLISHED);
	assert_int_equal(g->seen.cipher, 0x1301);
}

/* The header of a TCP event on the QUIC test's addresses and ports. */
static void tcp_hdr(struct tlsmon_ev_hdr *h, int type, int dir, size_t size, uint16_t cport,
		    uint64_t ts)
{
	col_rig_hdr(h, type, dir, cport, ts);
	h->size = size;
	memcpy(h->caddr, cl, 16);
	memcpy(h->saddr, sv, 16);
}

/* A TCP ClientHello with this SNI. */
static void tcp_hello(struct rig *g, uint16_t cport, uint64_t ts, const char *sni)
{
	static struct tlsmon_ev_client_hello e;

	memset(&e, 0, sizeof(e));
	tcp_hdr(&e.h, TLSMON_EV_CLIENT_HELLO, TLSMON_DIR_C2S, sizeof(e), cport, ts);
	col_rig_hello(&e.ch, sni);
	assert_int_equal(evpipe_in(&g->pipe, &e, sizeof(e)), 0);
}

/* The server's reset, or the datapath's end of the flow. */
static void tcp_small(struct rig *g, int type, uint16_t cport, uint64_t ts, uint32_t reason)
{
	struct tlsmon_ev_small e;

	memset(&e, 0, sizeof(e));
	tcp_hdr(&e.h, type, TLSMON_DIR_S2C, sizeof(e), cport, ts);
	e.reason = reason;
	assert_int_equal(evpipe_in(&g->pipe, &e, sizeof(e)), 0);
}

/*
 * A browser races TCP and QUIC to one server from one port: the two
 * handshakes, interleaved, are two records, each with its own facts.
 */
static void test_tcp_and_quic_one_tuple(void **state)
{
	struct rig *g = *state;
	uint8_t dg[1200];

	memset(&g->seen, 0, sizeof(g->seen));
	tcp_hello(g, 40007, 130 * SEC, "tcp.example.com");
	client_initial(g, 40007, 130 * SEC + 1000);
	tcp_small(g, TLSMON_EV_TCP_RST, 40007, 130 * SEC + 2000, 0);
	feed(g, 1, dg, qv_unhex(RFC9001_SERVER_INITIAL, dg, sizeof(dg)), 40007, 130 * SEC + 3000);
	tcp_small(g, TLSMON_EV_FLOW_END, 40007, 130 * SEC + 4000, TLSMON_END_RST);
	/* the TCP record went with its end; the QUIC one settles with the time */
	evpipe_expire(&g->pipe, 138 * SEC);
	collector_tick(g->col, 140 * SEC);
	assert_int_equal(g->seen.n, 2);
	assert_int_equal(g->seen.n_of[0], 1);
	assert_int_equal(g->seen.n_of[1], 1);
	assert_string_equal(g->seen.sni_of[0], "tcp.example.com");
	assert_int_equal(g->seen.outcome_of[0], OUTCOME_FAILED);
	assert_int_equal(g->seen.reason_of[0], REASON_RESET_AFTER_CLIENT_HELLO);
	assert_string_equal(g->seen.sni_of[1], "example.com");
	assert_int_equal(g->seen.outcome_of[1], OUTCOME_ESTABLISHED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_established),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_client_close),
		cmocka_unit_test(test_vn_and_silence),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_tcp_and_quic_one_tuple),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
