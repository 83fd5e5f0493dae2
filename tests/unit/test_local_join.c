// SPDX-License-Identifier: BSD-3-Clause
/*
 * The collector's join of a settled handshake with the socket of this host
 * that made it (user/model/collector.c's identify hook, with the rule of
 * user/source/sockid.c: sockid_entry_valid()), over a fake sockets map:
 * the entry of the client's or the server's socket names the record; none
 * gives "local": null; an entry of another connection on the same 4-tuple
 * (closed before this one began, created after it began or ended) names
 * nothing rather than the wrong program; the keep hook (--pid, --cgroup,
 * --unit) leaves records out, counted, the ClientHello accounting whole.
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
#include "model/local_id.h"
#include "pipe/evpipe.h"
#include "col_rig.h"
#include "source/sockid.h"
#include "tls_parse.h"

#define SEC 1000000000ull
#define OFFSET (1000 * SEC)	/* wall clock - event clock */

/* the fake map: one entry per client port, for one side */
struct fake {
	uint16_t cport;
	int side;
	struct sockid_val v;
};

struct rig {
	struct collector *col;
	struct evpipe pipe;
	struct fake map[8];
	unsigned n_map;
	uint32_t keep_pid;	/* 0: keep all */
	unsigned n;
	int has_local;
	struct local_id local;
	uint64_t first_ns, end_ns;
};

static int fake_identify(void *ctx, const struct hs_record *r, uint64_t first_ns, uint64_t end_ns,
			 struct local_id *id)
{
	struct rig *g = ctx;
	struct sockid_query q = {
		.caddr = r->caddr, .saddr = r->saddr, .cport = r->cport, .sport = r->sport,
		.first_ns = first_ns, .end_ns = end_ns,
	};
	unsigned i;

	g->first_ns = first_ns;
	g->end_ns = end_ns;
	for (i = 0; i < g->n_map; i++) {
		const struct sockid_val *v = &g->map[i].v;

		if (g->map[i].cport != r->cport || !sockid_entry_valid(v, g->map[i].side, &q))
			continue;
		memset(id, 0, sizeof(*id));
		id->side = v->side;
		id->pid = v->pid;
		memcpy(id->comm, v->comm, sizeof(id->comm));
		return 1;
	}
	return 0;
}

static int keep(void *ctx, const struct hs_record *r)
{
	struct rig *g = ctx;

	return !g->keep_pid || (r->local && r->local->pid == g->keep_pid);
}

static void on_record(void *ctx, const struct hs_record *r)
{
	struct rig *g = ctx;

	g->n++;
	g->has_local = !!r->local;
	if (r->local)
		g->local = *r->local;
}

static int setup(void **state)
{
	struct rig *g = calloc(1, sizeof(*g));
	struct collector_opts o = {
		.max_conns = 64, .max_servers = 16, .handshake_timeout = 2.0, .ifname = "test",
		.wall_offset_ns = OFFSET, .identify = fake_identify, .keep = keep,
	};
	struct rec_sink sink = { on_record, g };

	assert_non_null(g);
	o.identify_ctx = o.keep_ctx = g;
	assert_int_equal(col_rig_open(&g->col, &g->pipe, &o, &sink), 0);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct rig *g = *state;

	col_rig_close(g->col, &g->pipe);
	free(g);
	return 0;
}

/* A ClientHello at ts, reset by the server at ts + 1 ms: settles at once. */
static void refused_hello(struct rig *g, uint16_t cport, uint64_t ts)
{
	struct tlsmon_ev_client_hello e;
	struct tlsmon_ev_small s;

	memset(&e, 0, sizeof(e));
	col_rig_hdr(&e.h, TLSMON_EV_CLIENT_HELLO, TLSMON_DIR_C2S, cport, ts);
	e.h.size = sizeof(e);
	e.ch.legacy_version = 0x0303;
	e.ch.n_ciphers = 1;
	e.ch.ciphers[0] = 0x1301;
	assert_int_equal(evpipe_in(&g->pipe, &e, sizeof(e)), 0);
	memset(&s, 0, sizeof(s));
	col_rig_hdr(&s.h, TLSMON_EV_TCP_RST, TLSMON_DIR_S2C, cport, ts + 1000000);
	s.h.size = sizeof(s);
	evpipe_in(&g->pipe, &s, sizeof(s));
	col_rig_hdr(&s.h, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, cport, ts + 1000000);
	s.reason = TLSMON_END_RST;
	evpipe_in(&g->pipe, &s, sizeof(s));
}

static void entry(struct rig *g, uint16_t cport, int side, uint32_t pid, uint64_t created,
		  uint64_t closed)
{
	struct fake *f = &g->map[g->n_map++];

	memset(f, 0, sizeof(*f));
	f->cport = cport;
	f->side = side;
	f->v.side = side;
	f->v.pid = pid;
	f->v.created_ns = created;
	f->v.closed_ns = closed;
	snprintf(f->v.comm, sizeof(f->v.comm), "p%u", pid);
}

/* One handshake at 10 s on the event clock; whether it was named, and by whom. */
static uint32_t named(struct rig *g, uint16_t cport)
{
	unsigned before = g->n;

	refused_hello(g, cport, 10 * SEC);
	collector_flush(g->col, 20 * SEC);
	assert_int_equal(g->n, before + 1);
	return g->has_local ? g->local.pid : 0;
}

static void test_client_named(void **state)
{
	struct rig *g = *state;

	entry(g, 40000, SOCKID_SIDE_CLIENT, 4242, 9 * SEC, 0);
	assert_int_equal(named(g, 40000), 4242);
	assert_string_equal(g->local.comm, "p4242");
	assert_int_equal(g->local.side, SIDE_CLIENT);
	/* the hook is given the event clock, not the wall clock */
	assert_int_equal(g->first_ns, 10 * SEC);
	assert_int_equal(g->end_ns, 10 * SEC + 1000000);
}

/* a client that exited right after its failure: its socket closed, still named */
static void test_closed_after_still_named(void **state)
{
	struct rig *g = *state;

	entry(g, 40000, SOCKID_SIDE_CLIENT, 77, 9 * SEC, 10 * SEC + 2000000);
	assert_int_equal(named(g, 40000), 77);
}

static void test_none(void **state)
{
	struct rig *g = *state;

	entry(g, 40001, SOCKID_SIDE_CLIENT, 4242, 9 * SEC, 0);
	assert_int_equal(named(g, 40000), 0);
	assert_false(g->has_local);
}

/* the 4-tuple's earlier socket, closed before this connection began: not this one */
static void test_stale_closed(void **state)
{
	struct rig *g = *state;

	entry(g, 40000, SOCKID_SIDE_CLIENT, 4242, 5 * SEC, 6 * SEC);
	assert_int_equal(named(g, 40000), 0);
}

/* a later socket on the same 4-tuple, connected after this handshake began */
static void test_stale_newer(void **state)
{
	struct rig *g = *state;

	entry(g, 40000, SOCKID_SIDE_CLIENT, 4242, 10 * SEC + 500, 0);
	assert_int_equal(named(g, 40000), 0);
}

/* a server accepts after the ClientHello came, not after the connection ended */
static void test_server_side(void **state)
{
	struct rig *g = *state;

	entry(g, 40000, SOCKID_SIDE_SERVER, 80, 10 * SEC + 500, 0);
	assert_int_equal(named(g, 40000), 80);
	assert_int_equal(g->local.side, SIDE_SERVER);
	entry(g, 40001, SOCKID_SIDE_SERVER, 81, 10 * SEC + 2000000, 0);
	assert_int_equal(named(g, 40001), 0);
}

/* an entry of the other side of the 4-tuple is not taken for this one */
static void test_side_must_match(void **state)
{
	struct rig *g = *state;
	struct sockid_val v = { .side = SOCKID_SIDE_SERVER, .created_ns = 1 };
	struct sockid_query q = { .first_ns = 10 * SEC };

	assert_false(sockid_entry_valid(&v, SOCKID_SIDE_CLIENT, &q));
	assert_true(sockid_entry_valid(&v, SOCKID_SIDE_SERVER, &q));
	(void)g;
}

/*
 * A listener named from /proc at start names only connections whose start
 * (the SYN-ACK) tlsmon saw: one older than tlsmon goes without a name.
 */
static void test_seeded_listener_needs_start(void **state)
{
	struct sockid_val v = { .side = SOCKID_SIDE_SERVER, .created_ns = 20 * SEC,
				.flags = SOCKID_F_LISTENER | SOCKID_F_SEEDED };
	struct sockid_query q = { .first_ns = 30 * SEC };

	(void)state;
	assert_false(sockid_entry_valid(&v, SOCKID_SIDE_SERVER, &q));
	q.start_seen = 1;
	assert_true(sockid_entry_valid(&v, SOCKID_SIDE_SERVER, &q));
	/* a listener the hooks saw listen: any connection to it began after */
	v.flags = SOCKID_F_LISTENER;
	q.start_seen = 0;
	assert_true(sockid_entry_valid(&v, SOCKID_SIDE_SERVER, &q));
}

/* --pid: the others are left out, counted, every ClientHello still accounted for */
static void test_keep_filter(void **state)
{
	struct rig *g = *state;
	struct collector_stats cs;

	g->keep_pid = 4242;
	entry(g, 40000, SOCKID_SIDE_CLIENT, 4242, 9 * SEC, 0);
	entry(g, 40001, SOCKID_SIDE_CLIENT, 99, 9 * SEC, 0);
	refused_hello(g, 40000, 10 * SEC);
	refused_hello(g, 40001, 10 * SEC);
	refused_hello(g, 40002, 10 * SEC);
	collector_flush(g->col, 20 * SEC);
	assert_int_equal(g->n, 1);
	assert_int_equal(g->local.pid, 4242);
	collector_stats(g->col, &cs);
	assert_int_equal(cs.filtered, 2);
	assert_int_equal(cs.records, 1);
	assert_int_equal(cs.client_hellos, 3);
	assert_int_equal(cs.hellos_settled, 3);
	assert_int_equal(cs.hellos_open, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_after_still_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seeded_listener_needs_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_side_must_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_filter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
