// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/pipe/reasm.c and user/model/collector.c fed events as the datapath
 * sends them: events for a flow nobody follows make no handshake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/collector.h"
#include "pipe/evpipe.h"
#include "tls_proto.h"

#define SEC 1000000000ull

/* ---- what the collector settled ---- */

struct seen {
	unsigned n;
	enum outcome outcome;
	enum reason reason;
	char sni[64];			/* "" without one */
	int has_ch;
	int hello_error;
	char history[40];
};

static void on_record(void *ctx, const struct hs_record *r)
{
	struct seen *s = ctx;
	size_t len;
	int cut;
	const uint8_t *sni = record_sni(r, &len, &cut);

	s->n++;
	s->outcome = r->outcome;
	s->reason = r->reason;
	s->sni[0] = 0;
	if (sni && len < sizeof(s->sni)) {
		memcpy(s->sni, sni, len);
		s->sni[len] = 0;
	}
	s->has_ch = !!r->ch;
	s->hello_error = r->ev.hello_error;
	snprintf(s->history, sizeof(s->history), "%s", r->history);
}

struct rig {
	struct collector *col;
	struct evpipe pipe;
	struct seen seen;
};

static int setup(void **state)
{
	struct collector_opts o = {
		.max_conns = 8192, .max_servers = 16, .handshake_timeout = 2.0, .ifname = "test",
	};
	struct rig *g = calloc(1, sizeof(*g));
	struct rec_sink sink = { on_record, NULL };

	assert_non_null(g);
	g->col = collector_new(&o);
	assert_non_null(g->col);
	sink.ctx = &g->seen;
	assert_int_equal(collector_add_sink(g->col, &sink), 0);
	assert_int_equal(evpipe_init(&g->pipe, collector_event, g->col, 0), 0);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct rig *g = *state;

	evpipe_fini(&g->pipe);
	collector_free(g->col);
	free(g);
	return 0;
}

static void hdr(struct tlsmon_ev_hdr *h, int type, int dir, uint16_t cport, uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->version = TLSMON_EVENT_VERSION;
	h->type = type;
	h->dir = dir;
	h->ts_ns = ts;
	h->family = 4;
	h->caddr[10] = h->caddr[11] = 0xff;
	h->caddr[12] = 10;
	h->caddr[15] = 2;
	h->saddr[10] = h->saddr[11] = 0xff;
	h->saddr[12] = 10;
	h->saddr[15] = 1;
	h->cport = cport;
	h->sport = 443;
}

static void small(struct rig *g, int type, int dir, uint16_t cport, uint64_t ts, uint32_t reason)
{
	struct tlsmon_ev_small e;

	memset(&e, 0, sizeof(e));
	hdr(&e.h, type, dir, cport, ts);
	e.h.size = sizeof(e);
	e.reason = reason;
	e.rec_len = 40;
	evpipe_in(&g->pipe, &e, sizeof(e));
}

/* A flow end (or any non-hello event) for a flow not followed makes no handshake. */
static void test_orphans(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;

	small(g, TLSMON_EV_APPDATA, TLSMON_DIR_S2C, 50000, 1 * SEC, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 50000, 1 * SEC, TLSMON_END_FIN);
	small(g, TLSMON_EV_TCP_RST, TLSMON_DIR_C2S, 50001, 1 * SEC, 0);
	small(g, TLSMON_EV_FLOW_END, TLSMON_DIR_C2S, 50002, 1 * SEC, TLSMON_END_RST);
	collector_flush(g->col, 60 * SEC);
	collector_stats(g->col, &cs);
	assert_int_equal(g->seen.n, 0);
	assert_int_equal(cs.records, 0);
	assert_int_equal(cs.open, 0);
	assert_int_equal(cs.orphan_events, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_orphans, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
