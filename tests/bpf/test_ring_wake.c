// SPDX-License-Identifier: BSD-3-Clause
/*
 * When the datapath wakes the ring buffer's reader (cfg.wake_bytes): a reader
 * blocked in epoll is not woken while less than wake_bytes waits (it reads
 * those at its poll timeout), is woken by the event whose bytes reach
 * wake_bytes, and, once it has read everything, again only when wake_bytes
 * wait anew.  Real ClientHellos through the loaded XDP program
 * (BPF_PROG_TEST_RUN); the reader is a thread blocked in epoll_wait on the
 * ring buffer's descriptor, as tlsmon's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "source/bpf_dp.h"
#include "pkt.h"

#define WAKE (64 * 1024)
#define HELLO_LEN 400		/* a 512-byte size class: 80 + 512 + 8 bytes in the ring */
#define RB_REC (80 + 512 + 8)

static struct bpf_dp *dp;
static struct ring_buffer *rb;
static unsigned read_back;

static int count(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	read_back++;
	return 0;
}

/* The reader: blocks in epoll_wait once, records whether and when it woke. */
struct reader {
	pthread_t th;
	int woke;			/* epoll_wait's result */
	volatile int done;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct epoll_event ev;

	r->woke = epoll_wait(ring_buffer__epoll_fd(rb), &ev, 1, 10000);
	r->done = 1;
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Whether the reader woke within ms (polled every 10 ms, bounded). */
static int woke_within(struct reader *r, long ms)
{
	long t;

	for (t = 0; t < ms && !r->done; t += 10)
		sleep_ms(10);
	return r->done;
}

/* A ClientHello of HELLO_LEN bytes from client port cport: one HELLO event. */
static void send_hello(uint16_t cport)
{
	static uint8_t rec[HELLO_LEN + 5], f[PKT_MAX];
	struct pkt_spec s = { .family = 4, .sport = cport, .dport = 443, .ttl = 64,
			      .tcp_flags = PKT_ACK | PKT_PSH, .seq = 1000, .ack = 1, .win = 512,
			      .payload = rec, .len = sizeof(rec) };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f);
	size_t n = 0, pad = HELLO_LEN - 51;

	rec[n++] = TLS_CT_HANDSHAKE;
	rec[n++] = 3;
	rec[n++] = 1;
	rec[n++] = HELLO_LEN >> 8;
	rec[n++] = HELLO_LEN & 0xff;
	rec[n++] = TLS_HS_CLIENT_HELLO;
	rec[n++] = 0;
	rec[n++] = (HELLO_LEN - 4) >> 8;
	rec[n++] = (HELLO_LEN - 4) & 0xff;
	rec[n++] = 3;
	rec[n++] = 3;
	memset(rec + n, 0x5a, 32);
	n += 32;
	rec[n++] = 0;			/* session id */
	rec[n++] = 0;			/* one cipher suite */
	rec[n++] = 2;
	rec[n++] = 0x13;
	rec[n++] = 0x01;
	rec[n++] = 1;			/* compression: null */
	rec[n++] = 0;
	rec[n++] = (pad + 4) >> 8;	/* extensions: padding */
	rec[n++] = (pad + 4) & 0xff;
	rec[n++] = 0;
	rec[n++] = TLS_EXT_PADDING;
	rec[n++] = pad >> 8;
	rec[n++] = pad & 0xff;
	memset(rec + n, 0, pad);
	pkt_ip4(s.src, 10, 0, 0, 1);
	pkt_ip4(s.dst, 10, 0, 0, 2);
	t.data_size_in = pkt_build(f, PKT_MAX, &s);
	assert_int_equal(bpf_prog_test_run_opts(bpf_dp_prog_fd(dp, "tlsmon_xdp"), &t), 0);
	assert_int_equal(t.retval, 2 /* XDP_PASS */);
}

static void test_wake_at_threshold(void **state)
{
	struct reader r = { 0 };
	unsigned below = (WAKE + RB_REC - 1) / RB_REC - 1, i, port = 20000;

	(void)state;
	if (!dp || !rb)
		fail_msg("the datapath did not load");
	for (int round = 0; round < 2; round++) {
		memset(&r, 0, sizeof(r));
		read_back = 0;
		assert_int_equal(pthread_create(&r.th, NULL, reader_main, &r), 0);
		sleep_ms(100);		/* blocked in epoll_wait by now */
		for (i = 0; i < below; i++)
			send_hello(port++);
		if (woke_within(&r, 300))
			fail_msg("round %d: woken with %u bytes waiting, below %u", round,
				 below * RB_REC, WAKE);
		send_hello(port++);	/* its bytes reach WAKE */
		if (!woke_within(&r, 2000))
			fail_msg("round %d: not woken with %u bytes waiting", round,
				 (below + 1) * RB_REC);
		assert_int_equal(r.woke, 1);
		pthread_join(r.th, NULL);
		/* the reader reads everything: the next round starts from an empty ring */
		assert_true(ring_buffer__consume(rb) >= 0);
		assert_int_equal(read_back, below + 1);
	}
}

static int setup(void **state)
{
	struct bpf_dp_opts o = { .max_flows = 4096, .ringbuf_bytes = 1 << 20,
				 .cfg = TLSMON_DP_CFG_DEFAULT };
	char err[512];

	(void)state;
	o.cfg.wake_bytes = WAKE;
	if (bpf_dp_open(&dp, &o, NULL, NULL, err, sizeof(err))) {
		print_error("cannot load the datapath: %s\n", err);
		dp = NULL;
		return 0;
	}
	rb = ring_buffer__new(bpf_dp_map_fd(dp, "events"), count, NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ring_buffer__free(rb);
	bpf_dp_close(dp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_at_threshold),
	};

	if (geteuid() != 0) {
		printf("1..1\nok 1 - ring wakeups # SKIP needs root to load BPF programs\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
