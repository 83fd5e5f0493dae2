/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's accounting: the sweep's walk, its gauge and the evictions
 * the kernel counts (the real BPF program, through BPF_PROG_TEST_RUN), and a
 * flow that ends once even when something else removed it first (the same
 * datapath built for userspace).
 *
 * The accounting identity every case checks:
 *   flows created = deleted at their end + swept + evicted + live
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hello_fixtures.h"
#include "pkt.h"
#include "pipe/ev.h"
#include "source/bpf_dp.h"
#include "source/dp_user.h"
#include "tlsmon.h"

#define N_FLOWS 512	/* an eighth of a 4096-flow table: sets of 4 slots leave none out */

static const struct hello_fixture *client_hello(void)
{
	for (size_t i = 0; i < sizeof(hello_fixtures) / sizeof(hello_fixtures[0]); i++)
		if (hello_fixtures[i].kind == HF_CH)
			return &hello_fixtures[i];
	return NULL;
}

/* A ClientHello from 10.1.x.y:port to 10.2.0.1:443: one new flow per port. */
static size_t hello_frame(uint8_t *buf, size_t cap, uint16_t port, uint8_t fin_rst)
{
	const struct hello_fixture *h = client_hello();
	struct pkt_spec s = { .family = 4, .sport = port, .dport = 443, .ttl = 64,
			      .tcp_flags = PKT_ACK | PKT_PSH, .seq = 1000, .ack = 2000,
			      .win = 512 };

	pkt_ip4(s.src, 10, 1, port >> 8, port & 0xff);
	pkt_ip4(s.dst, 10, 2, 0, 1);
	if (fin_rst) {
		s.tcp_flags = fin_rst | PKT_ACK;
		s.seq += h->len;
	} else {
		s.payload = h->b;
		s.len = h->len;
	}
	return pkt_build(buf, cap, &s);
}

static int discard(void *ctx, const void *ev, size_t size)
{
	(void)ctx, (void)ev, (void)size;
	return 0;
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct bpf_dp *open_kernel(uint32_t max_flows)
{
	struct bpf_dp_opts o = { .max_flows = max_flows, .ringbuf_bytes = 1 << 22,
				 .cfg = TLSMON_DP_CFG_DEFAULT };
	struct bpf_dp *d = NULL;
	char err[512];

	if (geteuid() != 0)
		return NULL;
	if (bpf_dp_open(&d, &o, discard, NULL, err, sizeof(err))) {
		fprintf(stderr, "# cannot load the datapath: %s\n", err);
		return NULL;
	}
	return d;
}

static void send_kernel(struct bpf_dp *d, uint16_t port, uint8_t flags)
{
	uint8_t f[PKT_MAX];
	size_t n = hello_frame(f, sizeof(f), port, flags);

	assert_true(n > 0);
	assert_int_equal(bpf_dp_test_run(d, "tlsmon_xdp", f, (uint32_t)n), 2 /* XDP_PASS */);
}

/*
 * Half the flows are idle: one sweep removes exactly them and sees exactly
 * the other half, however the deletions fall in the walk.
 */
static void test_sweep_counts_each_flow_once(void **state)
{
	struct bpf_dp *d = open_kernel(4096);
	struct bpf_dp_flow_stats st = { 0 };
	uint64_t c[TLSMON_C_MAX], cutoff;
	uint16_t p;

	(void)state;
	if (!d)
		skip();
	for (p = 1; p <= N_FLOWS / 2; p++)
		send_kernel(d, (uint16_t)(20000 + p), 0);
	cutoff = boottime_ns();
	for (p = N_FLOWS / 2 + 1; p <= N_FLOWS; p++)
		send_kernel(d, (uint16_t)(20000 + p), 0);

	bpf_dp_sweep(d, cutoff, &st);
	bpf_dp_counters(d, c);
	assert_int_equal(c[TLSMON_C_FLOWS_CREATED], N_FLOWS);
	assert_int_equal(st.expired, N_FLOWS / 2);
	assert_int_equal(st.live, N_FLOWS / 2);
	assert_int_equal(st.evicted, 0);

	/* the gauge is what the map holds: a second walk agrees */
	bpf_dp_sweep(d, 0, &st);
	assert_int_equal(st.expired, 0);
	assert_int_equal(st.live, N_FLOWS / 2);
	assert_int_equal(st.evicted, 0);

	/* the other half ends by FIN: deleted, not swept, not evicted */
	for (p = N_FLOWS / 2 + 1; p <= N_FLOWS; p++)
		send_kernel(d, (uint16_t)(20000 + p), PKT_RST);
	bpf_dp_sweep(d, 0, &st);
	bpf_dp_counters(d, c);
	assert_int_equal(c[TLSMON_C_FLOWS_DELETED], N_FLOWS / 2);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.evicted, 0);
	bpf_dp_close(d);
}

/*
 * A full table: a new flow takes the slot of its set's least recently active
 * flow, and every such eviction is counted, so the counters and what the
 * table holds add up exactly.
 */
static void test_sweep_counts_evictions(void **state)
{
	const uint32_t cap = 256;
	struct bpf_dp *d = open_kernel(cap);
	struct bpf_dp_flow_stats st = { 0 };
	uint64_t c[TLSMON_C_MAX];
	uint16_t p;

	(void)state;
	if (!d)
		skip();
	for (p = 1; p <= 4 * cap; p++)
		send_kernel(d, (uint16_t)(30000 + p), 0);
	bpf_dp_sweep(d, 0, &st);
	bpf_dp_counters(d, c);
	assert_int_equal(c[TLSMON_C_FLOWS_CREATED], 4 * cap);
	assert_true(st.live > 0 && st.live <= cap);
	assert_int_equal(st.evicted + st.live, 4 * cap);

	/* counters never go back: a later walk over fewer flows keeps the count */
	for (p = 1; p <= 4 * cap; p++)
		send_kernel(d, (uint16_t)(30000 + p), PKT_RST);
	bpf_dp_sweep(d, 0, &st);
	bpf_dp_counters(d, c);
	assert_int_equal(st.live, 0);
	assert_int_equal(c[TLSMON_C_FLOWS_CREATED],
			 c[TLSMON_C_FLOWS_DELETED] + st.evicted);
	bpf_dp_close(d);
}

/*
 * The race of two CPUs ending one flow, or the sweep ending it while a
 * packet is in flight, replayed in one thread: the event sink (which runs
 * inside the flow's end) expires the flow as the sweep would.  The flow
 * must end once: one FLOW_END (or an RST or FIN that carries it), and
 * counted once.
 */
struct racing_sink {
	struct dp_user *du;
	int flow_ends;
	uint32_t expired;
};

static int expire_on_end(void *ctx, const void *ev, size_t size)
{
	struct racing_sink *r = ctx;
	const struct tlsmon_ev_hdr *h = ev;
	struct tlsmon_ev_small two[2];

	assert_int_equal(ev_check(ev, size), 0);
	if (h->type == TLSMON_EV_FLOW_END || ev_end_split(ev, two)) {
		r->flow_ends++;
		r->expired += dp_user_expire(r->du, UINT64_MAX);
	}
	return 0;
}

static void test_flow_ends_once(void **state)
{
	struct racing_sink r = { 0 };
	uint8_t f[PKT_MAX];
	const uint64_t *c;
	size_t n;

	(void)state;
	r.du = dp_user_new(64, expire_on_end, &r);
	assert_non_null(r.du);
	n = hello_frame(f, sizeof(f), 40000, 0);
	dp_user_frame(r.du, f, (uint32_t)n, 1000, 1, TLSMON_HOOK_XDP);
	n = hello_frame(f, sizeof(f), 40000, PKT_RST);
	dp_user_frame(r.du, f, (uint32_t)n, 2000, 1, TLSMON_HOOK_XDP);

	c = dp_user_counters(r.du);
	assert_int_equal(r.flow_ends, 1);
	assert_int_equal(c[TLSMON_C_FLOWS_CREATED], 1);
	assert_int_equal(dp_user_flow_count(r.du), 0);
	assert_int_equal(c[TLSMON_C_FLOWS_CREATED],
			 c[TLSMON_C_FLOWS_DELETED] + r.expired + dp_user_flow_evictions(r.du));
	dp_user_free(r.du);
}

/*
 * The userspace sweep skips its walk when no flow can be idle before the
 * cutoff, and only then: a flow made since the last sweep from a frame
 * older than those that sweep left (capture times run backwards at times)
 * still goes when its time comes.
 */
static void test_user_sweep_skips_safely(void **state)
{
	struct dp_user *du = dp_user_new(64, discard, NULL);
	const uint64_t s = 1000000000ull;
	uint8_t f[PKT_MAX];
	size_t n;

	(void)state;
	assert_non_null(du);
	assert_int_equal(dp_user_expire(du, UINT64_MAX), 0);	/* no flow */
	n = hello_frame(f, sizeof(f), 40001, 0);
	dp_user_frame(du, f, (uint32_t)n, 10 * s, 1, TLSMON_HOOK_XDP);
	assert_int_equal(dp_user_expire(du, 5 * s), 0);
	assert_int_equal(dp_user_expire(du, 20 * s), 1);
	n = hello_frame(f, sizeof(f), 40002, 0);
	dp_user_frame(du, f, (uint32_t)n, 30 * s, 1, TLSMON_HOOK_XDP);
	assert_int_equal(dp_user_expire(du, 25 * s), 0);	/* leaves the 30 s flow */
	n = hello_frame(f, sizeof(f), 40003, 0);
	dp_user_frame(du, f, (uint32_t)n, 8 * s, 1, TLSMON_HOOK_XDP);	/* back in time */
	assert_int_equal(dp_user_expire(du, 25 * s), 1);
	assert_int_equal(dp_user_flow_count(du), 1);
	assert_int_equal(dp_user_expire(du, 31 * s), 1);
	assert_int_equal(dp_user_flow_count(du), 0);
	dp_user_free(du);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_counts_each_flow_once),
		cmocka_unit_test(test_sweep_counts_evictions),
		cmocka_unit_test(test_flow_ends_once),
		cmocka_unit_test(test_user_sweep_skips_safely),
	};

	assert_non_null(client_hello());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
