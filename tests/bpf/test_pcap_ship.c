// SPDX-License-Identifier: BSD-3-Clause
/*
 * --pcap-dir in the datapath (headers/dp_pkt.h), through the loaded XDP
 * program (BPF_PROG_TEST_RUN) and the userspace build side by side: off
 * (the default), no PKT event and no counter of its own moves, whatever the
 * frames; on, the SYN and SYN-ACK and each frame of the tracked flow come up
 * as their first bytes (headers and --pcap-snap payload bytes, a hello or an
 * alert whole, and so the rest of a hello in the next segment), at most
 * pkt_max per flow, the rest counted in
 * TLSMON_C_PKT_CUT; kernel and userspace send the same events.  A frame
 * whose payload is one hello record rides in the hello's HELLO event (one
 * ring record), or, when its headers are too long for that, goes as them
 * alone beside it; when the walk sends no HELLO for it, whole after the
 * walk.  The expected lengths are computed here from the frames built, not
 * by the datapath.
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
#include "hello_fixtures.h"
#include "source/bpf_dp.h"
#include "source/dp_user.h"
#include "evlist.h"
#include "pkt.h"

#define SNAP 4
#define PER_FLOW 7
#define RIDE 2		/* want: no PKT event; the frame in the HELLO event (head_len) */
#define CH_SPLIT 1000	/* the ClientHello's bytes in its first segment */

static struct bpf_dp *dp_off, *dp_on;
static struct evlist kern = { .raw = 1, .neutral = 1 }, user = { .raw = 1, .neutral = 1 };

struct step {
	const char *what;
	int s2c;
	uint8_t flags;
	uint32_t seq, ack;
	const uint8_t *payload;
	size_t len;
	size_t want;		/* on: bytes of the frame sent; 0: none; */
	int cut;		/* on: past the flow's budget, counted */
	int syn;		/* on: sent flagged TLSMON_PKT_F_SYN */
};

static uint8_t cert[600], alert[7] = { 21, 3, 3, 0, 2, 1, 0 }, appdata[15] = { 23, 3, 3, 0, 10 };
static uint8_t odd_hello[512];	/* a hello record of version 3.9: the walk ships no HELLO */

/* The handshake of 10.0.0.1:40000 with 10.0.0.2:443, frame by frame. */
static size_t frame_of(const struct step *st, uint8_t *f, size_t *poff)
{
	struct pkt_spec sp = { .family = 4, .ttl = 64, .tcp_flags = st->flags, .seq = st->seq,
			       .ack = st->ack, .win = 1000, .payload = st->payload,
			       .len = st->len };
	size_t n;

	pkt_ip4(st->s2c ? sp.dst : sp.src, 10, 0, 0, 1);
	pkt_ip4(st->s2c ? sp.src : sp.dst, 10, 0, 0, 2);
	sp.sport = st->s2c ? 443 : 40000;
	sp.dport = st->s2c ? 40000 : 443;
	n = pkt_build(f, PKT_MAX, &sp);
	assert_true(n > 0);
	*poff = n - st->len;
	return n;
}

static const struct tlsmon_ev_pkt *pkt_event(const struct evlist *l, size_t *count)
{
	const struct tlsmon_ev_pkt *e = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < l->n; i++) {
		if (((const struct tlsmon_ev_hdr *)l->ev[i])->type != TLSMON_EV_PKT)
			continue;
		e = (const void *)l->ev[i];
		assert_int_equal(l->size[i], TLSMON_PKT_HDR + e->len);
		(*count)++;
	}
	return e;
}

static const struct hello_fixture *hf_named(const char *name)
{
	size_t i;

	for (i = 0; i < N_HELLO_FIXTURES; i++)
		if (!strcmp(hello_fixtures[i].name, name))
			return &hello_fixtures[i];
	fail_msg("no hello fixture %s", name);
	return NULL;
}

/* The list's one HELLO event. */
static const struct tlsmon_ev_hello *hello_event(const struct evlist *l)
{
	const struct tlsmon_ev_hello *he = NULL;
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (((const struct tlsmon_ev_hdr *)l->ev[i])->type == TLSMON_EV_HELLO) {
			he = (const void *)l->ev[i];
			n++;
		}
	if (n != 1)
		fail_msg("%zu HELLO events, want 1", n);
	return he;
}

/* The kernel's HELLO event of the same packet holds the rest of frame f: together, f. */
static void hello_completes(const struct tlsmon_ev_pkt *pe, const uint8_t *f, size_t n)
{
	const struct tlsmon_ev_hello *he = hello_event(&kern);

	assert_int_equal(he->head_len, 0);
	assert_int_equal(he->h.ts_ns, pe->h.ts_ns);
	assert_int_equal(he->h.dir, pe->h.dir);
	assert_int_equal(he->h.seq, pe->h.seq + 5);
	assert_int_equal(pe->len + he->len, n);
	assert_memory_equal(he->data, f + pe->len, he->len);
}

/*
 * Frame f (n bytes, payload at poff) rode in the HELLO event of l: the
 * message, then the headers up to it; the two are f.
 */
static void hello_carries(const struct evlist *l, const uint8_t *f, size_t n, size_t poff)
{
	const struct tlsmon_ev_hello *he = hello_event(l);

	assert_int_equal(he->head_len, poff + 5);
	assert_int_equal(he->len, n - poff - 5);
	assert_int_equal(he->h.size, TLSMON_HELLO_HDR + n);
	assert_memory_equal(he->data, f + poff + 5, he->len);
	assert_memory_equal(he->data + he->len, f, he->head_len);
}

static void run(struct bpf_dp *dp, struct dp_user *du, int on)
{
	const struct hello_fixture *ch = &hello_fixtures[3];	/* 1756 bytes, in two segments */
	const struct hello_fixture *sh = hf_named("tls12-sh");	/* one record, one message */
	uint32_t sl = sh->len;
	struct step steps[] = {
		{ "SYN", 0, PKT_SYN, 1000, 0, NULL, 0, 1, 0, 1 },
		{ "SYN-ACK", 1, PKT_SYN | PKT_ACK, 5000, 1001, NULL, 0, 1, 0, 1 },
		{ "ClientHello's first segment, whole", 0, PKT_ACK, 1001, 5001, ch->b, CH_SPLIT, 1,
		  0, 0 },
		{ "ClientHello's second segment, whole", 0, PKT_ACK | PKT_PSH, 1001 + CH_SPLIT, 5001,
		  ch->b + CH_SPLIT, ch->len - CH_SPLIT, 1, 0, 0 },
		{ "ServerHello, its record alone: in its HELLO event", 1, PKT_ACK, 5001,
		  1001 + ch->len, sh->b, sh->len, RIDE, 0, 0 },
		{ "ServerHello retransmitted: no HELLO event for it, whole", 1, PKT_ACK, 5001,
		  1001 + ch->len, sh->b, sh->len, 1, 0, 0 },
		{ "Certificate record, snapped", 1, PKT_ACK, 5001 + sl, 1001 + ch->len, cert,
		  sizeof(cert), SNAP, 0, 0 },
		{ "warning alert, whole", 1, PKT_ACK | PKT_PSH, 5601 + sl, 1001 + ch->len, alert,
		  sizeof(alert), 1, 0, 0 },
		{ "a hello record no TLS version has: no HELLO, whole after the walk", 0,
		  PKT_ACK | PKT_PSH, 1001 + ch->len, 5608 + sl, odd_hello, sl, 1, 0, 0 },
		{ "application data: past the budget", 0, PKT_ACK | PKT_PSH, 1001 + ch->len + sl,
		  5608 + sl, appdata, sizeof(appdata), 0, 1, 0 },
	};
	uint64_t c0[TLSMON_C_MAX], c1[TLSMON_C_MAX];
	static uint8_t f[PKT_MAX];
	const struct tlsmon_ev_pkt *ke, *ue;
	size_t i, n, poff, k, u, want;

	assert_int_equal(ch->kind, HF_CH);
	assert_true(sl <= sizeof(odd_hello));
	memcpy(odd_hello, sh->b, sl);
	odd_hello[2] = 9;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *st = &steps[i];

		n = frame_of(st, f, &poff);
		evlist_clear(&kern);
		evlist_clear(&user);
		bpf_dp_counters(dp, c0);
		assert_int_equal(bpf_dp_test_run(dp, "tlsmon_xdp", f, n), 2 /* XDP_PASS */);
		bpf_dp_counters(dp, c1);
		dp_user_frame(du, f, n, 1, 0, TLSMON_HOOK_PCAP);
		ke = pkt_event(&kern, &k);
		ue = pkt_event(&user, &u);
		if (!on) {
			if (k || u)
				fail_msg("off, %s: %zu kernel and %zu userspace PKT events", st->what,
					 k, u);
			assert_int_equal(c1[TLSMON_C_PKT_SHIPPED], c0[TLSMON_C_PKT_SHIPPED]);
			assert_int_equal(c1[TLSMON_C_PKT_CUT], c0[TLSMON_C_PKT_CUT]);
			continue;
		}
		/* want: 1 the whole frame, SNAP its headers and SNAP payload bytes */
		want = !st->want || st->want == RIDE ? 0 : st->want == SNAP ? poff + SNAP : n;
		if (k != !!want || u != !!want)
			fail_msg("on, %s: %zu kernel and %zu userspace PKT events, want %d", st->what,
				 k, u, !!want);
		assert_int_equal(c1[TLSMON_C_PKT_SHIPPED] - c0[TLSMON_C_PKT_SHIPPED],
				 want || st->want == RIDE);
		assert_int_equal(c1[TLSMON_C_PKT_CUT] - c0[TLSMON_C_PKT_CUT], st->cut);
		if (st->want == RIDE) {
			hello_carries(&kern, f, n, poff);
			hello_carries(&user, f, n, poff);
			assert_memory_equal(hello_event(&kern), hello_event(&user),
					    TLSMON_HELLO_HDR + n);
		}
		if (!want)
			continue;
		if (ke->len != want)
			fail_msg("on, %s: %u bytes sent, want %zu of %zu", st->what, ke->len, want, n);
		assert_int_equal(ke->frame_len, n);
		assert_memory_equal(ke->data, f, want);
		assert_int_equal(!!(ke->flags & TLSMON_PKT_F_SYN), st->syn);
		assert_int_equal(!!(ke->flags & TLSMON_PKT_F_HELLO), 0);
		assert_int_equal(ke->h.dir, st->s2c ? TLSMON_DIR_S2C : TLSMON_DIR_C2S);
		assert_int_equal(ke->h.cport, 40000);
		/* the userspace build: the same event, byte for byte */
		assert_memory_equal(ke, ue, TLSMON_PKT_HDR + want);
	}
}

static void test_off_sends_nothing(void **state)
{
	struct dp_user *du = dp_user_new(64, evlist_collect, &user);

	(void)state;
	run(dp_off, du, 0);
	dp_user_free(du);
}

static void test_on_sends_frames(void **state)
{
	struct dp_user *du = dp_user_new(64, evlist_collect, &user);

	(void)state;
	dp_user_cfg(du)->pkt_max = PER_FLOW;
	dp_user_cfg(du)->pkt_snap = SNAP;
	run(dp_on, du, 1);
	dp_user_free(du);
}

/*
 * A ClientHello in one record behind headers longer than a HELLO event
 * takes along (an IPv6 destination-options header of 208 bytes): the
 * frame's headers go in a PKT event of their own (TLSMON_PKT_F_HELLO), the
 * message in the HELLO beside it; together, the frame.
 */
static void test_long_headers_go_apart(void **state)
{
	const struct hello_fixture *ch = hf_named("tls12-ch");
	struct pkt_spec sp = { .family = 6, .ttl = 64, .tcp_flags = PKT_ACK | PKT_PSH,
			       .sport = 41000, .dport = 443, .seq = 7001, .ack = 9001, .win = 1000,
			       .payload = ch->b, .len = ch->len, .n_ext6 = 1,
			       .ext6 = { { .type = 60 /* IPPROTO_DSTOPTS */, .units = 25 } } };
	struct dp_user *du = dp_user_new(64, evlist_collect, &user);
	static uint8_t f[PKT_MAX];
	const struct tlsmon_ev_pkt *ke, *ue;
	size_t n, k, u, poff;

	(void)state;
	assert_non_null(du);
	dp_user_cfg(du)->pkt_max = PER_FLOW;
	dp_user_cfg(du)->pkt_snap = SNAP;
	assert_int_equal(pkt_ip6(sp.src, "2001:db8::1"), 0);
	assert_int_equal(pkt_ip6(sp.dst, "2001:db8::2"), 0);
	n = pkt_build(f, sizeof(f), &sp);
	assert_true(n > 0);
	poff = n - ch->len;
	assert_true(poff + 5 > TLSMON_HELLO_HEAD_MAX);
	evlist_clear(&kern);
	evlist_clear(&user);
	assert_int_equal(bpf_dp_test_run(dp_on, "tlsmon_xdp", f, n), 2 /* XDP_PASS */);
	dp_user_frame(du, f, n, 1, 0, TLSMON_HOOK_PCAP);
	ke = pkt_event(&kern, &k);
	ue = pkt_event(&user, &u);
	assert_int_equal(k, 1);
	assert_int_equal(u, 1);
	assert_int_equal(ke->len, poff + 5);
	assert_int_equal(ke->frame_len, n);
	assert_true(ke->flags & TLSMON_PKT_F_HELLO);
	assert_memory_equal(ke->data, f, poff + 5);
	hello_completes(ke, f, n);
	assert_memory_equal(ke, ue, TLSMON_PKT_HDR + ke->len);
	dp_user_free(du);
}

static int setup(void **state)
{
	struct bpf_dp_opts o = { .max_flows = 1024, .ringbuf_bytes = 1 << 20,
				 .cfg = TLSMON_DP_CFG_DEFAULT };
	char err[512];

	(void)state;
	cert[0] = 22, cert[1] = 3, cert[2] = 3, cert[3] = 0x02, cert[4] = 0x53;	/* 595 */
	cert[5] = 11, cert[7] = 0x02, cert[8] = 0x4f;				/* 591 */
	if (bpf_dp_open(&dp_off, &o, evlist_collect, &kern, err, sizeof(err))) {
		print_error("cannot load the datapath: %s\n", err);
		return -1;
	}
	o.cfg.pkt_max = PER_FLOW;
	o.cfg.pkt_snap = SNAP;
	if (bpf_dp_open(&dp_on, &o, evlist_collect, &kern, err, sizeof(err))) {
		print_error("cannot load the datapath with pkt_max set: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bpf_dp_close(dp_off);
	bpf_dp_close(dp_on);
	evlist_free(&kern);
	evlist_free(&user);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_sends_nothing),
		cmocka_unit_test(test_on_sends_frames),
		cmocka_unit_test(test_long_headers_go_apart),
	};

	if (geteuid() != 0) {
		printf("1..1\nok 1 - PKT shipping # SKIP needs root to load BPF programs\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
