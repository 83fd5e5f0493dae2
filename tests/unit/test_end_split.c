// SPDX-License-Identifier: BSD-3-Clause
/*
 * A TCP_RST or TCP_FIN that ended its flow crosses the ring buffer as one
 * record (TLSMON_SF_ENDS, the end's reason in reason); the pipe hands on
 * the two events it stands for, the RST or FIN first, then its FLOW_END,
 * and nothing after the pipe sees the flag.  Any other event, or an RST or
 * FIN without the flag, goes on as it came.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "pipe/ev.h"
#include "pipe/evpipe.h"
#include "tlsmon.h"

#define MAX_OUT 8

struct seen {
	struct tlsmon_ev_small ev[MAX_OUT];
	size_t size[MAX_OUT];
	int n;
};

static int on_event(void *ctx, const void *ev, size_t size)
{
	struct seen *s = ctx;

	assert_true(s->n < MAX_OUT);
	assert_true(size <= sizeof(s->ev[0]));
	memcpy(&s->ev[s->n], ev, size);
	s->size[s->n++] = size;
	return 0;
}

static struct tlsmon_ev_small small(__u8 type, __u8 flags, __u32 reason)
{
	struct tlsmon_ev_small e;

	memset(&e, 0, sizeof(e));
	e.h.version = TLSMON_EVENT_VERSION;
	e.h.type = type;
	e.h.dir = TLSMON_DIR_S2C;
	e.h.hook = TLSMON_HOOK_XDP;
	e.h.ts_ns = 123456789;
	e.h.caddr[15] = 1;
	e.h.saddr[15] = 2;
	e.h.cport = 40000;
	e.h.sport = 443;
	e.h.family = 6;
	e.h.ttl = 61;
	e.h.ip_id = 0x7777;
	e.h.seq = 0xfffff000u;
	e.h.size = sizeof(e);
	e.h.tcp_flags = 0x11;
	e.flags = flags;
	e.reason = reason;
	return e;
}

/* The header of b is the header of a but for the type. */
static void same_but_type(const struct tlsmon_ev_small *a, const struct tlsmon_ev_small *b)
{
	struct tlsmon_ev_hdr h = b->h;

	h.type = a->h.type;
	assert_memory_equal(&h, &a->h, sizeof(h));
}

static void run_pipe(const struct tlsmon_ev_small *in, struct seen *out)
{
	struct evpipe p;

	memset(out, 0, sizeof(*out));
	assert_int_equal(evpipe_init(&p, on_event, out, 0), 0);
	assert_int_equal(evpipe_in(&p, in, sizeof(*in)), 0);
	assert_int_equal((int)p.events, 1);	/* one ring record */
	evpipe_fini(&p);
}

static void test_split(void **state)
{
	static const struct {
		__u8 type;
		__u32 reason;
	} cases[] = { { TLSMON_EV_TCP_FIN, TLSMON_END_FIN }, { TLSMON_EV_TCP_RST, TLSMON_END_RST } };
	struct tlsmon_ev_small two[2];
	struct seen s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tlsmon_ev_small in = small(cases[i].type, TLSMON_SF_ENDS, cases[i].reason);

		assert_int_equal(ev_end_split(&in, two), 1);
		run_pipe(&in, &s);
		assert_int_equal(s.n, 2);
		assert_memory_equal(&s.ev[0], &two[0], sizeof(two[0]));
		assert_memory_equal(&s.ev[1], &two[1], sizeof(two[1]));
		/* the RST or FIN as it was before the end rode on it */
		assert_int_equal(s.ev[0].h.type, cases[i].type);
		assert_int_equal(s.ev[0].flags, 0);
		assert_int_equal(s.ev[0].reason, 0);
		assert_memory_equal(&s.ev[0].h, &in.h, sizeof(in.h));
		/* then its end, with the same header */
		assert_int_equal(s.ev[1].h.type, TLSMON_EV_FLOW_END);
		assert_int_equal(s.ev[1].flags, 0);
		assert_int_equal(s.ev[1].reason, cases[i].reason);
		same_but_type(&in, &s.ev[1]);
		assert_int_equal(s.size[0], sizeof(in));
		assert_int_equal(s.size[1], sizeof(in));
	}
}

/* Without the flag, or on another type, the event goes on alone, untouched. */
static void test_no_split(void **state)
{
	const struct tlsmon_ev_small ins[] = {
		small(TLSMON_EV_TCP_FIN, 0, 0),
		small(TLSMON_EV_TCP_RST, 0, 0),
		/* the bit means something else for these (or nothing) */
		small(TLSMON_EV_ALERT, TLSMON_SF_ENDS | TLSMON_SF_ENCRYPTED, 0),
		small(TLSMON_EV_HS_MSG, TLSMON_SF_ENDS, 0),
		small(TLSMON_EV_APPDATA, TLSMON_SF_ENDS, 0),
		small(TLSMON_EV_FLOW_END, TLSMON_SF_ENDS, TLSMON_END_FIN),
	};
	struct tlsmon_ev_small two[2];
	struct seen s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		memset(two, 0xa5, sizeof(two));
		assert_int_equal(ev_end_split(&ins[i], two), 0);
		run_pipe(&ins[i], &s);
		assert_int_equal(s.n, 1);
		assert_memory_equal(&s.ev[0], &ins[i], sizeof(ins[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_no_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
