// SPDX-License-Identifier: BSD-3-Clause
/*
 * A frame in fragments (XDP multi-buffer: a jumbo frame, BPF_PROG_TEST_RUN
 * puts what does not fit a page in fragments): the datapath reads a record
 * or message header straight from the frame's linear part (dp_load_hdr) and
 * through the helper where it lies past it.  Records past the linear part
 * must come out as they do from the userspace build, which has the frame
 * whole: the same events, the alert's level and description read right.
 */
#include <errno.h>
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
#include "evlist.h"
#include "pkt.h"

#define ISN 9000u
#define JUMBO 9000
#define APP_LEN 5500	/* puts what follows past the first page */

static struct bpf_dp *dp;
static struct evlist kern = { .raw = 1, .neutral = 1 }, user = { .raw = 1, .neutral = 1 };

static size_t put_rec(uint8_t *p, uint8_t type, size_t len)
{
	p[0] = type;
	p[1] = 3;
	p[2] = 3;
	p[3] = len >> 8;
	p[4] = len;
	return TLS_RECORD_HDR_LEN;
}

/*
 * A client segment: a ClientHello (a short one: type, length, version and
 * bytes the walk does not read), an application-data record that ends past
 * the first page, then a fatal alert (decode_error) and a ChangeCipherSpec
 * after it that must not be reached.
 */
static size_t jumbo(uint8_t *f, size_t cap)
{
	static uint8_t pl[JUMBO];
	size_t n = 0;
	struct pkt_spec s = { .family = 4, .sport = 45000, .dport = 443, .ttl = 64,
			      .tcp_flags = PKT_ACK | PKT_PSH, .seq = ISN, .ack = 1, .win = 512,
			      .payload = pl };

	n += put_rec(pl + n, TLS_CT_HANDSHAKE, 4 + 60);
	pl[n++] = TLS_HS_CLIENT_HELLO;
	pl[n++] = 0;
	pl[n++] = 0;
	pl[n++] = 60;
	memset(pl + n, 0x03, 60);
	n += 60;
	n += put_rec(pl + n, TLS_CT_APPLICATION_DATA, APP_LEN);
	memset(pl + n, 0xa5, APP_LEN);
	n += APP_LEN;
	n += put_rec(pl + n, TLS_CT_ALERT, 2);
	pl[n++] = TLS_ALERT_LEVEL_FATAL;
	pl[n++] = 50;
	n += put_rec(pl + n, TLS_CT_CHANGE_CIPHER_SPEC, 1);
	pl[n++] = 1;
	s.len = n;
	pkt_ip4(s.src, 10, 0, 0, 1);
	pkt_ip4(s.dst, 10, 0, 0, 2);
	return pkt_build(f, cap, &s);
}

static const struct tlsmon_ev_small *find(const struct evlist *l, uint8_t type)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (((const struct tlsmon_ev_hdr *)l->ev[i])->type == type)
			return (const void *)l->ev[i];
	return NULL;
}

static void test_records_past_the_linear_part(void **state)
{
	static uint8_t f[JUMBO + 200];
	const struct tlsmon_ev_small *a;
	struct dp_user *du;
	size_t n, i;
	int r;

	(void)state;
	if (!dp)
		fail_msg("the datapath did not load");
	n = jumbo(f, sizeof(f));
	assert_true(n > 4096 + 200);
	evlist_clear(&kern);
	evlist_clear(&user);
	r = bpf_dp_test_run(dp, "tlsmon_xdp", f, n);
	if (r == -EINVAL)
		skip();	/* a kernel without multi-buffer BPF_PROG_TEST_RUN (before 5.18) */
	assert_int_equal(r, 2 /* XDP_PASS */);
	du = dp_user_new(64, evlist_collect, &user);
	assert_non_null(du);
	dp_user_frame(du, f, n, 1, 0, TLSMON_HOOK_XDP);
	dp_user_free(du);
	/* HELLO, APPDATA, ALERT and the flow's end; not the CCS after the fatal alert */
	assert_int_equal(kern.n, 4);
	a = find(&kern, TLSMON_EV_ALERT);
	assert_non_null(a);
	assert_int_equal(a->level, TLS_ALERT_LEVEL_FATAL);
	assert_int_equal(a->desc, 50);
	assert_int_equal(a->h.seq, ISN + 5 + 64 + 5 + APP_LEN);
	a = find(&kern, TLSMON_EV_APPDATA);
	assert_non_null(a);
	assert_int_equal(a->rec_len, APP_LEN);
	assert_null(find(&kern, TLSMON_EV_CCS));
	assert_non_null(find(&kern, TLSMON_EV_FLOW_END));
	/* and as the userspace build, which has the frame whole, makes them */
	assert_int_equal(user.n, kern.n);
	for (i = 0; i < kern.n; i++) {
		assert_int_equal(user.size[i], kern.size[i]);
		if (memcmp(user.ev[i], kern.ev[i], kern.size[i]))
			fail_msg("event %zu (type %u) differs between the kernel and userspace", i,
				 ((const struct tlsmon_ev_hdr *)kern.ev[i])->type);
	}
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
		cmocka_unit_test(test_records_past_the_linear_part),
	};

	if (geteuid() != 0) {
		printf("1..1\nok 1 - frames in fragments # SKIP needs root to load BPF programs\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
