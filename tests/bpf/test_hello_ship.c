// SPDX-License-Identifier: BSD-3-Clause
/*
 * The kernel frames, the collector parses: a hello goes up the ring buffer as
 * its bytes (a HELLO event), whatever its size class, and the collector's
 * parse of them (ev_hello_parse(), the pipe) gives the hello or says why not.
 *
 * ClientHellos of every size class edge are built here (a padding extension
 * sets the size) and sent through the loaded XDP program (BPF_PROG_TEST_RUN)
 * and the userspace build of the datapath: each must come out as exactly one
 * HELLO event holding the message's bytes as sent.  Then an SSL 2.0 hello,
 * and a hello the parser refuses, through the pipe: counted, reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "source/bpf_dp.h"
#include "source/dp_user.h"
#include "pipe/evpipe.h"
#include "evlist.h"
#include "pkt.h"

#define ISN 7000u

static struct bpf_dp *dp;
static struct evlist kern = { .raw = 1 }, user = { .raw = 1 };

/*
 * A ClientHello message of exactly len bytes (header included, len >= 51):
 * TLS 1.2, one cipher suite, no compression, a padding extension that makes
 * up the size.  ciphers_len: 2, or an odd value the parser refuses.
 */
static size_t client_hello(uint8_t *m, size_t len, unsigned ciphers_len)
{
	size_t n = 0, pad;

	assert_true(len >= 51);
	pad = len - 51;
	m[n++] = TLS_HS_CLIENT_HELLO;
	m[n++] = (len - 4) >> 16;
	m[n++] = (len - 4) >> 8;
	m[n++] = len - 4;
	m[n++] = 3;
	m[n++] = 3;
	memset(m + n, 0x5a, 32);	/* random */
	n += 32;
	m[n++] = 0;			/* session id */
	m[n++] = 0;
	m[n++] = ciphers_len;
	m[n++] = 0x13;
	m[n++] = 0x01;
	if (ciphers_len == 3)
		m[n++] = 0x02;
	m[n++] = 1;			/* compression: null */
	m[n++] = 0;
	m[n++] = (pad + 4) >> 8;	/* extensions: padding */
	m[n++] = pad + 4;
	m[n++] = 0;
	m[n++] = TLS_EXT_PADDING;
	m[n++] = pad >> 8;
	m[n++] = pad;
	assert_int_equal(n, 51 + (ciphers_len == 3));
	memset(m + n, 0, pad - (ciphers_len == 3));
	return len;
}

/* The frame of a client segment carrying payload p[0, n) at seq. */
static size_t frame(uint8_t *buf, const uint8_t *p, size_t n, uint16_t cport)
{
	struct pkt_spec s = { .family = 4, .sport = cport, .dport = 443, .ttl = 64,
			      .tcp_flags = PKT_ACK | PKT_PSH, .seq = ISN, .ack = 1, .win = 512,
			      .payload = p, .len = n };

	pkt_ip4(s.src, 10, 0, 0, 1);
	pkt_ip4(s.dst, 10, 0, 0, 2);
	return pkt_build(buf, PKT_MAX, &s);
}

/* Runs the frame through both datapaths; returns the kernel's run status. */
static void run_both(const uint8_t *f, size_t n)
{
	struct dp_user *du = dp_user_new(64, evlist_collect, &user);

	assert_non_null(du);
	assert_int_equal(bpf_dp_test_run(dp, "tlsmon_xdp", f, n), 2 /* XDP_PASS */);
	dp_user_frame(du, f, n, 1, 0, TLSMON_HOOK_PCAP);
	dp_user_free(du);
}

/* The one HELLO event of l, checked against the message it must carry. */
static const struct tlsmon_ev_hello *one_hello(const char *who, const struct evlist *l,
					       const uint8_t *msg, size_t len, uint8_t sslv2)
{
	const struct tlsmon_ev_hello *e = NULL;
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (((const struct tlsmon_ev_hdr *)l->ev[i])->type != TLSMON_EV_HELLO)
			continue;
		e = (const void *)l->ev[i];
		n++;
		assert_int_equal(l->size[i], TLSMON_HELLO_HDR + len);
	}
	if (n != 1)
		fail_msg("%s: %zu HELLO events for a %zu-byte hello, not 1", who, n, len);
	assert_int_equal(e->h.version, TLSMON_EVENT_VERSION);
	assert_int_equal(e->h.size, TLSMON_HELLO_HDR + len);
	assert_int_equal(e->h.seq, ISN + (sslv2 ? 0 : TLS_RECORD_HDR_LEN));
	assert_int_equal(e->h.dir, TLSMON_DIR_C2S);
	assert_int_equal(e->len, len);
	assert_int_equal(e->sslv2, sslv2);
	if (!sslv2)
		assert_int_equal(e->rec_version, 0x0301);
	if (memcmp(e->data, msg, len))
		fail_msg("%s: the %zu-byte hello's bytes differ from the wire's", who, len);
	return e;
}

static void test_size_classes(void **state)
{
	/* both sides of every size class edge, up to what a 4 KiB test frame holds */
	static const size_t sizes[] = { 51, 200, 256, 257, 511, 512, 513, 1024, 1025,
					2048, 2049, 3000, 4030 };
	static uint8_t rec[PKT_MAX], f[PKT_MAX];
	static union ev_parsed out;
	static struct tlsp_ws ws;
	size_t i, len, n;

	(void)state;
	if (!dp)
		fail_msg("the datapath did not load");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = sizes[i];
		rec[0] = TLS_CT_HANDSHAKE;
		rec[1] = 3;
		rec[2] = 1;
		rec[3] = len >> 8;
		rec[4] = len;
		client_hello(rec + TLS_RECORD_HDR_LEN, len, 2);
		n = frame(f, rec, TLS_RECORD_HDR_LEN + len, 40000 + i);
		assert_true(n > 0);
		bpf_dp_reset(dp);
		evlist_clear(&kern);
		evlist_clear(&user);
		run_both(f, n);
		one_hello("kernel", &kern, rec + TLS_RECORD_HDR_LEN, len, 0);
		one_hello("userspace", &user, rec + TLS_RECORD_HDR_LEN, len, 0);
		/* the collector's half: the hello, its padding as built */
		ev_hello_parse((const void *)one_hello("kernel", &kern, rec + 5, len, 0), &out,
			       &ws);
		assert_int_equal(out.h.type, TLSMON_EV_CLIENT_HELLO);
		assert_int_equal(out.h.size, sizeof(out.ch));
		assert_int_equal(out.ch.ch.hs_len, len - 4);
		assert_int_equal(out.ch.ch.n_ciphers, 1);
		assert_int_equal(out.ch.ch.ciphers[0], 0x1301);
		assert_int_equal(out.ch.ch.padding_len, len - 51);
	}
}

/* An SSL 2.0-compatible CLIENT-HELLO: shipped with its 2-byte record header. */
static void test_sslv2(void **state)
{
	static const uint8_t v2[] = {
		0x80, 0x1c, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x2f, /* challenge */ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
		14, 15, 16,
	};
	static uint8_t f[PKT_MAX];
	static union ev_parsed out;
	static struct tlsp_ws ws;
	size_t n;

	(void)state;
	if (!dp)
		fail_msg("the datapath did not load");
	assert_int_equal(sizeof(v2), 2 + 0x1c);
	n = frame(f, v2, sizeof(v2), 41000);
	bpf_dp_reset(dp);
	evlist_clear(&kern);
	evlist_clear(&user);
	run_both(f, n);
	one_hello("userspace", &user, v2, sizeof(v2), 1);
	ev_hello_parse(one_hello("kernel", &kern, v2, sizeof(v2), 1), &out, &ws);
	assert_int_equal(out.h.type, TLSMON_EV_CLIENT_HELLO);
	assert_true(out.ch.ch.flags & TLS_CHF_SSLV2);
	assert_int_equal(out.ch.ch.n_ciphers, 1);
	assert_int_equal(out.ch.ch.ciphers[0], 0x002f);
}

struct seen {
	int n, type;
	struct tlsmon_ev_small sm;
};

static int keep(void *ctx, const void *ev, size_t size)
{
	struct seen *s = ctx;

	s->n++;
	s->type = ((const struct tlsmon_ev_hdr *)ev)->type;
	if (s->type == TLSMON_EV_PARSE_ERROR && size == sizeof(s->sm))
		memcpy(&s->sm, ev, size);
	return 0;
}

/*
 * A ClientHello the parser refuses (an odd cipher_suites length) still goes
 * up whole; the pipe turns it into a PARSE_ERROR that says why, and counts it.
 */
static void test_unparsable(void **state)
{
	static uint8_t rec[600], f[PKT_MAX];
	struct seen s = { 0 };
	struct evpipe p;
	size_t n, i;

	(void)state;
	if (!dp)
		fail_msg("the datapath did not load");
	rec[0] = TLS_CT_HANDSHAKE;
	rec[1] = 3;
	rec[2] = 1;
	rec[3] = 0x01;
	rec[4] = 0x2c;
	client_hello(rec + 5, 300, 3);
	n = frame(f, rec, 305, 42000);
	bpf_dp_reset(dp);
	evlist_clear(&kern);
	evlist_clear(&user);
	run_both(f, n);
	one_hello("kernel", &kern, rec + 5, 300, 0);
	assert_int_equal(evpipe_init(&p, keep, &s, 0), 0);
	for (i = 0; i < kern.n; i++)
		evpipe_in(&p, kern.ev[i], kern.size[i]);
	assert_int_equal(s.n, (int)kern.n);
	assert_int_equal(s.type, TLSMON_EV_PARSE_ERROR);
	assert_int_equal(s.sm.hs_type, TLS_HS_CLIENT_HELLO);
	assert_int_equal(s.sm.content_type, TLS_CT_HANDSHAKE);
	assert_int_equal(s.sm.reason, TLS_ERR_CIPHERS);
	assert_int_equal(s.sm.h.seq, ISN + 5);
	assert_int_equal(p.ch_parse_errors, 1);
	assert_int_equal(p.sh_parse_errors, 0);
	evpipe_fini(&p);
}

static int setup(void **state)
{
	struct bpf_dp_opts o = { .max_flows = 1024, .ringbuf_bytes = 1 << 20,
				 .cfg = TLSMON_DP_CFG_DEFAULT };
	char err[512];

	(void)state;
	if (bpf_dp_open(&dp, &o, evlist_collect, &kern, err, sizeof(err))) {
		print_error("cannot load the datapath: %s\n", err);
		dp = NULL;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bpf_dp_close(dp);
	evlist_free(&kern);
	evlist_free(&user);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_classes),
		cmocka_unit_test(test_sslv2),
		cmocka_unit_test(test_unparsable),
	};

	if (geteuid() != 0) {
		printf("1..1\nok 1 - hello shipping # SKIP needs root to load BPF programs\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
