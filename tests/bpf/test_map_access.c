// SPDX-License-Identifier: BSD-3-Clause
/*
 * The collector's descriptors of the maps it only reads cannot write them:
 * an update through the counters', SYN-ACK slots' or scratch's descriptor
 * fails with EPERM (while the programs still write them), and the maps it
 * writes (the flow map, which the sweep deletes from) stay writable.  The
 * test-only reset still zeroes the counters, through a descriptor of its own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "source/bpf_dp.h"
#include "pkt.h"

static struct bpf_dp *dp;
static char open_err[512];
static int nev;

static int count_ev(void *ctx, const void *ev, size_t size)
{
	(void)ctx;
	(void)ev;
	(void)size;
	nev++;
	return 0;
}

static int setup(void **state)
{
	struct bpf_dp_opts o = { .max_flows = 1024, .ringbuf_bytes = 1 << 20,
				 .cfg = TLSMON_DP_CFG_DEFAULT };

	(void)state;
	if (bpf_dp_open(&dp, &o, count_ev, NULL, open_err, sizeof(open_err)))
		dp = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bpf_dp_close(dp);
	return 0;
}

static uint64_t counters_sum(void)
{
	uint64_t c[TLSMON_C_MAX], sum = 0;
	int i;

	bpf_dp_counters(dp, c);
	for (i = 0; i < TLSMON_C_MAX; i++)
		sum += c[i];
	return sum;
}

/* A value as big as any of the maps' (per-CPU arrays: one per possible CPU). */
static uint8_t value[1 << 20];

static void test_read_only(void **state)
{
	static const char *const names[] = { "counters", "synacks", "scratch" };
	__u32 k = 0;
	size_t i;
	int fd;

	(void)state;
	if (!dp)
		skip();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fd = bpf_dp_map_fd(dp, names[i]);
		assert_true(fd >= 0);
		errno = 0;
		assert_int_equal(bpf_map_update_elem(fd, &k, value, BPF_ANY), -EPERM);
		print_message("# %s: update refused (%s)\n", names[i], strerror(errno));
		assert_int_equal(errno, EPERM);
		/* and still readable */
		assert_int_equal(bpf_map_lookup_elem(fd, &k, value), 0);
	}
}

/* the flow table stays writable: the sweep frees idle slots */
static void test_flows_writable(void **state)
{
	struct tlsmon_flow_slot sl = { 0 }, back;
	__u32 i = 1, next;
	int fd;

	(void)state;
	if (!dp)
		skip();
	fd = bpf_dp_map_fd(dp, "flows");
	sl.key.pa = 4242;
	assert_int_equal(bpf_map_update_elem(fd, &i, &sl, BPF_ANY), 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &i, &back), 0);
	assert_int_equal(back.key.pa, 4242);
	assert_int_equal(bpf_map_get_next_key(fd, NULL, &next), 0);
	memset(&sl, 0, sizeof(sl));
	assert_int_equal(bpf_map_update_elem(fd, &i, &sl, BPF_ANY), 0);
}

/* the programs still count, and the test-only reset still zeroes them */
static void test_programs_write_reset_zeroes(void **state)
{
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00 };
	struct pkt_spec s = { .family = 4, .sport = 40000, .dport = 443, .ttl = 64,
			      .tcp_flags = PKT_ACK | PKT_PSH, .seq = 1, .ack = 1, .win = 512,
			      .payload = hello, .len = sizeof(hello) };
	uint8_t frame[PKT_MAX];
	size_t len;

	(void)state;
	if (!dp)
		skip();
	pkt_ip4(s.src, 10, 0, 0, 1);
	pkt_ip4(s.dst, 10, 0, 0, 2);
	len = pkt_build(frame, sizeof(frame), &s);
	assert_true(len > 0);
	bpf_dp_reset(dp);
	assert_int_equal(counters_sum(), 0);
	assert_int_equal(bpf_dp_test_run(dp, "tlsmon_xdp", frame, len), 2);	/* XDP_PASS */
	print_message("# counters after one hello: %llu\n", (unsigned long long)counters_sum());
	assert_true(counters_sum() > 0);
	bpf_dp_reset(dp);
	assert_int_equal(counters_sum(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_flows_writable),
		cmocka_unit_test(test_programs_write_reset_zeroes),
	};

	if (geteuid() != 0) {
		printf("1..1\nok 1 - map_access # SKIP needs root to load BPF programs\n");
		return 0;
	}
	return cmocka_run_group_tests_name("map_access", tests, setup, teardown);
}
