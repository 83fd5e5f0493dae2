// SPDX-License-Identifier: BSD-3-Clause
/*
 * QUIC in user/ui/dash_model.c: a QUIC handshake and a TCP one to the same
 * address and port are two server rows (the QUIC one ends in " quic"), the
 * recent failures say which transport failed, the header's QUIC count is
 * exact, the filter "quic" finds QUIC's rows only, and a hostile SNI on a
 * QUIC row is stored escaped like any other.
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
#include "pipe/quic_track.h"
#include "ui/dash_query.h"
#include "tls_proto.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static uint64_t next_id;

static void feed(struct dash_model *m, const char *sni, int quic, enum outcome oc, uint64_t t)
{
	static struct tls_client_hello ch;
	static struct tls_server_hello sh;
	static struct fingerprints fp;
	static struct server_fingerprint sfp;
	static struct tlsmon_ev_quic_info qi;
	struct hs_record r;

	memset(&r, 0, sizeof(r));
	memset(&ch, 0, sizeof(ch));
	memset(&fp, 0, sizeof(fp));
	r.id = ++next_id;
	r.start_ns = r.end_ns = t;
	r.family = 4;
	assert_int_equal(pkt_addr_rec(r.caddr, "10.77.1.2"), 0);
	assert_int_equal(pkt_addr_rec(r.saddr, "10.77.3.2"), 0);
	r.cport = 40000 + next_id;
	r.sport = 443;
	ch.flags = TLS_CHF_SNI;
	ch.sni_len = strlen(sni);
	memcpy(ch.sni, sni, ch.sni_len);
	r.ch = &ch;
	fp.have_ja4 = 1;
	snprintf(fp.ja4, sizeof(fp.ja4), "%s", quic ? "q13d0310h3_55b375c5d22e_cd85d2d88918"
						    : "t13d1516h2_8daaf6152771_e5627efa2ab1");
	r.fp = &fp;
	r.sfp = &sfp;
	r.quic = quic ? &qi : NULL;
	r.outcome = oc;
	r.reason = oc == OUTCOME_FAILED ? REASON_NO_SERVER_RESPONSE : REASON_NONE;
	if (oc == OUTCOME_ESTABLISHED) {
		sh.cipher = 0x1301;
		r.sh = &sh;
		r.version = 0x0304;
	}
	dash_model_record(m, &r);
}

static const struct dash_server *server(const struct dash_model *m, const char *addr)
{
	uint32_t i;

	for (i = 0; i < m->n_servers; i++)
		if (!strcmp(m->servers[i].addr, addr))
			return &m->servers[i];
	return NULL;
}

/* HTTP/3 blocked: every QUIC handshake times out, the same server's TCP ones succeed. */
static void test_quic_rows_apart(void **state)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	struct dash_model *m = dash_model_new();
	uint32_t idx[DASH_MAX_SERVERS];
	const struct dash_server *tcp, *quic;
	unsigned n, i;

	(void)state;
	for (i = 0; i < 6; i++) {
		feed(m, "h3.lab.test", 0, OUTCOME_ESTABLISHED, T0 + i * SEC);
		if (i % 2)
			feed(m, "h3.lab.test", 1, OUTCOME_FAILED, T0 + i * SEC);
	}
	feed(m, "h3.lab.test", 1, OUTCOME_ESTABLISHED, T0 + 7 * SEC);
	assert_int_equal(m->all.total, 10);
	assert_int_equal(m->quic.total, 4);
	assert_int_equal(m->quic.failed, 3);
	assert_int_equal(m->quic.by_reason[REASON_NO_SERVER_RESPONSE], 3);
	assert_int_equal(m->n_servers, 2);
	tcp = server(m, "10.77.3.2:443");
	quic = server(m, "10.77.3.2:443 quic");
	assert_non_null(tcp);
	assert_non_null(quic);
	assert_int_equal(tcp->c.total, 6);
	assert_int_equal(tcp->c.failed, 0);
	assert_int_equal(quic->c.total, 4);
	assert_int_equal(quic->c.failed, 3);
	assert_string_equal(dash_query_main_reason(&quic->c), "no_server_response");

	/* the failing one first, and the filter "quic" finds it alone */
	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, NULL, idx), 2);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.3.2:443 quic");
	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, "QUIC", idx), 1);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.3.2:443 quic");

	/* the failures say which server row they belong to */
	n = dash_query_failures(m, 0, NULL, fl);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_string_equal(fl[i]->server, "10.77.3.2:443 quic");
	assert_int_equal(dash_query_failures(m, 0, "quic", fl), 3);

	/* the fingerprints stay apart too: JA4 says q or t */
	assert_int_equal(m->n_clients, 2);
	dash_model_free(m);
}

/* TCP only: nothing says quic. */
static void test_tcp_only_unchanged(void **state)
{
	struct dash_model *m = dash_model_new();
	uint32_t idx[DASH_MAX_SERVERS];

	(void)state;
	feed(m, "a.lab.test", 0, OUTCOME_ESTABLISHED, T0);
	feed(m, "a.lab.test", 0, OUTCOME_FAILED, T0 + SEC);
	assert_int_equal(m->quic.total, 0);
	assert_int_equal(m->n_servers, 1);
	assert_string_equal(m->servers[0].addr, "10.77.3.2:443");
	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, "quic", idx), 0);
	dash_model_free(m);
}

/* The SNI of a QUIC row came off the wire like any other: stored escaped. */
static void test_quic_sni_escaped(void **state)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	struct dash_model *m = dash_model_new();
	const struct dash_server *s;
	const char *p;

	(void)state;
	feed(m, "\x1b[2Jevil\x07.test", 1, OUTCOME_FAILED, T0);
	s = server(m, "10.77.3.2:443 quic");
	assert_non_null(s);
	assert_string_equal(s->sni[0].s, "\\x1b[2Jevil\\x07.test");
	assert_int_equal(dash_query_failures(m, 0, NULL, fl), 1);
	for (p = fl[0]->sni; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	dash_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quic_rows_apart),
		cmocka_unit_test(test_tcp_only_unchanged),
		cmocka_unit_test(test_quic_sni_escaped),
	};

	return cmocka_run_group_tests_name("dash_quic", tests, NULL, NULL);
}
