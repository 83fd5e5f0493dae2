// SPDX-License-Identifier: BSD-3-Clause
/*
 * The pre-filter's two steps (headers/dp_prefilter.h): dp_prefilter_fast(),
 * which XDP's entry runs on fixed offsets, may only say "done" where
 * dp_prefilter() says it too, or a frame the datapath must read would be
 * lost without a count.
 *
 *  - crafted frames, one per kind the fast step decides or must pass on:
 *    what each step says of each, from the protocols' rules;
 *  - every frame of every corpus capture, and each again with bytes of its
 *    headers changed at random (fixed seed): never "done" from the fast step
 *    where the full pre-filter would not say it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "corpus.h"
#include "pkt.h"
#include "source/dp_user.h"
#include "source/pcap_src.h"

static int sink(void *ctx, const void *ev, size_t size)
{
	(void)ctx;
	(void)ev;
	(void)size;
	return 0;
}

struct kind {
	const char *what;
	int fast;		/* dp_prefilter_fast() */
	int pre;		/* dp_prefilter(): DP_PRE_* */
};

static const uint8_t quic_v1_initial[] = { 0xc3, 0x00, 0x00, 0x00, 0x01, 0x08, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t quic_unknown[] = { 0xc3, 0x1a, 0x2a, 0x3a, 0x4a, 0x08, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t dns_query[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };
static const uint8_t http_get[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
static const uint8_t client_hello_start[] = { 0x16, 0x03, 0x01, 0x00, 0xf0, 0x01, 0x00, 0x00, 0xec };
static const uint8_t ip_opts[] = { 0x01, 0x01, 0x01, 0x00 };

static void spec_base(struct pkt_spec *s, int udp)
{
	memset(s, 0, sizeof(*s));
	s->family = 4;
	pkt_ip4(s->src, 10, 0, 0, 1);
	pkt_ip4(s->dst, 10, 0, 0, 2);
	s->sport = 40000;
	s->dport = udp ? 53 : 443;
	s->ttl = 64;
	s->udp = udp;
	s->tcp_flags = PKT_ACK;
	s->win = 512;
}

static int judge(struct dp_user *du, const uint8_t *f, size_t len, int *fast)
{
	return dp_user_prefilter(du, f, (uint32_t)len, fast);
}

static void check(struct dp_user *du, const struct kind *k, const uint8_t *f, size_t len)
{
	int fast = -1, pre;

	assert_true(len > 0);
	pre = judge(du, f, len, &fast);
	if (fast != k->fast || pre != k->pre)
		fail_msg("%s: fast %d pre %d, want fast %d pre %d", k->what, fast, pre, k->fast,
			 k->pre);
}

/* The frame of spec s, and what the two steps must say of it. */
static void expect(struct dp_user *du, const struct pkt_spec *s, struct kind k)
{
	uint8_t f[PKT_MAX];

	check(du, &k, f, pkt_build(f, sizeof(f), s));
}

static size_t build(uint8_t *buf, const struct pkt_spec *s)
{
	return pkt_build(buf, PKT_MAX, s);
}

/*
 * Data of spec s on its flow before and after a ClientHello's first bytes
 * went through the datapath (ts: the hello's time), which then tracks it;
 * the next source port stays untracked.  Leaves s carrying the data.
 */
static void tracking(struct dp_user *du, struct pkt_spec *s, const char *what, uint64_t ts)
{
	uint8_t f[PKT_MAX];
	uint32_t flows = dp_user_flow_count(du);
	char w[4][96];

	snprintf(w[0], sizeof(w[0]), "%s, HTTP request on an unknown flow", what);
	snprintf(w[1], sizeof(w[1]), "%s, a ClientHello's first bytes", what);
	snprintf(w[2], sizeof(w[2]), "%s, data on a tracked flow", what);
	snprintf(w[3], sizeof(w[3]), "%s, data on the next port", what);
	s->payload = http_get;
	s->len = sizeof(http_get) - 1;
	expect(du, s, (struct kind){ w[0], 1, DP_PRE_DONE });
	s->payload = client_hello_start;
	s->len = sizeof(client_hello_start);
	expect(du, s, (struct kind){ w[1], 0, DP_PRE_FULL });
	dp_user_frame(du, f, (uint32_t)build(f, s), ts, 1, TLSMON_HOOK_XDP);
	assert_int_equal(dp_user_flow_count(du), flows + 1);
	s->payload = http_get;
	s->len = sizeof(http_get) - 1;
	expect(du, s, (struct kind){ w[2], 0, DP_PRE_FULL });
	s->sport++;
	expect(du, s, (struct kind){ w[3], 1, DP_PRE_DONE });
	s->sport--;
}

static void test_kinds(void **state)
{
	struct dp_user *du = dp_user_new(1024, sink, NULL);
	uint8_t f[PKT_MAX];
	struct pkt_spec s;
	size_t n;

	(void)state;
	assert_non_null(du);

	spec_base(&s, 1);
	s.payload = dns_query;
	s.len = sizeof(dns_query);
	expect(du, &s, (struct kind){ "UDP, DNS", 1, DP_PRE_DONE });

	s.payload = quic_v1_initial;
	s.len = sizeof(quic_v1_initial);
	s.dport = 4433;
	expect(du, &s, (struct kind){ "UDP, QUIC v1 Initial", 0, DP_PRE_QUIC });

	s.payload = quic_unknown;
	s.len = sizeof(quic_unknown);
	expect(du, &s, (struct kind){ "UDP, long header of an unknown version", 1, DP_PRE_DONE });

	s.payload = dns_query;
	s.len = sizeof(dns_query);
	s.dport = 4789;
	expect(du, &s, (struct kind){ "UDP to VXLAN's port", 0, DP_PRE_FULL });
	dp_user_cfg(du)->decap = 0;
	expect(du, &s, (struct kind){ "UDP to VXLAN's port, --no-decap", 1, DP_PRE_DONE });
	dp_user_cfg(du)->decap = 1;
	s.dport = 6081;
	expect(du, &s, (struct kind){ "UDP to Geneve's port", 0, DP_PRE_FULL });
	s.dport = 2152;
	expect(du, &s, (struct kind){ "UDP to GTP-U's port", 0, DP_PRE_FULL });

	s.dport = 53;
	s.ip_more_frags = 1;
	expect(du, &s, (struct kind){ "UDP, first fragment", 1, DP_PRE_DONE });
	s.ip_more_frags = 0;
	s.ip_frag_off = 100;
	s.payload = quic_v1_initial;
	s.len = sizeof(quic_v1_initial);
	expect(du, &s, (struct kind){ "UDP, later fragment that reads as a long header", 0, DP_PRE_DONE });

	spec_base(&s, 0);
	expect(du, &s, (struct kind){ "TCP ACK", 1, DP_PRE_DONE });
	s.opt.ts = 1;
	s.opt.tsval = 7;
	expect(du, &s, (struct kind){ "TCP ACK with timestamps", 1, DP_PRE_DONE });
	s.opt.ts = 0;
	s.tcp_flags = PKT_SYN;
	expect(du, &s, (struct kind){ "TCP SYN", 0, DP_PRE_FULL });
	s.tcp_flags = PKT_ACK | PKT_FIN;
	expect(du, &s, (struct kind){ "TCP FIN", 0, DP_PRE_FULL });
	s.tcp_flags = PKT_RST;
	expect(du, &s, (struct kind){ "TCP RST", 0, DP_PRE_FULL });

	s.tcp_flags = PKT_ACK | PKT_PSH;
	tracking(du, &s, "TCP", 1000);

	s.payload = NULL;
	s.len = 0;
	s.ip_more_frags = 1;
	expect(du, &s, (struct kind){ "TCP ACK, a fragment", 0, DP_PRE_FULL });
	s.ip_more_frags = 0;
	s.ip_opts = ip_opts;
	s.ip_opts_len = sizeof(ip_opts);
	expect(du, &s, (struct kind){ "TCP ACK, IPv4 options", 0, DP_PRE_DONE });
	s.ip_opts = NULL;
	s.ip_opts_len = 0;

	n = build(f, &s);
	f[14 + 2] = 0;
	f[14 + 3] = 10;	/* an IPv4 total length shorter than its header */
	check(du, &(struct kind){ "TCP ACK, total length 10", 0, DP_PRE_FULL }, f, n);
	n = build(f, &s);
	f[14 + 3] += 4;	/* four bytes of payload the frame does not hold */
	check(du, &(struct kind){ "TCP ACK, total length past the header", 0, DP_PRE_FULL }, f, n);
	n = build(f, &s);
	f[14 + 20 + 12] = 0x40;	/* a data offset of 16 bytes */
	check(du, &(struct kind){ "TCP ACK, data offset 4", 0, DP_PRE_FULL }, f, n);

	s.family = 6;
	pkt_ip6(s.src, "2001:db8::10");	/* its hint slot not the IPv4 flow's */
	pkt_ip6(s.dst, "2001:db8::2");
	expect(du, &s, (struct kind){ "IPv6 TCP ACK", 1, DP_PRE_DONE });
	tracking(du, &s, "IPv6 TCP", 2000);
	s.payload = NULL;
	s.len = 0;
	s.udp = 1;
	s.dport = 53;
	s.payload = dns_query;
	s.len = sizeof(dns_query);
	expect(du, &s, (struct kind){ "IPv6 UDP, DNS", 1, DP_PRE_DONE });
	s.dport = 4789;
	expect(du, &s, (struct kind){ "IPv6 UDP to VXLAN's port", 0, DP_PRE_FULL });
	s.dport = 4433;
	s.payload = quic_v1_initial;
	s.len = sizeof(quic_v1_initial);
	expect(du, &s, (struct kind){ "IPv6 UDP, QUIC v1 Initial", 0, DP_PRE_QUIC });
	s.udp = 0;
	s.payload = NULL;
	s.len = 0;
	s.dport = 443;
	s.family = 4;
	pkt_ip4(s.src, 10, 0, 0, 1);
	pkt_ip4(s.dst, 10, 0, 0, 2);
	s.n_vlans = 1;
	s.vlan[0].tpid = 0x8100;
	s.vlan[0].vid = 7;
	expect(du, &s, (struct kind){ "TCP ACK in a VLAN", 0, DP_PRE_FULL });
	s.n_vlans = 0;
	n = build(f, &s);
	check(du, &(struct kind){ "TCP ACK cut to 53 bytes", 0, DP_PRE_FULL }, f, 53);

	dp_user_free(du);
}

struct walk {
	struct dp_user *du;
	uint64_t frames, fast_done, mutants, mutants_fast;
	uint32_t rng;
	const char *file;
};

static uint32_t rnd(struct walk *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

static void agree(struct walk *w, const uint8_t *f, uint32_t len, uint64_t no, int mutant)
{
	int fast, pre = judge(w->du, f, len, &fast);

	if (fast && pre != DP_PRE_DONE)
		fail_msg("%s frame %llu%s: the fast step says done, dp_prefilter() says %d", w->file,
			 (unsigned long long)no, mutant ? " (changed)" : "", pre);
	if (mutant) {
		w->mutants++;
		w->mutants_fast += fast;
	} else {
		w->fast_done += fast;
	}
}

static int each_frame(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		      uint32_t wire_len)
{
	struct walk *w = ctx;
	uint8_t m[128];
	uint32_t n = len < sizeof(m) ? len : sizeof(m), i, k;

	(void)ts;
	(void)wire_len;
	w->frames++;
	agree(w, eth, len, no, 0);
	/* the headers again, a byte or two changed: what the fast step reads */
	for (i = 0; i < 16 && n > 0; i++) {
		memcpy(m, eth, n);
		for (k = 0; k <= (rnd(w) & 1); k++)
			m[rnd(w) % (n < 64 ? n : 64)] = (uint8_t)rnd(w);
		agree(w, m, n, no, 1);
	}
	return 0;
}

static void test_corpus_agrees(void **state)
{
	struct walk w = { .rng = 0x2545f491 };
	char err[256];
	size_t n, i;
	char **v = corpus_captures(&n);

	(void)state;
	assert_non_null(v);
	assert_true(n > 10);
	w.du = dp_user_new(1024, sink, NULL);
	assert_non_null(w.du);
	for (i = 0; v[i]; i++) {
		struct pcap_src *ps = pcap_src_open(v[i], err, sizeof(err));

		if (!ps)
			fail_msg("%s: %s", v[i], err);
		w.file = v[i];
		pcap_src_run(ps, each_frame, &w, err, sizeof(err));
		pcap_src_close(ps);
	}
	print_message("%llu frames of %zu captures: the fast step decided %llu; of %llu changed "
		      "copies, %llu\n",
		      (unsigned long long)w.frames, n, (unsigned long long)w.fast_done,
		      (unsigned long long)w.mutants, (unsigned long long)w.mutants_fast);
	/* the corpus is handshakes, mostly with their ACKs: the fast step sees some */
	assert_true(w.fast_done > 0);
	assert_true(w.mutants_fast > 0);
	dp_user_free(w.du);
	corpus_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_corpus_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
