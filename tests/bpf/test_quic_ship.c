// SPDX-License-Identifier: BSD-3-Clause
/*
 * QUIC in the datapath (headers/dp_quic.h): UDP datagrams that start with a
 * long-header Initial, Retry or Version Negotiation packet of v1 or v2 go up
 * the ring buffer as their bytes (a QUIC event), on any port, at most
 * TLSMON_QUIC_PER_CONN per connection; every other UDP datagram ends in the
 * pre-filter (no counter moves).
 *
 * Every frame of the corpus' QUIC captures is run through the loaded XDP
 * program (BPF_PROG_TEST_RUN) and the userspace build: both must send the
 * same events, each holding its datagram's bytes, for exactly the datagrams
 * the rule above names (read here from the RFC's layout, not from the
 * datapath).  Then built datagrams: each packet type and version, short
 * headers and look-alikes, IPv6, the cap, truncation, --ports.  Then the
 * corpus' QUIC frames again inside what the TCP path reads: an 802.1Q tag,
 * QinQ, PPPoE, a VXLAN tunnel, IPv6 extension headers; and other UDP in a VLAN,
 * which leaves without a counter past the frame's own.
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
#include "corpus.h"
#include "source/bpf_dp.h"
#include "source/dp_user.h"
#include "source/pcap_src.h"
#include "evlist.h"
#include "pkt.h"
#include "udp.h"

static struct bpf_dp *dp;
static struct evlist kern = { .raw = 1, .neutral = 1 }, user = { .raw = 1, .neutral = 1 };

/* What the rule ships: the first packet's first byte and version (RFC 9000 17.2, RFC 9369 3.2). */
static int shipped_kind(const uint8_t *p, size_t n)
{
	uint32_t v;

	if (n < 5 || !(p[0] & 0x80))
		return 0;
	v = (uint32_t)p[1] << 24 | p[2] << 16 | p[3] << 8 | p[4];
	if (v == 0)
		return 1;
	if (v == 1)
		return (p[0] & 0x30) == 0x00 || (p[0] & 0x30) == 0x30;
	if (v == 0x6b3343cf)
		return (p[0] & 0x30) == 0x10 || (p[0] & 0x30) == 0x00;
	return 0;
}

static size_t quic_events(const struct evlist *l, const uint8_t *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		const struct tlsmon_ev_quic *e = (const void *)l->ev[i];

		if (e->h.type != TLSMON_EV_QUIC)
			continue;
		k++;
		assert_int_equal(l->size[i], TLSMON_QUIC_HDR + e->len);
		assert_int_equal(e->h.size, TLSMON_QUIC_HDR + e->len);
		assert_int_equal(e->dgram_len, n);
		assert_int_equal(e->len, n < TLSMON_QUIC_MAX ? n : TLSMON_QUIC_MAX);
		assert_memory_equal(e->data, p, e->len);
	}
	return k;
}

static void counters(uint64_t c[TLSMON_C_MAX])
{
	bpf_dp_counters(dp, c);
}

/* Both datapaths on one frame holding datagram p[0, pn): the QUIC events (the same in both). */
static size_t run_both_dg(struct dp_user *du, const uint8_t *f, size_t n, const uint8_t *p,
			  size_t pn)
{
	size_t k, uk;

	evlist_clear(&kern);
	evlist_clear(&user);
	assert_int_equal(bpf_dp_test_run(dp, "tlsmon_xdp", f, n), 2 /* XDP_PASS */);
	dp_user_frame(du, f, n, 1, 0, TLSMON_HOOK_PCAP);
	k = quic_events(&kern, p, pn);
	uk = quic_events(&user, p, pn);
	assert_int_equal(k, uk);
	return k;
}

static size_t run_both(struct dp_user *du, const uint8_t *f, size_t n)
{
	struct udp u;

	assert_int_equal(udp_of(f, n, &u), 0);
	return run_both_dg(du, f, n, u.p, u.n);
}

/* ---- the corpus ---- */

#define TUPLES 512

struct replay {
	struct dp_user *du;
	struct { struct udp u; uint8_t a[32]; unsigned n; } t[TUPLES];
	size_t nt, frames, shipped, expected;
};

static unsigned *tuple_count(struct replay *r, const struct udp *u)
{
	size_t al = u->family == 4 ? 4 : 16, i;
	uint8_t a[32];

	/* either direction: the lower address first */
	if (memcmp(u->src, u->dst, al) < 0 || (!memcmp(u->src, u->dst, al) && u->sp < u->dp)) {
		memcpy(a, u->src, al);
		memcpy(a + 16, u->dst, al);
	} else {
		memcpy(a, u->dst, al);
		memcpy(a + 16, u->src, al);
	}
	for (i = 0; i < r->nt; i++)
		if (!memcmp(r->t[i].a, a, sizeof(a)) &&
		    ((r->t[i].u.sp == u->sp && r->t[i].u.dp == u->dp) ||
		     (r->t[i].u.sp == u->dp && r->t[i].u.dp == u->sp)))
			return &r->t[i].n;
	assert_true(r->nt < TUPLES);
	r->t[r->nt].u = *u;
	memcpy(r->t[r->nt].a, a, sizeof(a));
	return &r->t[r->nt++].n;
}

static int corpus_frame(void *ctx, uint64_t no, uint64_t ts, const uint8_t *f, uint32_t len,
			uint32_t wire_len)
{
	struct replay *r = ctx;
	unsigned *cnt;
	struct udp u;
	size_t k, want = 0;

	(void)no;
	(void)ts;
	if (len != wire_len || udp_of(f, len, &u))
		return 0;
	r->frames++;
	if (shipped_kind(u.p, u.n)) {
		cnt = tuple_count(r, &u);
		want = *cnt < TLSMON_QUIC_PER_CONN;
		(*cnt)++;
	}
	k = run_both(r->du, f, len);
	if (k != want)
		fail_msg("frame %llu: %zu QUIC events, %zu expected", (unsigned long long)no, k,
			 want);
	r->shipped += k;
	r->expected += want;
	return 0;
}

static void test_corpus(void **state)
{
	static const char *caps[] = {
		"ja4/quic/quic-tls-handshake.pcapng",
		"ja4/quic/quic-with-several-tls-frames.pcapng",
		"ja4/tls3.pcapng",
		"ja4/tls-handshake.pcapng",
		"ja4/tls-sni.pcapng",
		"ja4/ssh2.pcapng",
		"ja4/chrome-cloudflare-quic-with-secrets.pcapng",
		"suricata/ja4-tls-quic/input.pcap",
	};
	static struct replay r;
	char err[256];
	size_t i;

	(void)state;
	if (!dp)
		skip();
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct pcap_src *ps = pcap_src_open(corpus_path(caps[i]), err, sizeof(err));

		if (!ps)
			fail_msg("%s: %s", caps[i], err);
		memset(&r, 0, sizeof(r));
		r.du = dp_user_new(64, evlist_collect, &user);
		assert_non_null(r.du);
		assert_int_equal(pcap_src_run(ps, corpus_frame, &r, err, sizeof(err)), 0);
		pcap_src_close(ps);
		dp_user_free(r.du);
		printf("# %s: %zu UDP frames, %zu QUIC datagrams sent, as expected\n", caps[i],
		       r.frames, r.shipped);
		assert_true(r.shipped > 0);
	}
}

/* ---- built datagrams ---- */

static size_t udp_frame(uint8_t *buf, int v6, uint16_t sport, uint16_t dport, const uint8_t *p,
			size_t n)
{
	struct pkt_spec s = { .family = v6 ? 6 : 4, .sport = sport, .dport = dport, .ttl = 64,
			      .udp = 1, .payload = p, .len = n };

	if (v6) {
		pkt_ip6(s.src, "2001:db8::1");
		pkt_ip6(s.dst, "2001:db8::2");
	} else {
		pkt_ip4(s.src, 10, 0, 0, 1);
		pkt_ip4(s.dst, 10, 0, 0, 2);
	}
	return pkt_build(buf, PKT_MAX, &s);
}

/* A long-header packet: first byte, version, DCID and SCID of 8, then filler to n. */
static size_t long_pkt(uint8_t *p, uint8_t first, uint32_t v, size_t n)
{
	memset(p, 0xa5, n);
	p[0] = first;
	p[1] = v >> 24;
	p[2] = v >> 16;
	p[3] = v >> 8;
	p[4] = v;
	p[5] = 8;
	p[14] = 8;
	return n;
}

static void test_kinds(void **state)
{
	static const struct {
		const char *what;
		uint8_t first;
		uint32_t v;
		int ship;
	} t[] = {
		{ "v1 Initial", 0xc3, 1, 1 },
		{ "v1 Retry", 0xf0, 1, 1 },
		{ "v1 0-RTT", 0xd3, 1, 0 },
		{ "v1 Handshake", 0xe3, 1, 0 },
		{ "v2 Initial", 0xd3, 0x6b3343cf, 1 },
		{ "v2 Retry", 0xc0, 0x6b3343cf, 1 },
		{ "v2 0-RTT", 0xe3, 0x6b3343cf, 0 },
		{ "v2 Handshake", 0xf3, 0x6b3343cf, 0 },
		{ "Version Negotiation", 0x80 | 0x15, 0, 1 },
		/* RFC 9287: the fixed bit greased (ngtcp2 does, at random) */
		{ "v1 Initial, fixed bit greased", 0x83, 1, 1 },
		{ "v2 Initial, fixed bit greased", 0x93, 0x6b3343cf, 1 },
		{ "draft-29 Initial", 0xc3, 0xff00001d, 0 },
		{ "short header", 0x43, 1, 0 },
		{ "DNS-like", 0x85, 0x01000001, 0 },
	};
	static uint8_t p[1300], f[PKT_MAX];
	uint64_t c0[TLSMON_C_MAX], c1[TLSMON_C_MAX];
	struct dp_user *du;
	size_t i, n, k;
	int v6;

	(void)state;
	if (!dp)
		skip();
	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			du = dp_user_new(64, evlist_collect, &user);
			long_pkt(p, t[i].first, t[i].v, 1200);
			/* a port of its own per case: the cap is per connection */
			n = udp_frame(f, v6, 40000 + i + 100 * v6, 8443, p, 1200);
			counters(c0);
			k = run_both(du, f, n);
			counters(c1);
			if ((int)k != t[i].ship)
				fail_msg("%s (IPv%d): %zu events", t[i].what, v6 ? 6 : 4, k);
			/* what is not sent ends in the pre-filter: no counter at all */
			if (!t[i].ship)
				assert_memory_equal(c0, c1, sizeof(c0));
			else
				assert_int_equal(c1[TLSMON_C_QUIC_SHIPPED] - c0[TLSMON_C_QUIC_SHIPPED], 1);
			dp_user_free(du);
		}
	}
}

static void test_cap_trunc_ports(void **state)
{
	static uint8_t p[3000], f[PKT_MAX];
	uint64_t c0[TLSMON_C_MAX], c1[TLSMON_C_MAX];
	struct dp_user *du;
	size_t n, i, k = 0;

	(void)state;
	if (!dp)
		skip();
	du = dp_user_new(64, evlist_collect, &user);
	long_pkt(p, 0xc3, 1, 1250);
	n = udp_frame(f, 0, 51000, 443, p, 1250);
	counters(c0);
	for (i = 0; i < TLSMON_QUIC_PER_CONN + 3; i++)
		k += run_both(du, f, n);
	counters(c1);
	assert_int_equal(k, TLSMON_QUIC_PER_CONN);
	assert_int_equal(c1[TLSMON_C_QUIC_CAPPED] - c0[TLSMON_C_QUIC_CAPPED], 3);
	assert_int_equal(dp_user_counters(du)[TLSMON_C_QUIC_CAPPED], 3);
	/* the other direction is the same connection */
	n = udp_frame(f, 0, 443, 51000, p, 1250);
	f[26] = 10, f[27] = 0, f[28] = 0, f[29] = 2;	/* source 10.0.0.2 */
	f[30] = 10, f[31] = 0, f[32] = 0, f[33] = 1;	/* destination 10.0.0.1 */
	assert_int_equal(run_both(du, f, n), 0);

	/* longer than an event holds: sent cut, counted */
	long_pkt(p, 0xc3, 1, 3000);
	n = udp_frame(f, 0, 51001, 443, p, 3000);
	counters(c0);
	assert_int_equal(run_both(du, f, n), 1);
	counters(c1);
	assert_int_equal(c1[TLSMON_C_QUIC_TRUNC] - c0[TLSMON_C_QUIC_TRUNC], 1);
	dp_user_free(du);

	/* --ports narrows QUIC as it does TCP (the userspace build: the same code) */
	du = dp_user_new(64, evlist_collect, &user);
	dp_user_cfg(du)->n_ports = 1;
	dp_user_cfg(du)->ports[0] = 443;
	long_pkt(p, 0xc3, 1, 1200);
	n = udp_frame(f, 0, 51002, 8443, p, 1200);
	evlist_clear(&user);
	dp_user_frame(du, f, n, 1, 0, TLSMON_HOOK_PCAP);
	assert_int_equal(user.n, 0);
	assert_int_equal(dp_user_counters(du)[TLSMON_C_PORT_FILTERED], 1);
	n = udp_frame(f, 0, 51002, 443, p, 1200);
	dp_user_frame(du, f, n, 1, 0, TLSMON_HOOK_PCAP);
	assert_int_equal(user.n, 1);
	dp_user_free(du);
}

/* ---- inside VLANs, tunnels, IPv6 extension headers ---- */

enum wrap { W_VLAN, W_QINQ, W_PPPOE, W_VXLAN, W_EXT6, W_N };
static const char *const wrap_name[W_N] = { "802.1Q", "QinQ", "PPPoE", "VXLAN",
					    "IPv6 extension headers" };

/* Insert VLAN tags (tpid, vid pairs) after the MAC addresses of f: the new length. */
static size_t tag(uint8_t *out, const uint8_t *f, size_t n, const uint16_t *tags, int ntags)
{
	int i;

	memcpy(out, f, 12);
	for (i = 0; i < ntags; i++) {
		out[12 + 4 * i] = tags[2 * i] >> 8;
		out[13 + 4 * i] = tags[2 * i];
		out[14 + 4 * i] = tags[2 * i + 1] >> 8;
		out[15 + 4 * i] = tags[2 * i + 1];
	}
	memcpy(out + 12 + 4 * ntags, f + 12, n - 12);
	return n + 4 * ntags;
}

/* The frame f (a datagram u) as the wrap carries it: its length, 0 when it does not apply. */
static size_t wrap(enum wrap w, uint8_t *out, const uint8_t *f, size_t n, const struct udp *u)
{
	static const uint16_t q[] = { 0x8100, 100 }, qinq[] = { 0x88a8, 200, 0x8100, 100 };
	static uint8_t inner[PKT_MAX];
	struct pkt_spec s = { .family = 4, .sport = 33000, .dport = 4789, .ttl = 64, .udp = 1 };

	switch (w) {
	case W_VLAN:
		return tag(out, f, n, q, 1);
	case W_QINQ:
		return tag(out, f, n, qinq, 2);
	case W_PPPOE:
		/* a session frame: ver/type, code, session, length; PPP IPv4 or IPv6 */
		if (f[12] != 0x08 && f[12] != 0x86)	/* untagged frames only */
			return 0;
		memcpy(out, f, 12);
		out[12] = 0x88;
		out[13] = 0x64;
		out[14] = 0x11;
		out[15] = 0;
		out[16] = 0x12;
		out[17] = 0x34;
		out[18] = (n - 14 + 2) >> 8;
		out[19] = n - 14 + 2;
		out[20] = 0;
		out[21] = u->family == 4 ? 0x21 : 0x57;
		memcpy(out + 22, f + 14, n - 14);
		return n + 8;
	case W_VXLAN:
		/* flags (I), reserved, VNI 42, reserved; then the frame whole */
		if (n + 8 > sizeof(inner))
			return 0;
		memset(inner, 0, 8);
		inner[0] = 0x08;
		inner[6] = 42;
		memcpy(inner + 8, f, n);
		pkt_ip4(s.src, 192, 0, 2, 1);
		pkt_ip4(s.dst, 192, 0, 2, 2);
		s.payload = inner;
		s.len = n + 8;
		return pkt_build(out, PKT_MAX, &s);
	case W_EXT6:
		/* the datagram again, after a hop-by-hop and a destination options header */
		s.family = 6;
		if (u->family == 6) {
			memcpy(s.src, u->src, 16);
			memcpy(s.dst, u->dst, 16);
		} else {	/* 2001:db8::a.b.c.d: one IPv6 pair per IPv4 pair */
			pkt_ip6(s.src, "2001:db8::");
			pkt_ip6(s.dst, "2001:db8::");
			memcpy(s.src + 12, u->src, 4);
			memcpy(s.dst + 12, u->dst, 4);
		}
		s.sport = u->sp;
		s.dport = u->dp;
		s.n_ext6 = 2;
		s.ext6[0].type = 0;	/* IPPROTO_HOPOPTS */
		s.ext6[1].type = 60;	/* IPPROTO_DSTOPTS */
		s.payload = u->p;
		s.len = u->n;
		return pkt_build(out, PKT_MAX, &s);
	default:
		return 0;
	}
}

struct wrapped {
	struct replay r;
	enum wrap w;
	uint16_t shift;		/* added to both ports: connections of their own */
};

static int wrapped_frame(void *ctx, uint64_t no, uint64_t ts, const uint8_t *f, uint32_t len,
			 uint32_t wire_len)
{
	static uint8_t moved[PKT_MAX], out[PKT_MAX];
	struct wrapped *x = ctx;
	struct udp u;
	uint8_t *uh;
	size_t n, k, want = 0;
	unsigned *cnt;

	(void)ts;
	if (len != wire_len || len > sizeof(moved) || udp_of(f, len, &u))
		return 0;
	/* the ports moved: the kernel's per-connection caps are the corpus test's too */
	memcpy(moved, f, len);
	uh = moved + (u.p - f) - 8;
	uh[0] = (u.sp + x->shift) >> 8;
	uh[1] = u.sp + x->shift;
	uh[2] = (u.dp + x->shift) >> 8;
	uh[3] = u.dp + x->shift;
	assert_int_equal(udp_of(moved, len, &u), 0);
	n = wrap(x->w, out, moved, len, &u);
	if (!n)
		return 0;
	x->r.frames++;
	if (shipped_kind(u.p, u.n)) {
		cnt = tuple_count(&x->r, &u);
		want = *cnt < TLSMON_QUIC_PER_CONN;
		(*cnt)++;
	}
	k = run_both_dg(x->r.du, out, n, u.p, u.n);
	if (k != want)
		fail_msg("%s, frame %llu: %zu QUIC events, %zu expected", wrap_name[x->w],
			 (unsigned long long)no, k, want);
	x->r.shipped += k;
	return 0;
}

static void test_wrapped(void **state)
{
	static const char *caps[] = {
		"ja4/tls-handshake.pcapng",
		"suricata/ja4-tls-quic/input.pcap",
	};
	static struct wrapped x;
	char err[256];
	size_t i;
	int w;

	(void)state;
	if (!dp)
		skip();
	for (w = 0; w < W_N; w++) {
		for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
			struct pcap_src *ps = pcap_src_open(corpus_path(caps[i]), err, sizeof(err));

			if (!ps)
				fail_msg("%s: %s", caps[i], err);
			memset(&x, 0, sizeof(x));
			x.w = w;
			x.shift = 1000 * (w + 1) + 100 * i;
			x.r.du = dp_user_new(64, evlist_collect, &user);
			assert_non_null(x.r.du);
			assert_int_equal(pcap_src_run(ps, wrapped_frame, &x, err, sizeof(err)), 0);
			pcap_src_close(ps);
			dp_user_free(x.r.du);
			printf("# %s in %s: %zu UDP frames, %zu QUIC datagrams sent, as expected\n",
			       caps[i], wrap_name[w], x.r.frames, x.r.shipped);
			assert_true(x.r.shipped > 0);
		}
	}
}

/*
 * Other UDP in a VLAN: the frame counted as every frame past the pre-filter
 * is, nothing else (no malformed, no QUIC counter); and VXLAN is read only
 * with --decap (the userspace build, whose configuration a test may change).
 */
static void test_wrapped_other(void **state)
{
	static const uint16_t q[] = { 0x8100, 7 };
	static uint8_t p[1300], f[PKT_MAX], t[PKT_MAX], v[PKT_MAX];
	uint64_t c0[TLSMON_C_MAX], c1[TLSMON_C_MAX];
	struct dp_user *du;
	struct udp u;
	size_t n, i;

	(void)state;
	if (!dp)
		skip();
	du = dp_user_new(64, evlist_collect, &user);
	long_pkt(p, 0x85, 0x01000001, 300);	/* DNS-like: not QUIC */
	n = tag(t, f, udp_frame(f, 0, 53000, 53, p, 300), q, 1);
	counters(c0);
	assert_int_equal(run_both_dg(du, t, n, p, 300), 0);
	counters(c1);
	for (i = 0; i < TLSMON_C_MAX; i++)
		if (i != TLSMON_C_PACKETS && c1[i] != c0[i])
			fail_msg("counter %zu moved for UDP that is not QUIC", i);
	assert_int_equal(c1[TLSMON_C_PACKETS] - c0[TLSMON_C_PACKETS], 1);
	dp_user_free(du);

	/* a QUIC Initial in VXLAN: shipped with --decap, not without */
	long_pkt(p, 0xc3, 1, 1200);
	n = udp_frame(f, 0, 53001, 443, p, 1200);
	assert_int_equal(udp_of(f, n, &u), 0);
	n = wrap(W_VXLAN, v, f, n, &u);
	du = dp_user_new(64, evlist_collect, &user);
	evlist_clear(&user);
	dp_user_frame(du, v, n, 1, 0, TLSMON_HOOK_PCAP);
	assert_int_equal(quic_events(&user, p, 1200), 1);
	dp_user_free(du);
	du = dp_user_new(64, evlist_collect, &user);
	dp_user_cfg(du)->decap = 0;
	evlist_clear(&user);
	dp_user_frame(du, v, n, 1, 0, TLSMON_HOOK_PCAP);
	assert_int_equal(user.n, 0);
	dp_user_free(du);
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
	return dp ? 0 : -1;
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
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_cap_trunc_ports),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_wrapped_other),
	};

	if (geteuid() != 0) {
		printf("1..1\nok 1 - QUIC shipping # SKIP needs root to load BPF programs\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
