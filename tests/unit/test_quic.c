// SPDX-License-Identifier: BSD-3-Clause
/*
 * The QUIC Initial decoder (user/pipe/quic.h) against the published
 * vectors: the Initial keys of RFC 9001 A.1 and RFC 9369 A.1, and the sample
 * client and server Initials of both RFCs, opened and read through to the
 * shared TLS parser.  Then hostile input: one bit flipped at every position
 * and every truncation of a real Initial must open nothing and be counted;
 * frames and CRYPTO reassembly are driven piece by piece, and through
 * Initials sealed by tests/lib/quic_seal.h (itself checked against the RFC
 * packet first).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pipe/quic.h"
#include "tls_parse.h"
#include "quic_seal.h"
#include "quic_vectors.h"

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
	uint8_t w[64];

	assert_int_equal(qv_unhex(want, w, sizeof(w)), n);
	assert_memory_equal(got, w, n);
}

static const uint8_t rfc_dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

/* RFC 9001 A.1, RFC 9369 A.1 */
static void test_initial_keys(void **state)
{
	struct quic_keys k;

	(void)state;
	assert_int_equal(quic_initial_keys(QUIC_V1, rfc_dcid, 8, 0, &k), 0);
	assert_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d");
	assert_hex(k.iv, 12, "fa044b2f42a3fd3b46fb255c");
	assert_hex(k.hp, 16, "9f50449e04a0e810283a1e9933adedd2");
	assert_int_equal(quic_initial_keys(QUIC_V1, rfc_dcid, 8, 1, &k), 0);
	assert_hex(k.key, 16, "cf3a5331653c364c88f0f379b6067e37");
	assert_hex(k.iv, 12, "0ac1493ca1905853b0bba03e");
	assert_hex(k.hp, 16, "c206b8d9b9f0f37644430b490eeaa314");
	assert_int_equal(quic_initial_keys(QUIC_V2, rfc_dcid, 8, 0, &k), 0);
	assert_hex(k.key, 16, "8b1a0bc121284290a29e0971b5cd045d");
	assert_hex(k.iv, 12, "91f73e2351d8fa91660e909f");
	assert_hex(k.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9");
	/* versions we hold no salt for, and no DCID at all, derive nothing */
	assert_int_not_equal(quic_initial_keys(0xff00001d, rfc_dcid, 8, 0, &k), 0);
	assert_int_not_equal(quic_initial_keys(QUIC_V1, rfc_dcid, 0, 0, &k), 0);
}

/* RFC 9000 A.1 */
static void test_varint(void **state)
{
	static const struct {
		const char *hex;
		uint64_t v;
	} t[] = {
		{ "c2197c5eff14e88c", 151288809941952652ull },
		{ "9d7f3e7d", 494878333 },
		{ "7bbd", 15293 },
		{ "25", 37 },
		{ "4025", 37 },
	};
	uint8_t b[8];
	size_t i, n, off;
	uint64_t v;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = qv_unhex(t[i].hex, b, sizeof(b));
		off = 0;
		assert_int_equal(quic_varint((const __u8 *)b, n, &off, (__u64 *)&v), 0);
		assert_int_equal(off, n);
		assert_true(v == t[i].v);
		/* one byte short: refused, nothing moved */
		off = 0;
		assert_int_equal(quic_varint((const __u8 *)b, n - 1, &off, (__u64 *)&v), -1);
		assert_int_equal(off, 0);
	}
}

static void test_open_rfc9001_client(void **state)
{
	uint8_t pkt[1200], out[1200];
	struct quic_long_hdr h;
	struct quic_keys k;
	__u64 pn = 0;
	long n, i;

	(void)state;
	assert_int_equal(qv_unhex(RFC9001_CLIENT_INITIAL, pkt, sizeof(pkt)), 1200);
	assert_true(quic_is_long(pkt, sizeof(pkt)));
	assert_int_equal(quic_parse_long(pkt, sizeof(pkt), &h), 0);
	assert_int_equal(h.version, QUIC_V1);
	assert_int_equal(h.type, QUIC_PT_INITIAL);
	assert_int_equal(h.dcid_len, 8);
	assert_memory_equal(h.dcid, rfc_dcid, 8);
	assert_int_equal(h.scid_len, 0);
	assert_int_equal(h.token_len, 0);
	assert_int_equal(h.pn_off, 18);
	assert_int_equal(h.len, 1200);
	assert_int_equal(quic_initial_keys(QUIC_V1, h.dcid, h.dcid_len, 0, &k), 0);
	n = quic_open(&k, pkt, h.len, h.pn_off, out, sizeof(out), &pn);
	assert_int_equal(n, 1162);
	assert_true(pn == 2);
	/* the unprotected header of A.2 */
	assert_hex(pkt, 22, "c300000001088394c8f03e5157080000449e00000002");
	/* a CRYPTO frame at offset 0 of 241 bytes, then PADDING */
	assert_hex(out, 10, "060040f1010000ed0303");
	for (i = 245; i < n; i++)
		assert_int_equal(out[i], 0);
}

/* A connection anew: what the last use held freed (static ones start zeroed). */
static void conn_fresh(struct quic_conn *c)
{
	quic_conn_fini(c);
	quic_conn_init(c);
}

/* The ClientHello and ServerHello of both RFCs, read as the collector will. */
static void check_conn(const char *client_hex, const char *server_hex, __u32 version)
{
	static uint8_t dg[1500];
	static struct quic_conn c;
	struct quic_stats st = { 0 };
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tlsp_ws ws;
	size_t n, m;

	conn_fresh(&c);
	n = qv_unhex(client_hex, dg, sizeof(dg));
	assert_int_equal(quic_conn_datagram(&c, 0, dg, n, &st), 1);
	assert_int_equal(st.initial, 1);
	assert_int_equal(c.version, version);
	assert_int_equal(c.odcid_len, 8);
	m = quic_crypto_msg(&c.cs[0]);
	assert_int_equal(m, 4 + 0xed);
	assert_int_equal(tls_parse_client_hello(c.cs[0].buf, 0, m, 0, &ch, &ws), 0);
	assert_int_equal(ch.sni_len, 11);
	assert_memory_equal(ch.sni, "example.com", 11);
	assert_int_equal(ch.n_ciphers, 2);
	assert_int_equal(ch.ciphers[0], 0x1301);
	assert_true(ch.flags & TLS_CHF_ALPN);
	/* the server's Initial goes to the client's SCID (empty): keys from the first DCID */
	n = qv_unhex(server_hex, dg, sizeof(dg));
	assert_int_equal(quic_conn_datagram(&c, 1, dg, n, &st), 1);
	assert_int_equal(st.initial, 2);
	assert_int_equal(st.undecryptable + st.bad_frames + st.bad_header, 0);
	assert_int_equal(c.sscid_len, 8);
	m = quic_crypto_msg(&c.cs[1]);
	assert_int_equal(m, 4 + 0x56);
	assert_int_equal(tls_parse_server_hello(c.cs[1].buf, 0, m, 0, &sh, &ws), 0);
	assert_int_equal(sh.cipher, 0x1301);
	assert_int_equal(sh.selected_version, 0x0304);
	assert_int_equal(sh.key_share_group, 0x001d);
	assert_false(c.flags & (QUIC_CF_UNDECRYPTABLE | QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_S));
}

static void test_conn_v1(void **state)
{
	(void)state;
	check_conn(RFC9001_CLIENT_INITIAL, RFC9001_SERVER_INITIAL, QUIC_V1);
}

static void test_conn_v2(void **state)
{
	(void)state;
	check_conn(RFC9369_CLIENT_INITIAL, RFC9369_SERVER_INITIAL, QUIC_V2);
}

/* The test sealer makes the RFC's packet from its plaintext: so it can be trusted below. */
static void test_sealer(void **state)
{
	static uint8_t pkt[1200], plain[1200], again[1300];
	struct quic_long_hdr h;
	struct quic_keys k;
	__u64 pn;
	long n;

	(void)state;
	qv_unhex(RFC9001_CLIENT_INITIAL, pkt, sizeof(pkt));
	quic_parse_long(pkt, sizeof(pkt), &h);
	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 0, &k);
	n = quic_open(&k, pkt, h.len, h.pn_off, plain, sizeof(plain), &pn);
	assert_int_equal(n, 1162);
	assert_int_equal(quic_seal_initial(&k, QUIC_V1, rfc_dcid, 8, NULL, 0, 2, plain, n, again,
					   sizeof(again)), 1200);
	qv_unhex(RFC9001_CLIENT_INITIAL, pkt, sizeof(pkt));
	assert_memory_equal(again, pkt, 1200);
}

/* The RFC's ClientHello (CRYPTO data), then frames around pieces of it. */
static size_t rfc_hello(uint8_t *ch)
{
	static uint8_t pkt[1200], plain[1200];
	struct quic_long_hdr h;
	struct quic_keys k;
	__u64 pn;

	qv_unhex(RFC9001_CLIENT_INITIAL, pkt, sizeof(pkt));
	quic_parse_long(pkt, sizeof(pkt), &h);
	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 0, &k);
	assert_int_equal(quic_open(&k, pkt, h.len, h.pn_off, plain, sizeof(plain), &pn), 1162);
	memcpy(ch, plain + 4, 241);
	return 241;
}

static size_t crypto_frame(uint8_t *out, unsigned off, const uint8_t *p, unsigned n)
{
	out[0] = 0x06;
	out[1] = 0x40 | off >> 8;
	out[2] = off;
	out[3] = 0x40 | n >> 8;
	out[4] = n;
	memcpy(out + 5, p, n);
	return 5 + n;
}

/*
 * A ClientHello cut over two datagrams, three CRYPTO frames, the second
 * datagram seen first and carrying its frames out of order; then a server
 * Initial refusing it with CONNECTION_CLOSE 0x0178 (no_application_protocol).
 */
static void test_hello_across_packets(void **state)
{
	static uint8_t ch[256], pl[1200], dg[1400];
	static struct quic_conn c;
	struct quic_stats st = { 0 };
	struct tls_client_hello parsed;
	struct quic_keys ck, sk;
	struct tlsp_ws ws;
	static const uint8_t scid[4] = { 1, 2, 3, 4 }, sscid[5] = { 9, 8, 7, 6, 5 };
	static const uint8_t close[] = { 0x1c, 0x41, 0x78, 0x06, 0x00 };
	size_t n = rfc_hello(ch), m;
	long d;

	(void)state;
	conn_fresh(&c);
	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 0, &ck);
	quic_initial_keys(QUIC_V1, rfc_dcid, 8, 1, &sk);
	/* datagram 2 (pn 1): bytes [150, n) then [100, 150) */
	m = crypto_frame(pl, 150, ch + 150, n - 150);
	m += crypto_frame(pl + m, 100, ch + 100, 50);
	memset(pl + m, 0, 200);
	d = quic_seal_initial(&ck, QUIC_V1, rfc_dcid, 8, scid, 4, 1, pl, m + 200, dg, sizeof(dg));
	assert_true(d > 0);
	assert_int_equal(quic_conn_datagram(&c, 0, dg, d, &st), 1);
	assert_int_equal(quic_crypto_msg(&c.cs[0]), 0);
	assert_int_equal(c.cs[0].contig, 0);
	/* datagram 1 (pn 0): bytes [0, 100), after a PING */
	pl[0] = 0x01;
	m = 1 + crypto_frame(pl + 1, 0, ch, 100);
	memset(pl + m, 0, 300);
	d = quic_seal_initial(&ck, QUIC_V1, rfc_dcid, 8, scid, 4, 0, pl, m + 300, dg, sizeof(dg));
	assert_int_equal(quic_conn_datagram(&c, 0, dg, d, &st), 1);
	assert_int_equal(st.initial, 2);
	assert_int_equal(quic_crypto_msg(&c.cs[0]), n);
	assert_int_equal(tls_parse_client_hello(c.cs[0].buf, 0, n, 0, &parsed, &ws), 0);
	assert_memory_equal(parsed.sni, "example.com", 11);
	assert_int_equal(c.cscid_len, 4);
	/* the server refuses: its Initial goes to the client's SCID, keys still from the DCID */
	memcpy(pl, close, sizeof(close));
	memset(pl + sizeof(close), 0, 40);
	d = quic_seal_initial(&sk, QUIC_V1, scid, 4, sscid, 5, 0, pl, sizeof(close) + 40, dg,
			      sizeof(dg));
	assert_int_equal(quic_conn_datagram(&c, 1, dg, d, &st), 1);
	assert_int_equal(st.initial, 3);
	assert_true(c.flags & QUIC_CF_CLOSE_S);
	assert_true(c.close_code == 0x0178);
	assert_int_equal(c.sscid_len, 5);
	assert_int_equal(st.undecryptable + st.bad_frames, 0);
	/* sealed with the wrong side's keys: refused and counted */
	d = quic_seal_initial(&ck, QUIC_V1, scid, 4, sscid, 5, 1, pl, sizeof(close) + 40, dg,
			      sizeof(dg));
	quic_conn_datagram(&c, 1, dg, d, &st);
	assert_int_equal(st.undecryptable, 1);
}

static __u64 dropped(const struct quic_stats *st)
{
	return st->undecryptable + st->bad_header + st->unknown_version + st->skipped +
	       st->bad_frames;
}

/* Every bit of an Initial is covered by the AEAD, the keys or the header checks. */
static void test_every_bit(void **state)
{
	static uint8_t orig[1200], dg[1200];
	static struct quic_conn c;
	struct quic_stats st;
	size_t n, i;
	int b, r;

	(void)state;
	n = qv_unhex(RFC9001_CLIENT_INITIAL, orig, sizeof(orig));
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++) {
			memcpy(dg, orig, n);
			dg[i] ^= 1u << b;
			memset(&st, 0, sizeof(st));
			conn_fresh(&c);
			r = quic_conn_datagram(&c, 0, dg, n, &st);
			/* -1: not a long header at all (the caller counts those) */
			if (st.initial || quic_crypto_msg(&c.cs[0]) || (r != -1 && !dropped(&st))) {
				print_error("byte %zu bit %d: opened %llu, dropped %llu\n", i, b,
					    (unsigned long long)st.initial,
					    (unsigned long long)dropped(&st));
				fail();
			}
		}
	}
}

static void test_every_truncation(void **state)
{
	static uint8_t orig[1200], dg[1200];
	static struct quic_conn c;
	struct quic_stats st;
	size_t n, i;

	(void)state;
	n = qv_unhex(RFC9001_CLIENT_INITIAL, orig, sizeof(orig));
	for (i = 0; i < n; i++) {
		/* on the heap, exactly i bytes: ASan sees any read past the end */
		uint8_t *p = malloc(i ? i : 1);

		assert_non_null(p);
		memcpy(p, orig, i);
		memset(&st, 0, sizeof(st));
		conn_fresh(&c);
		quic_conn_datagram(&c, 0, p, i, &st);
		assert_int_equal(st.initial, 0);
		if (i >= 1)
			assert_true(dropped(&st) || i < 7);
		free(p);
	}
	(void)dg;
}

static void test_crypto_reassembly(void **state)
{
	static struct quic_conn c;
	struct quic_stats st = { 0 };
	static const uint8_t msg[12] = { 1, 0, 0, 8, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
	uint8_t other = 'X';

	(void)state;
	conn_fresh(&c);
	/* out of order: the tail first, then a duplicate, then the head */
	quic_crypto_put(&c.cs[0], 8, msg + 8, 4, &st);
	assert_int_equal(quic_crypto_msg(&c.cs[0]), 0);
	quic_crypto_put(&c.cs[0], 8, msg + 8, 4, &st);
	quic_crypto_put(&c.cs[0], 4, msg + 4, 2, &st);
	assert_int_equal(c.cs[0].contig, 0);
	quic_crypto_put(&c.cs[0], 0, msg, 4, &st);
	assert_int_equal(c.cs[0].contig, 6);
	assert_int_equal(quic_crypto_msg(&c.cs[0]), 0);
	quic_crypto_put(&c.cs[0], 5, msg + 5, 3, &st);
	assert_int_equal(quic_crypto_msg(&c.cs[0]), 12);
	assert_memory_equal(c.cs[0].buf, msg, 12);
	assert_int_equal(st.crypto_conflict, 0);
	/* a resend with other bytes: the first copy stays, the conflict is counted */
	quic_crypto_put(&c.cs[0], 6, &other, 1, &st);
	assert_int_equal(c.cs[0].buf[6], 'c');
	assert_int_equal(st.crypto_conflict, 1);
	/* past the cap: dropped and counted, not stored */
	quic_crypto_put(&c.cs[0], QUIC_CRYPTO_MAX - 2, msg, 6, &st);
	assert_int_equal(st.crypto_capped, 4);
	quic_crypto_put(&c.cs[0], (__u64)1 << 61, msg, 6, &st);
	assert_int_equal(st.crypto_capped, 10);
}

/*
 * The buffers: none before a side's first CRYPTO bytes, grown to need (out
 * of order: the tail first), freed when the hellos are read, and nothing
 * allocated for CRYPTO bytes after that.
 */
static void test_crypto_lazy(void **state)
{
	static struct quic_conn c;
	static uint8_t msg[3000];
	static const uint8_t late[] = { 0x06, 0x00, 0x02, 'h', 'i' };
	struct quic_stats st = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = i * 7;
	msg[0] = TLS_HS_CLIENT_HELLO;
	msg[1] = 0;
	msg[2] = (sizeof(msg) - 4) >> 8;
	msg[3] = (sizeof(msg) - 4) & 0xff;
	conn_fresh(&c);
	assert_int_equal(quic_conn_heap(&c), 0);
	assert_null(c.cs[0].buf);
	quic_crypto_put(&c.cs[0], 2500, msg + 2500, 500, &st);
	assert_int_equal(c.cs[0].cap, 4096);
	assert_int_equal(c.cs[1].cap, 0);
	assert_int_equal(quic_conn_heap(&c), QUIC_CRYPTO_HEAP(4096));
	quic_crypto_put(&c.cs[0], 100, msg + 100, 2400, &st);
	assert_int_equal(c.cs[0].contig, 0);
	quic_crypto_put(&c.cs[0], 0, msg, 100, &st);
	assert_int_equal(quic_crypto_msg(&c.cs[0]), sizeof(msg));
	assert_memory_equal(c.cs[0].buf, msg, sizeof(msg));
	/* grown from the smallest as the offsets come in order */
	quic_crypto_put(&c.cs[1], 0, msg, 10, &st);
	assert_int_equal(c.cs[1].cap, QUIC_CRYPTO_MIN);
	quic_crypto_put(&c.cs[1], 10, msg + 10, 1000, &st);
	assert_int_equal(c.cs[1].cap, 1024);
	quic_crypto_put(&c.cs[1], 1010, msg + 1010, 1990, &st);
	assert_int_equal(c.cs[1].cap, 4096);
	assert_int_equal(quic_crypto_msg(&c.cs[1]), sizeof(msg));
	assert_memory_equal(c.cs[1].buf, msg, sizeof(msg));
	assert_int_equal(st.crypto_capped + st.crypto_conflict, 0);
	quic_conn_crypto_done(&c);
	assert_int_equal(quic_conn_heap(&c), 0);
	assert_null(c.cs[0].buf);
	assert_null(c.cs[1].buf);
	assert_int_equal(quic_frames(&c, 0, late, sizeof(late), &st), 0);
	assert_int_equal(quic_conn_heap(&c), 0);
	/* the cap still holds and counts: the buffer grows to it, no further */
	conn_fresh(&c);
	quic_crypto_put(&c.cs[0], QUIC_CRYPTO_MAX - 2, msg, 6, &st);
	assert_int_equal(c.cs[0].cap, QUIC_CRYPTO_MAX);
	assert_int_equal(st.crypto_capped, 4);
	quic_crypto_put(&c.cs[0], QUIC_CRYPTO_MAX, msg, 6, &st);
	assert_int_equal(c.cs[0].cap, QUIC_CRYPTO_MAX);
	assert_int_equal(st.crypto_capped, 10);
	quic_conn_fini(&c);
	assert_int_equal(quic_conn_heap(&c), 0);
}

static void test_frames(void **state)
{
	static struct quic_conn c;
	struct quic_stats st = { 0 };
	/* PING, ACK with a range, ACK_ECN, PADDING, CRYPTO "hi" at 0, CONNECTION_CLOSE 0x0128 */
	static const uint8_t ok[] = {
		0x01, 0x02, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x02, 0x03, 0x00, 0x00, 0x06, 0x00, 0x02, 'h', 'i', 0x1c, 0x41, 0x28,
		0x06, 0x02, 'n', 'o',
	};
	static const uint8_t bad_type[] = { 0x06, 0x00, 0x01, 'x', 0x08, 0x00 };
	static const uint8_t long_type[] = { 0x40, 0x06, 0x00, 0x01, 'x' };
	static const uint8_t lying_ack[] = { 0x02, 0x00, 0x00, 0x3f, 0x00, 0x00 };
	static const uint8_t long_crypto[] = { 0x06, 0x00, 0x05, 'x' };
	static const uint8_t long_reason[] = { 0x1d, 0x00, 0x09, 'x' };

	(void)state;
	conn_fresh(&c);
	assert_int_equal(quic_frames(&c, 1, ok, sizeof(ok), &st), 0);
	assert_int_equal(c.cs[1].contig, 2);
	assert_memory_equal(c.cs[1].buf, "hi", 2);
	assert_true(c.flags & QUIC_CF_CLOSE_S);
	assert_false(c.flags & (QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_APP));
	assert_true(c.close_code == 0x0128);
	assert_int_equal(st.bad_frames, 0);

	conn_fresh(&c);
	assert_int_equal(quic_frames(&c, 0, bad_type, sizeof(bad_type), &st), -1);
	assert_int_equal(c.cs[0].contig, 1);	/* what came before is kept */
	assert_int_equal(quic_frames(&c, 0, long_type, sizeof(long_type), &st), -1);
	assert_int_equal(quic_frames(&c, 0, lying_ack, sizeof(lying_ack), &st), -1);
	assert_int_equal(quic_frames(&c, 0, long_crypto, sizeof(long_crypto), &st), -1);
	assert_int_equal(quic_frames(&c, 0, long_reason, sizeof(long_reason), &st), -1);
	assert_int_equal(st.bad_frames, 5);
	assert_false(c.flags & (QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_S));
}

/* Version Negotiation and Retry are in clear; RFC 9001 A.4 and RFC 9369 A.4 for Retry. */
static void test_vn_retry(void **state)
{
	static struct quic_conn c;
	struct quic_stats st = { 0 };
	uint8_t dg[1200];
	static const uint8_t vn[] = {
		0x80 | 0x2a, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,
		0x6b, 0x33, 0x43, 0xcf, 0, 0, 0, 1, 0x1a, 0x2a, 0x3a, 0x4a,
	};
	size_t n;

	(void)state;
	conn_fresh(&c);
	assert_int_equal(quic_conn_datagram(&c, 1, (uint8_t *)memcpy(dg, vn, sizeof(vn)),
					    sizeof(vn), &st), 1);
	assert_true(c.flags & QUIC_CF_VN);
	assert_int_equal(c.n_vn, 3);
	assert_int_equal(c.vn_versions[0], QUIC_V2);
	assert_int_equal(c.vn_versions[1], QUIC_V1);
	/* a list that is not whole versions */
	assert_int_equal(quic_conn_datagram(&c, 1, dg, sizeof(vn) - 1, &st), -1);
	assert_int_equal(st.bad_header, 1);

	conn_fresh(&c);
	n = qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg));
	quic_conn_datagram(&c, 0, dg, n, &st);
	n = qv_unhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba", dg,
		  sizeof(dg));
	assert_int_equal(quic_conn_datagram(&c, 1, dg, n, &st), 1);
	assert_true(c.flags & QUIC_CF_RETRY);
	assert_int_equal(st.retry, 1);
	/* the keys now come from the Retry's SCID */
	assert_int_equal(c.odcid_len, 8);
	assert_memory_equal(c.odcid, "\xf0\x67\xa5\x50\x2a\x42\x62\xb5", 8);
	n = qv_unhex("cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6", dg,
		  sizeof(dg));
	assert_int_equal(quic_conn_datagram(&c, 1, dg, n, &st), 1);
	assert_int_equal(st.retry, 2);
	assert_int_equal(c.version, QUIC_V2);
}

static void test_unknown_version(void **state)
{
	static struct quic_conn c;
	struct quic_stats st = { 0 };
	uint8_t dg[1200];
	size_t n;

	(void)state;
	conn_fresh(&c);
	n = qv_unhex(RFC9001_CLIENT_INITIAL, dg, sizeof(dg));
	dg[4] = 0x1d;
	dg[1] = 0xff;		/* draft-29: no keys of ours */
	assert_false(quic_is_long(dg, n));
	assert_int_equal(quic_conn_datagram(&c, 0, dg, n, &st), -1);
	assert_int_equal(st.unknown_version, 1);
	assert_int_equal(st.initial, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_keys),
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_open_rfc9001_client),
		cmocka_unit_test(test_conn_v1),
		cmocka_unit_test(test_conn_v2),
		cmocka_unit_test(test_sealer),
		cmocka_unit_test(test_hello_across_packets),
		cmocka_unit_test(test_every_bit),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_crypto_reassembly),
		cmocka_unit_test(test_crypto_lazy),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_vn_retry),
		cmocka_unit_test(test_unknown_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
