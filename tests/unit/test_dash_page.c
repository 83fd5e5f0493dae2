// SPDX-License-Identifier: BSD-3-Clause
/*
 * The dashboard's drill-down without a terminal (user/ui/dash_page.c,
 * dash_detail.c, the selection in dash_view.c): events through the real
 * collector into the dashboard's model, then the failure's page read back —
 * its SNI, reason, evidence as diag_explain() gives it, the offer, and a
 * timeline line per event with its time from the ClientHello, direction,
 * TCP flags and TTL.  A server's page (what it accepted, its failures by
 * reason and by fingerprint, its siblings under the same SNI), a
 * fingerprint's, a bounded ring of details, the offer set beside a server's
 * learned profile, the selection kept on screen and following its item,
 * and the successes kept whole (bounded, rate-limited, counted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pkt.h"
#include "col_rig.h"
#include "model/collector.h"
#include "model/diag.h"
#include "model/local_id.h"
#include "ui/dash_detail.h"
#include "ui/dash_page.h"
#include "ui/dash_query.h"
#include "ui/dash_view.h"
#include "lib/esc.h"
#include "tls_proto.h"

#define SEC 1000000000ull
#define MS 1000000ull

static char page[DASH_PAGE_TEXT];

/* What the collector said of the record, to compare the page with. */
struct said {
	enum reason reason;
	char why[1024];
	uint64_t id;
};

static void on_record(void *ctx, const struct hs_record *r)
{
	struct said *s = ctx;

	s->reason = r->reason;
	s->id = r->id;
	diag_explain(r, s->why, sizeof(s->why), esc_term);
}

/* An event header of the test connection (port 40000), with its TTL and TCP flags. */
static void hdr(struct tlsmon_ev_hdr *h, int type, int dir, uint64_t ts, uint8_t ttl,
		uint8_t flags)
{
	col_rig_hdr(h, type, dir, 40000, ts);
	h->ttl = ttl;
	h->tcp_flags = flags;
}

static void small(struct collector *c, int type, int dir, uint64_t ts, uint8_t ttl,
		  uint8_t flags, uint32_t reason)
{
	struct tlsmon_ev_small e;

	memset(&e, 0, sizeof(e));
	hdr(&e.h, type, dir, ts, ttl, flags);
	e.h.size = sizeof(e);
	e.reason = reason;
	if (type == TLSMON_EV_ALERT) {
		e.content_type = TLS_CT_ALERT;
		e.level = 2;
		e.desc = 40;	/* handshake_failure */
		e.rec_len = 2;
	}
	assert_int_equal(collector_event(c, &e, sizeof(e)), 0);
}

static int has(const char *text, const char *s)
{
	if (strstr(text, s))
		return 1;
	print_message("not on the page: \"%s\"\n%s\n", s, text);
	return 0;
}

/* A refused handshake, through the collector into the dashboard's model. */
static void test_failure_page(void **state)
{
	struct collector_opts o = {
		.max_conns = 64, .max_servers = 16, .handshake_timeout = 2.0, .ifname = "test",
	};
	struct dash_model *m = dash_model_new();
	struct collector *c = collector_new(&o);
	struct said said = { 0 };
	struct rec_sink model = { dash_model_record, m }, mine = { on_record, &said };
	struct tlsmon_ev_client_hello e;
	char line[1200];

	(void)state;
	assert_non_null(m);
	assert_non_null(c);
	assert_int_equal(collector_add_sink(c, &model), 0);
	assert_int_equal(collector_add_sink(c, &mine), 0);
	memset(&e, 0, sizeof(e));
	hdr(&e.h, TLSMON_EV_CLIENT_HELLO, TLSMON_DIR_C2S, 1 * SEC, 64, 0x18);
	e.h.size = sizeof(e);
	e.ch.legacy_version = 0x0303;
	e.ch.hs_len = 508;
	e.ch.n_ciphers = 2;
	e.ch.ciphers[0] = 0x1301;
	e.ch.ciphers[1] = 0xc02f;
	e.ch.flags = TLS_CHF_SNI;
	e.ch.sni_len = strlen("drill.lab.test");
	memcpy(e.ch.sni, "drill.lab.test", e.ch.sni_len);
	assert_int_equal(collector_event(c, &e, sizeof(e)), 0);
	small(c, TLSMON_EV_ALERT, TLSMON_DIR_S2C, 1 * SEC + 5 * MS, 57, 0x18, 0);
	small(c, TLSMON_EV_TCP_FIN, TLSMON_DIR_S2C, 1 * SEC + 6 * MS, 57, 0x11, 0);
	small(c, TLSMON_EV_FLOW_END, TLSMON_DIR_S2C, 1 * SEC + 6 * MS, 57, 0x11, TLSMON_END_FIN);
	assert_true(said.id != 0);
	assert_true(said.reason != REASON_NONE);

	dash_page(m, DASH_OPEN_FAILURE, NULL, said.id, page, sizeof(page));
	assert_true(has(page, "SNI drill.lab.test"));
	snprintf(line, sizeof(line), "Diagnosis: %s ", reason_name(said.reason));
	assert_true(has(page, line));
	/* the evidence as the text output prints it */
	snprintf(line, sizeof(line), "Evidence: %s", said.why + strspn(said.why, " :"));
	assert_true(has(page, line));
	assert_true(has(page, "0x1301 TLS_AES_128_GCM_SHA256"));
	assert_true(has(page, "0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
	assert_true(has(page, "     +0.000 ms C->S PA    64   508  ClientHello\n"));
	assert_true(has(page, "     +5.000 ms S->C PA    57     2  Alert fatal handshake_failure\n"));
	assert_true(has(page, "     +6.000 ms S->C FA    57     -  TCP FIN\n"));
	/* the same failure's server page, and the failure in it */
	dash_page(m, DASH_OPEN_SERVER, "10.0.0.1:443", 0, page, sizeof(page));
	assert_true(has(page, "Server 10.0.0.1:443"));
	snprintf(line, sizeof(line), "  %-34s 1", reason_name(said.reason));
	assert_true(has(page, line));
	assert_true(has(page, "drill.lab.test"));
	collector_free(c);
	dash_model_free(m);
}

/* ---- records made by hand: what the collector would hand out ---- */

static struct tls_client_hello CH;
static struct tls_server_hello SH;
static struct fingerprints FP;
static struct server_fingerprint SFP;
static uint64_t next_id;
static const struct local_id *LOCAL;	/* the next record's local program */

static void feed(struct dash_model *m, enum outcome out, const char *server, const char *sni,
		 const char *ja4, uint64_t t)
{
	struct hs_record r;

	memset(&r, 0, sizeof(r));
	memset(&CH, 0, sizeof(CH));
	memset(&FP, 0, sizeof(FP));
	r.fp = &FP;
	r.sfp = &SFP;
	r.id = ++next_id;
	r.start_ns = r.end_ns = t;
	r.family = 4;
	assert_int_equal(pkt_addr_rec(r.caddr, "10.77.1.2"), 0);
	assert_int_equal(pkt_addr_rec(r.saddr, server), 0);
	r.cport = 40000 + next_id % 20000;
	r.sport = 443;
	CH.legacy_version = 0x0303;
	CH.n_ciphers = 2;
	CH.ciphers[0] = 0x1301;
	CH.ciphers[1] = 0x0035;
	CH.flags = TLS_CHF_SNI;
	CH.sni_len = strlen(sni);
	memcpy(CH.sni, sni, CH.sni_len);
	r.ch = &CH;
	FP.have_ja4 = 1;
	snprintf(FP.ja4, sizeof(FP.ja4), "%s", ja4);
	r.local = LOCAL;
	LOCAL = NULL;
	r.outcome = out;
	if (out == OUTCOME_ESTABLISHED) {
		SH.cipher = 0x1302;
		r.sh = &SH;
		r.version = 0x0304;
	} else {
		r.reason = REASON_NO_SHARED_CIPHER;
		r.ev.basis = BASIS_SERVER_PROFILE;
		r.ev.confidence = CONFIDENCE_CONFIRMED;
		r.ev.profile_successes = 12;
		r.ev.n_profile_ciphers = 2;
		r.ev.profile_ciphers[0] = 0x0035;
		r.ev.profile_ciphers[1] = 0x009c;
		r.ev.profile_min_version = r.ev.profile_max_version = 0x0303;
	}
	dash_model_record(m, &r);
}

#define JA_A "t13d1812h1_85036bcba153_b26ce05bbdd6"
#define JA_B "t12d0909h2_aaaaaaaaaaaa_bbbbbbbbbbbb"
#define T0 (1700000000ull * SEC)

static void test_server_page(void **state)
{
	struct dash_model *m = dash_model_new();

	(void)state;
	feed(m, OUTCOME_ESTABLISHED, "10.0.0.1", "shop.lab.test", JA_A, T0);
	feed(m, OUTCOME_FAILED, "10.0.0.1", "shop.lab.test", JA_A, T0 + SEC);
	feed(m, OUTCOME_FAILED, "10.0.0.1", "shop.lab.test", JA_B, T0 + 2 * SEC);
	feed(m, OUTCOME_FAILED, "10.0.0.1", "shop.lab.test", JA_B, T0 + 3 * SEC);
	feed(m, OUTCOME_ESTABLISHED, "10.0.0.9", "shop.lab.test", JA_A, T0 + 4 * SEC);
	feed(m, OUTCOME_FAILED, "10.0.0.5", "other.lab.test", JA_A, T0 + 5 * SEC);
	dash_page(m, DASH_OPEN_SERVER, "10.0.0.1:443", 0, page, sizeof(page));
	assert_true(has(page, "Handshakes 4: 1 ok, 3 failed, 0 unknown"));
	assert_true(has(page, "  no_shared_cipher                   3"));
	assert_true(has(page, "Profile: 1 successes, versions TLSv1.3 .. TLSv1.3"));
	assert_true(has(page, "  0x1302 TLS_AES_256_GCM_SHA384"));
	/* grouped by fingerprint, newest first */
	assert_true(has(page, "  " JA_B " 2, latest no_shared_cipher\n  " JA_A
			      " 1, latest no_shared_cipher\n"));
	/* the sibling under the same name, not the server of another name */
	assert_true(has(page, "  10.0.0.9:443                 1 handshakes, 0 failed"));
	assert_null(strstr(page, "10.0.0.5"));

	dash_page(m, DASH_OPEN_CLIENT, JA_B, 0, page, sizeof(page));
	assert_true(has(page, "Client fingerprint " JA_B));
	assert_true(has(page, "  10.0.0.1:443                 2 handshakes, 2 failed"));
	assert_null(strstr(page, "10.0.0.5"));
	dash_page(m, DASH_OPEN_SERVER, "10.9.9.9:443", 0, page, sizeof(page));
	assert_true(has(page, "no longer in the table"));
	dash_model_free(m);
}

/* The offer beside what the server accepted before: overlap marked, the rest told. */
static void test_offer_against_profile(void **state)
{
	struct dash_model *m = dash_model_new();
	const struct dash_detail *d;

	(void)state;
	feed(m, OUTCOME_FAILED, "10.0.0.1", "shop.lab.test", JA_A, T0);
	d = dash_detail_find(m, next_id);
	assert_non_null(d);
	assert_true(has(d->text, "    0x1301 TLS_AES_128_GCM_SHA256\n"));
	assert_true(has(d->text, "  * 0x0035 TLS_RSA_WITH_AES_256_CBC_SHA\n"));
	assert_true(has(d->text, "Server profile: 12 handshakes accepted, versions TLSv1.2 .. TLSv1.2"));
	assert_true(has(d->text, "  both        0x0035"));
	assert_true(has(d->text, "  server only 0x009c"));
	assert_true(has(d->text, "  overlap: 1 of the server's 2 suites"));
	dash_model_free(m);
}

/* A failure of a program of this host names it; its process page lists the failure. */
static void test_local_process(void **state)
{
	static struct local_id id = { .side = SIDE_CLIENT, .pid = 4242 };
	struct dash_model *m = dash_model_new();
	char name[128], line[256];

	(void)state;
	snprintf(id.comm, sizeof(id.comm), "curl");
	snprintf(id.unit, sizeof(id.unit), "backup.service");
	local_id_process(&id, name, sizeof(name));
	assert_true(name[0] != 0);
	LOCAL = &id;
	feed(m, OUTCOME_FAILED, "10.0.0.1", "shop.lab.test", JA_A, T0);
	feed(m, OUTCOME_FAILED, "10.0.0.7", "nolocal.lab.test", JA_A, T0 + SEC);
	dash_page(m, DASH_OPEN_FAILURE, NULL, next_id - 1, page, sizeof(page));
	snprintf(line, sizeof(line), "Local process: %s (client end) pid 4242\n", name);
	assert_true(has(page, line));
	dash_page(m, DASH_OPEN_FAILURE, NULL, next_id, page, sizeof(page));
	assert_null(strstr(page, "Local process:"));
	dash_page(m, DASH_OPEN_PROC, name, 0, page, sizeof(page));
	assert_true(has(page, "shop.lab.test"));
	assert_null(strstr(page, "nolocal.lab.test"));
	dash_model_free(m);
}

/* Details are kept for the latest DASH_MAX_DETAILS failures; older ones say so. */
static void test_details_bounded(void **state)
{
	struct dash_model *m = dash_model_new();
	uint64_t first;
	int i;

	(void)state;
	feed(m, OUTCOME_FAILED, "10.0.0.1", "first.lab.test", JA_A, T0);
	first = next_id;
	assert_non_null(dash_detail_find(m, first));
	for (i = 0; i < DASH_MAX_DETAILS; i++)
		feed(m, OUTCOME_FAILED, "10.0.0.1", "later.lab.test", JA_A, T0 + SEC + i);
	assert_null(dash_detail_find(m, first));
	assert_non_null(dash_detail_find(m, next_id));
	dash_page(m, DASH_OPEN_FAILURE, NULL, first, page, sizeof(page));
	assert_true(has(page, "first.lab.test"));
	assert_true(has(page, "the whole detail is kept for the latest"));
	dash_model_free(m);
}

/* The selection stays within the list and on screen, the list following it. */
static void test_selection(void **state)
{
	struct dash_view v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.sel[V_SERVERS] = 5;
	assert_int_equal(dash_view_follow(&v, V_SERVERS, 10, 3), 3);
	assert_int_equal(v.sel[V_SERVERS], 5);
	v.sel[V_SERVERS] = 1000000;	/* End */
	assert_int_equal(dash_view_follow(&v, V_SERVERS, 10, 3), 7);
	assert_int_equal(v.sel[V_SERVERS], 9);
	v.sel[V_SERVERS] = 8;		/* up: the list stays */
	assert_int_equal(dash_view_follow(&v, V_SERVERS, 10, 3), 7);
	v.sel[V_SERVERS] = 2;
	assert_int_equal(dash_view_follow(&v, V_SERVERS, 10, 3), 2);
	/* the list shrank (a filter) */
	assert_int_equal(dash_view_follow(&v, V_SERVERS, 2, 3), 0);
	assert_int_equal(v.sel[V_SERVERS], 1);
	assert_int_equal(dash_view_follow(&v, V_SERVERS, 0, 3), 0);
	assert_int_equal(v.sel[V_SERVERS], 0);
}

/*
 * Successes are kept whole too (their page: no diagnosis), the latest
 * DASH_MAX_OK, at most DASH_OK_PER_SEC a second; the rest counted.
 */
static void test_successes_kept(void **state)
{
	struct dash_model *m = dash_model_new();
	uint64_t first;
	int i;

	(void)state;
	feed(m, OUTCOME_ESTABLISHED, "10.0.0.1", "ok.lab.test", JA_A, T0);
	first = next_id;
	dash_page(m, DASH_OPEN_FAILURE, NULL, first, page, sizeof(page));
	assert_true(has(page, "SNI ok.lab.test\n"));
	assert_true(has(page, "Timeline (time from the ClientHello"));
	assert_null(strstr(page, "Diagnosis:"));
	assert_int_equal(m->oks[0].f.reason, REASON_NONE);
	assert_string_equal(m->oks[0].f.server, "10.0.0.1:443");
	assert_string_equal(m->oks[0].f.sni, "ok.lab.test");
	assert_string_equal(m->oks[0].f.ja4, JA_A);
	/* the same second: past the rate, counted and not written */
	for (i = 1; i < DASH_OK_PER_SEC + 5; i++)
		feed(m, OUTCOME_ESTABLISHED, "10.0.0.1", "same.lab.test", JA_A, T0 + i);
	assert_int_equal(m->oks_total, DASH_OK_PER_SEC + 5);
	assert_int_equal(m->oks_skipped, 5);
	assert_null(dash_detail_find(m, next_id));
	assert_non_null(dash_detail_find(m, first));
	/* later seconds push the oldest out of the ring */
	for (i = 0; i < DASH_MAX_OK; i++)
		feed(m, OUTCOME_ESTABLISHED, "10.0.0.1", "later.lab.test", JA_A, T0 + (2 + i) * SEC);
	assert_null(dash_detail_find(m, first));
	assert_non_null(dash_detail_find(m, next_id));
	assert_int_equal(m->oks_skipped, 5);
	/* a failure's detail is not pushed out by successes */
	feed(m, OUTCOME_FAILED, "10.0.0.1", "bad.lab.test", JA_A, T0 + 100 * SEC);
	first = next_id;
	for (i = 0; i < DASH_MAX_OK + 1; i++)
		feed(m, OUTCOME_ESTABLISHED, "10.0.0.1", "ok.lab.test", JA_A, T0 + (101 + i) * SEC);
	dash_page(m, DASH_OPEN_FAILURE, NULL, first, page, sizeof(page));
	assert_true(has(page, "Diagnosis: "));
	dash_model_free(m);
}

/* A list's highlight follows its item as rows move, unless keys moved it. */
static void test_pick_follow(void **state)
{
	struct dash_pick p = { 0 };

	(void)state;
	p.sel = 2;			/* a key: Down, Down */
	assert_int_equal(dash_view_pick_follow(&p, 0, 10, 5), 0);
	assert_int_equal(p.sel, 2);	/* the keys win */
	assert_int_equal(dash_view_pick_follow(&p, 7, 10, 5), 3);
	assert_int_equal(p.sel, 7);	/* its item moved to 7 */
	assert_int_equal(dash_view_pick_follow(&p, -1, 4, 5), 0);
	assert_int_equal(p.sel, 3);	/* gone, fewer rows: the nearest */
}

/* Where a server, a failure is in its view's list now (the highlight's anchor). */
static void test_query_find(void **state)
{
	struct dash_model *m = dash_model_new();
	uint64_t fail_id;

	(void)state;
	feed(m, OUTCOME_ESTABLISHED, "10.0.0.1", "a.lab.test", JA_A, T0);
	feed(m, OUTCOME_FAILED, "10.0.0.2", "b.lab.test", JA_B, T0 + SEC);
	fail_id = next_id;
	assert_int_equal(dash_query_find(m, V_SERVERS, DASH_SORT_FAILED, 0, "", "10.0.0.2:443", 0), 0);
	assert_int_equal(dash_query_find(m, V_SERVERS, DASH_SORT_FAILED, 0, "", "10.0.0.1:443", 0), 1);
	feed(m, OUTCOME_FAILED, "10.0.0.1", "a.lab.test", JA_A, T0 + 2 * SEC);
	feed(m, OUTCOME_FAILED, "10.0.0.1", "a.lab.test", JA_A, T0 + 3 * SEC);
	assert_int_equal(dash_query_find(m, V_SERVERS, DASH_SORT_FAILED, 0, "", "10.0.0.1:443", 0), 0);
	assert_int_equal(dash_query_find(m, V_SERVERS, DASH_SORT_FAILED, 0, "b.lab", "10.0.0.1:443", 0),
			 -1);
	assert_int_equal(dash_query_find(m, V_FAILURES, 0, 0, "", NULL, fail_id), 2);
	assert_int_equal(dash_query_find(m, V_FAILURES, 0, 1, "", NULL, fail_id), 0);
	assert_int_equal(dash_query_find(m, V_CLIENTS, DASH_SORT_TOTAL, 0, "", JA_A, 0), 0);
	dash_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failure_page),
		cmocka_unit_test(test_server_page),
		cmocka_unit_test(test_offer_against_profile),
		cmocka_unit_test(test_local_process),
		cmocka_unit_test(test_details_bounded),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_successes_kept),
		cmocka_unit_test(test_pick_follow),
		cmocka_unit_test(test_query_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
