// SPDX-License-Identifier: BSD-3-Clause
/*
 * QUIC connections in the pipe (user/pipe/quic_track.h): datagrams as the
 * datapath ships them (QUIC events: the sender in caddr) become the events
 * of a TCP handshake, with the roles found from the packets: RFC 9001's
 * client and server Initials give a CLIENT_HELLO, a QUIC_INFO and a
 * SERVER_HELLO; a server's CONNECTION_CLOSE 0x0178 an ALERT
 * no_application_protocol from the server; a Version Negotiation a
 * QUIC_INFO saying so; a server datagram of a connection whose client was
 * not seen nothing (counted); the table's cap evicts (counted); the CRYPTO
 * buffers live from a side's first CRYPTO bytes until the hellos are read,
 * and thousands of connections stay within the byte budget (evictions
 * counted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pipe/quic_track.h"
#include "quic_seal.h"
#include "quic_vectors.h"

#define MAX_EV 16

static struct {
	int n;
	uint8_t type[MAX_EV];
	union {
		struct tlsmon_ev_client_hello ch;
		struct tlsmon_ev_server_hello sh;
		struct tlsmon_ev_small sm;
		struct tlsmon_ev_quic_info qi;
	} ev[MAX_EV];
} got;

static int sink(void *ctx, const void *ev, size_t size)
{
	const struct tlsmon_ev_hdr *h = ev;

	(void)ctx;
	assert_true(got.n < MAX_EV);
	assert_int_equal(h->size, size);
	assert_true(size <= sizeof(got.ev[0]));
	got.type[got.n] = h->type;
	memcpy(&got.ev[got.n++], ev, size);
	return 0;
}

static const uint8_t rfc_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
/* client 10.0.0.9:50000 (above the server's address), server 10.0.0.1:443 */
static const uint8_t cl[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 9 };
static const uint8_t sv[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };

static void feed(struct quic_track *t, int from_server, const uint8_t *p, size_t n, uint16_t cport)
{
	static struct tlsmon_ev_quic e;

	memset(&e, 0, sizeof(e));
	e.h.version = TLSMON_EVENT_VERSION;
	e.h.type = TLSMON_EV_QUIC;
	e.h.family = 4;
	e.h.ts_ns = 1000;
	memcpy(e.h.caddr, from_server ? sv : cl, 16);
	memcpy(e.h.saddr, from_server ? cl : sv, 16);
	e.h.cport = from_server ? 443 : cport;
	e.h.sport = from_server ? cport : 443;
	e.len = e.dgram_len = n;
	memcpy(e.data, p, n);
	e.h.size = TLSMON_QUIC_HDR + n;
	assert_int_equal(quic_track_datagram(t, &e), 0);
}

static void check_roles(const struct tlsmon_ev_hdr *h, int dir, uint16_t cport)
{
	assert_int_equal(h->dir, dir);
	assert_memory_equal(h->caddr, cl, 16);
	assert_memory_equal(h->saddr, sv, 16);
	assert_int_equal(h->cport, cport);
	assert_int_equal(h->sport, 443);
}

static void test_rfc_handshake(void **state)
{
	struct quic_track *t = quic_track_new(16, 1 << 20, sink, NULL);
	uint8_t dg[1200];
	size_t n;

	(void)state;
	memset(&got, 0, sizeof(got));
	/* the server's answer first: not followed, its client unseen */
	n = qv_unhex(RFC9001_SERVER_INITIAL, dg, sizeof(dg));
	feed(t, 1, dg, n, 50000);
	assert_int_equal(got.n, 0);
	assert_int_equal(quic_track_stats(t)->no_role, 1);
	n = qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg));
	feed(t, 0, dg, n, 50000);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.type[0], TLSMON_EV_CLIENT_HELLO);
	check_roles(&got.ev[0].ch.h, TLSMON_DIR_C2S, 50000);
	assert_memory_equal(got.ev[0].ch.ch.sni, "example.com", 11);
	assert_int_equal(got.type[1], TLSMON_EV_QUIC_INFO);
	assert_int_equal(got.ev[1].qi.version, QUIC_V1);
	assert_int_equal(got.ev[1].qi.dcid_len, 8);
	assert_memory_equal(got.ev[1].qi.dcid, rfc_dcid, 8);
	/* the client's CRYPTO buffer, the smallest: its hello is 241 bytes */
	assert_int_equal(quic_track_stats(t)->bytes,
			 sizeof(struct quic_conn) + QUIC_CRYPTO_HEAP(QUIC_CRYPTO_MIN));
	n = qv_unhex(RFC9001_SERVER_INITIAL, dg, sizeof(dg));
	feed(t, 1, dg, n, 50000);
	assert_int_equal(got.n, 4);
	/* the server's SCID is news: QUIC_INFO again, then the ServerHello */
	assert_int_equal(got.type[2], TLSMON_EV_QUIC_INFO);
	assert_int_equal(got.ev[2].qi.sscid_len, 8);
	assert_int_equal(got.type[3], TLSMON_EV_SERVER_HELLO);
	check_roles(&got.ev[3].sh.h, TLSMON_DIR_S2C, 50000);
	assert_int_equal(got.ev[3].sh.sh.cipher, 0x1301);
	assert_int_equal(quic_track_stats(t)->conns, 1);
	/* both hellos read: the buffers are gone, the connection stays */
	assert_int_equal(quic_track_stats(t)->bytes, sizeof(struct quic_conn));
	/* again: nothing new to say, nothing allocated */
	feed(t, 1, dg, n, 50000);
	assert_int_equal(got.n, 4);
	assert_int_equal(quic_track_stats(t)->bytes, sizeof(struct quic_conn));
	n = qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg));
	feed(t, 0, dg, n, 50000);
	assert_int_equal(got.n, 4);
	assert_int_equal(quic_track_stats(t)->bytes, sizeof(struct quic_conn));
	quic_track_free(t);
}

static void test_close_is_alert(void **state)
{
	static const uint8_t close[] = { 0x1c, 0x41, 0x78, 0x06, 0x00 };
	struct quic_track *t = quic_track_new(16, 1 << 20, sink, NULL);
	static const uint8_t cscid[4] = { 1, 2, 3, 4 }, sscid[4] = { 5, 6, 7, 8 };
	uint8_t dg[1300], pl[64];
	struct quic_keys sk;
	long n;

	(void)state;
	memset(&got, 0, sizeof(got));
	n = qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg));
	feed(t, 0, dg, n, 50001);
	assert_int_equal(got.n, 2);
	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 1, &sk);
	memset(pl, 0, sizeof(pl));
	memcpy(pl, close, sizeof(close));
	n = quic_seal_initial(&sk, QUIC_V1, cscid, 4, sscid, 4, 0, pl, sizeof(pl), dg, sizeof(dg));
	feed(t, 1, dg, n, 50001);
	assert_int_equal(got.n, 4);
	assert_int_equal(got.type[2], TLSMON_EV_QUIC_INFO);
	assert_true(got.ev[2].qi.flags & QUIC_CF_CLOSE_S);
	assert_true(got.ev[2].qi.close_code == 0x178);
	assert_int_equal(got.type[3], TLSMON_EV_ALERT);
	assert_int_equal(got.ev[3].sm.h.dir, TLSMON_DIR_S2C);
	assert_int_equal(got.ev[3].sm.level, 2);
	assert_int_equal(got.ev[3].sm.desc, 120);	/* no_application_protocol */
	quic_track_free(t);
}

static void test_vn_and_cap(void **state)
{
	static const uint8_t vn[] = {
		0x80, 0, 0, 0, 0, 4, 1, 2, 3, 4, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1,
	};
	struct quic_track *t = quic_track_new(2, 1 << 20, sink, NULL);
	uint8_t dg[1200];
	size_t n;

	(void)state;
	memset(&got, 0, sizeof(got));
	feed(t, 1, vn, sizeof(vn), 50002);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.type[0], TLSMON_EV_QUIC_INFO);
	check_roles(&got.ev[0].qi.h, TLSMON_DIR_S2C, 50002);
	assert_true(got.ev[0].qi.flags & QUIC_CF_VN);
	assert_int_equal(got.ev[0].qi.n_vn, 1);
	assert_int_equal(got.ev[0].qi.vn[0], QUIC_V1);
	/* three connections in a table of two */
	n = qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg));
	feed(t, 0, dg, n, 50003);
	n = qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg));
	feed(t, 0, dg, n, 50004);
	assert_int_equal(quic_track_stats(t)->conns, 3);
	assert_int_equal(quic_track_stats(t)->evicted, 1);
	quic_track_free(t);
}

static int count_sink(void *ctx, const void *ev, size_t size)
{
	(void)ev;
	(void)size;
	++*(int *)ctx;
	return 0;
}

/*
 * Thousands of connections, a budget of 100 under way: never past it, every
 * connection pushed out counted, and the finished ones (small) many more.
 */
static void test_budget(void **state)
{
	const uint64_t pending = sizeof(struct quic_conn) + QUIC_CRYPTO_HEAP(QUIC_CRYPTO_MIN);
	const uint64_t budget = 100 * pending;
	uint8_t cdg[1200], sdg[1200];
	size_t cn = qv_unhex(RFC9001_CLIENT_INITIAL, cdg, sizeof(cdg));
	size_t sn = qv_unhex(RFC9001_SERVER_INITIAL, sdg, sizeof(sdg));
	const struct quic_track_stats *st;
	struct quic_track *t;
	uint8_t dg[1200];
	uint64_t live;
	int events = 0, i;

	(void)state;
	t = quic_track_new(4096, budget, count_sink, &events);
	assert_non_null(t);
	st = quic_track_stats(t);
	assert_int_equal(st->max_bytes, budget);
	/* 3000 clients that get no answer: their buffers stay, the budget holds */
	for (i = 0; i < 3000; i++) {
		memcpy(dg, cdg, cn);
		feed(t, 0, dg, cn, 10000 + i);
		assert_true(st->bytes <= budget);
	}
	assert_int_equal(st->conns, 3000);
	assert_int_equal(st->evicted, 2900);
	assert_int_equal(st->evicted_bytes, 2900);
	assert_int_equal(st->bytes, 100 * pending);
	assert_int_equal(events, 3000 * 2);	/* CLIENT_HELLO and QUIC_INFO each */
	/* 3000 whole handshakes: each ends small, many more fit */
	for (i = 0; i < 3000; i++) {
		memcpy(dg, cdg, cn);
		feed(t, 0, dg, cn, 20000 + i);
		memcpy(dg, sdg, sn);
		feed(t, 1, dg, sn, 20000 + i);
		assert_true(st->bytes <= budget);
	}
	live = st->conns - st->evicted;
	assert_int_equal(st->bytes % sizeof(struct quic_conn), 0);
	assert_int_equal(st->bytes, live * sizeof(struct quic_conn));
	assert_true(live >= (budget - 2 * pending) / sizeof(struct quic_conn));
	assert_true(live > 2 * 100);	/* finished connections: over twice the pending ones */
	assert_int_equal(st->evicted, st->evicted_bytes);
	quic_track_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_handshake),
		cmocka_unit_test(test_close_is_alert),
		cmocka_unit_test(test_vn_and_cap),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
