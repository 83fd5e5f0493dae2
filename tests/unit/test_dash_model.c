// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/ui/dash_model.c: what the dashboard shows, without a terminal.  Records
 * go in as the collector hands them out; the tests read the counts, rates,
 * tables and the ring of recent failures back: per-server and per-fingerprint
 * failure counts and main reasons, sort orders, filters, the per-second
 * window rolling over, tables that stay bounded without losing a count, a
 * failing server that arrives late still getting a row, wire strings stored
 * escaped, and the header's counted losses.
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
#include "ui/dash_query.h"
#include "tls_proto.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static struct tls_client_hello CH;
static struct tls_server_hello SH;
static struct rec_alert ALERT = { .sender = SIDE_SERVER, .level = 2, .desc = 40 };

struct spec {
	enum outcome outcome;
	enum reason reason;
	const char *server;	/* IPv4 */
	uint16_t sport;
	const char *sni;	/* NULL: none */
	size_t sni_len;		/* 0: strlen */
	const char *ja4;	/* NULL: no JA4 */
	uint16_t version;	/* with a ServerHello when set */
	uint16_t cipher;
	uint64_t t;
};

static uint64_t next_id;
/* the next record's server certificate chain, when set */
static const struct cert_chain *CERTS;
static uint32_t CERT_FINDINGS;
/* the next record's ALPN extension body (protocol_name_list), when set */
static const char *ALPN;
static size_t ALPN_LEN;

static void feed(struct dash_model *m, const struct spec *s)
{
	struct hs_record r;
	static struct fingerprints fp;
	static struct server_fingerprint sfp;
	size_t n = s->sni ? (s->sni_len ? s->sni_len : strlen(s->sni)) : 0;

	memset(&r, 0, sizeof(r));
	memset(&fp, 0, sizeof(fp));
	r.fp = &fp;
	r.sfp = &sfp;
	memset(&CH, 0, sizeof(CH));
	memset(&SH, 0, sizeof(SH));
	r.id = ++next_id;
	r.start_ns = r.end_ns = s->t;
	r.family = 4;
	assert_int_equal(pkt_addr_rec(r.caddr, "10.77.1.2"), 0);
	assert_int_equal(pkt_addr_rec(r.saddr, s->server), 0);
	r.cport = 40000 + next_id % 20000;
	r.sport = s->sport ? s->sport : 443;
	CH.legacy_version = 0x0303;
	CH.n_versions = 2;
	CH.versions[0] = 0x0304;
	CH.versions[1] = 0x0303;
	CH.n_ciphers = 18;
	if (s->sni) {
		CH.flags |= TLS_CHF_SNI;
		CH.sni_len = n;
		memcpy(CH.sni, s->sni, n > TLSMON_SNI_MAX ? TLSMON_SNI_MAX : n);
		if (n > TLSMON_SNI_MAX)
			CH.flags |= TLS_CHF_TRUNC_SNI;
	}
	if (ALPN) {
		CH.flags |= TLS_CHF_ALPN;
		CH.alpn_len = ALPN_LEN;
		memcpy(CH.alpn, ALPN, ALPN_LEN < TLSMON_ALPN_MAX ? ALPN_LEN : TLSMON_ALPN_MAX);
		ALPN = NULL;
	}
	r.ch = &CH;
	if (s->ja4) {
		fp.have_ja4 = 1;
		snprintf(fp.ja4, sizeof(fp.ja4), "%s", s->ja4);
	}
	if (s->version) {
		SH.cipher = s->cipher;
		r.sh = &SH;
		r.version = s->version;
	}
	r.certs[SIDE_SERVER] = CERTS;
	r.cert_findings[SIDE_SERVER] = CERT_FINDINGS;
	CERTS = NULL;
	CERT_FINDINGS = 0;
	r.outcome = s->outcome;
	r.reason = s->outcome == OUTCOME_FAILED ? s->reason : REASON_NONE;
	if (r.reason == REASON_NO_SHARED_CIPHER) {
		r.alerts[0] = ALERT;
		r.n_alerts = 1;
		r.ev.alert = &r.alerts[0];
		r.ev.basis = BASIS_SERVER_PROFILE;
		r.ev.profile_successes = 12;
		r.ev.n_profile_ciphers = 1;
		r.ev.profile_ciphers[0] = 0x0035;
		r.ev.profile_min_version = r.ev.profile_max_version = 0x0303;
		r.ev.client_max_version = 0x0304;
		r.ev.confidence = CONFIDENCE_CONFIRMED;
	}
	if (r.reason == REASON_CLIENT_REJECTED_SERVER_CERT) {
		r.ev.basis = BASIS_INFERRED;
		r.ev.inferred_record_len = 19;
		r.ev.confidence = CONFIDENCE_LIKELY;
	}
	dash_model_record(m, &r);
}

#define OK(srv, sni, ja4, t) \
	(&(struct spec){ OUTCOME_ESTABLISHED, REASON_NONE, srv, 0, sni, 0, ja4, 0x0304, 0x1302, t })
#define FAIL(why, srv, sni, ja4, t) \
	(&(struct spec){ OUTCOME_FAILED, why, srv, 0, sni, 0, ja4, 0, 0, t })

static const char *PY = "t13d1812h1_85036bcba153_b26ce05bbdd6";

static const struct dash_server *server(const struct dash_model *m, const char *addr)
{
	uint32_t i;

	for (i = 0; i < m->n_servers; i++)
		if (!strcmp(m->servers[i].addr, addr))
			return &m->servers[i];
	return NULL;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Field report 004: backend B fails every handshake of one fingerprint, A none. */
static void test_servers_and_reasons(void **state)
{
	struct dash_model *m = dash_model_new();
	uint32_t idx[DASH_MAX_SERVERS];
	const struct dash_server *a, *b;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		feed(m, OK("10.77.2.2", "api.lab.test", PY, T0 + i * SEC));
		feed(m, FAIL(REASON_NO_SHARED_CIPHER, "10.77.3.2", "api.lab.test", PY, T0 + i * SEC));
	}
	feed(m, FAIL(REASON_VERSION_MISMATCH, "10.77.2.2", "a.lab.test", "t10d", T0 + 5 * SEC));
	assert_int_equal(m->all.total, 11);
	assert_int_equal(m->all.failed, 6);
	assert_int_equal(m->all.by_reason[REASON_NO_SHARED_CIPHER], 5);
	assert_int_equal(m->all.by_reason[REASON_VERSION_MISMATCH], 1);
	a = server(m, "10.77.2.2:443");
	b = server(m, "10.77.3.2:443");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(b->c.total, 5);
	assert_int_equal(b->c.failed, 5);
	assert_string_equal(dash_query_main_reason(&b->c), "no_shared_cipher");
	assert_true(dash_query_ratio(&b->c) == 1.0);
	assert_int_equal(a->c.total, 6);
	assert_int_equal(a->c.failed, 1);
	assert_string_equal(dash_query_main_reason(&a->c), "version_mismatch");
	/* A's main name is the one that failed */
	assert_string_equal(dash_query_server_sni(a)->s, "a.lab.test");
	assert_int_equal(a->n_sni, 2);

	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, NULL, idx), 2);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.3.2:443");
	dash_query_servers(m, DASH_SORT_TOTAL, NULL, idx);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.2.2:443");
	dash_query_servers(m, DASH_SORT_RATIO, NULL, idx);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.3.2:443");
	/* A's version mismatch was the last record */
	dash_query_servers(m, DASH_SORT_RECENT, NULL, idx);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.2.2:443");

	/* filters: IP, SNI, reason */
	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, "10.77.3", idx), 1);
	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, "A.LAB", idx), 1);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.2.2:443");
	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, "shared_cipher", idx), 1);
	assert_string_equal(m->servers[idx[0]].addr, "10.77.3.2:443");
	assert_int_equal(dash_query_servers(m, DASH_SORT_FAILED, "nothing-like-it", idx), 0);
	dash_model_free(m);
}

static void test_client_fingerprints(void **state)
{
	struct dash_model *m = dash_model_new();
	uint32_t idx[DASH_MAX_CLIENTS];
	const struct dash_client *c;
	unsigned i, n;

	(void)state;
	for (i = 0; i < 3; i++) {
		feed(m, OK("10.77.2.2", "api.lab.test", PY, T0));
		feed(m, FAIL(REASON_NO_SHARED_CIPHER, "10.77.3.2", "api.lab.test", PY, T0));
	}
	feed(m, FAIL(REASON_CLOSED_AFTER_CLIENT_HELLO, "10.77.4.2", NULL, NULL, T0));
	n = dash_query_clients(m, DASH_SORT_FAILED, NULL, idx);
	assert_int_equal(n, 2);
	c = &m->clients[idx[0]];
	assert_string_equal(c->key, PY);
	assert_int_equal(c->c.total, 6);
	assert_int_equal(c->c.failed, 3);
	assert_string_equal(c->profile, "up to TLSv1.3, 18 suites");
	assert_string_equal(c->last_client, "10.77.1.2");
	/* where it fails and where not */
	assert_int_equal(c->n_srv, 2);
	for (i = 0; i < c->n_srv; i++) {
		assert_int_equal(c->srv[i].total, 3);
		assert_int_equal(c->srv[i].failed, strcmp(c->srv[i].addr, "10.77.3.2:443") ? 0 : 3);
	}
	/* a hello without a JA4 is known by what it offers */
	c = &m->clients[idx[1]];
	assert_string_equal(c->key, "no-ja4: up to TLSv1.3, 18 suites");
	assert_string_equal(dash_query_main_reason(&c->c), "closed_after_client_hello");
	assert_int_equal(dash_query_clients(m, DASH_SORT_FAILED, "10.77.3.2", idx), 1);
	assert_int_equal(dash_query_clients(m, DASH_SORT_FAILED, "closed_after", idx), 1);
	dash_model_free(m);
}

/* Every stored wire string is printable ASCII, bytes escaped as \xNN. */
static void test_wire_strings_escaped(void **state)
{
	static const char evil[] = "evil\x1b[2J\x1b]0;pwned\x07\x9b" "31m\xff\xc3\x28\\.lab.test";
	struct dash_model *m = dash_model_new();
	const struct dash_failure *f[DASH_MAX_RECENT];
	uint32_t idx[DASH_MAX_SERVERS];
	const struct dash_server *s;
	char big[300], list[TLSMON_ALPN_MAX];
	size_t o;

	(void)state;
	feed(m, FAIL(REASON_UNRECOGNIZED_NAME, "10.77.2.2", evil, PY, T0));
	s = server(m, "10.77.2.2:443");
	assert_non_null(s);
	assert_string_equal(s->sni[0].s,
			    "evil\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\xff\\xc3(\\x5c.lab.test");
	assert_int_equal(dash_query_failures(m, 0, NULL, f), 1);
	assert_string_equal(f[0]->sni, s->sni[0].s);
	assert_true(printable(f[0]->why));
	/* a filter finds the escaped form */
	assert_int_equal(dash_query_servers(m, 0, "\\x1b]0;pwned", idx), 1);
	/* C1 controls as UTF-8 and bidirectional controls (RLO, LRI): bytes escaped */
	feed(m, FAIL(REASON_UNRECOGNIZED_NAME, "10.77.2.4", "rlo\xe2\x80\xae" "gnp\xc2\x9b\xe2\x81\xa6",
		     PY, T0));
	s = server(m, "10.77.2.4:443");
	assert_non_null(s);
	assert_string_equal(s->sni[0].s, "rlo\\xe2\\x80\\xaegnp\\xc2\\x9b\\xe2\\x81\\xa6");

	/* ALPN: each protocol escaped, commas between */
	ALPN = "\x02h2\x08http/1.1\x07\x1b[31m\x9b\xff";
	ALPN_LEN = 1 + 2 + 1 + 8 + 1 + 7;
	feed(m, FAIL(REASON_OTHER_ALERT, "10.77.2.2", "a.lab.test", PY, T0));
	assert_int_equal(dash_query_failures(m, 0, "other_alert", f), 1);
	assert_string_equal(f[0]->alpn, "h2,http/1.1,\\x1b[31m\\x9b\\xff");
	/* a list the parser cut (200 bytes on the wire, 128 kept, the copy ends
	 * inside a name): what was kept, then "..." */
	memcpy(list, "\x02h2\x08http/1.1", 12);
	for (o = 12; o + 11 <= sizeof(list); o += 11)
		memcpy(list + o, "\x0aprotocol-x", 11);
	list[o] = 20;
	memset(list + o + 1, 'p', sizeof(list) - o - 1);
	ALPN = list;
	ALPN_LEN = 200;
	feed(m, FAIL(REASON_OTHER_ALERT, "10.77.2.4", "a.lab.test", PY, T0));
	dash_query_failures(m, 0, "10.77.2.4", f);
	assert_int_equal(strncmp(f[0]->alpn, "h2,http/1.1,protocol-x,", 23), 0);
	assert_string_equal(f[0]->alpn + strlen(f[0]->alpn) - 3, "...");
	assert_true(printable(f[0]->alpn));
	assert_true(strlen(f[0]->alpn) < DASH_NAME);

	/* 255 bytes that each take 4 characters: cut, and marked */
	memset(big, 0xff, sizeof(big));
	feed(m, &(struct spec){ OUTCOME_FAILED, REASON_UNRECOGNIZED_NAME, "10.77.2.3", 0, big,
				sizeof(big), NULL, 0, 0, T0 });
	s = server(m, "10.77.2.3:443");
	assert_non_null(s);
	assert_true(strlen(s->sni[0].s) < DASH_NAME);
	assert_true(printable(s->sni[0].s));
	assert_non_null(strstr(s->sni[0].s, "..."));
	assert_int_equal(strncmp(s->sni[0].s, "\\xff\\xff", 8), 0);
	/* no escape is cut in half */
	assert_int_equal((strlen(s->sni[0].s) - 3) % 4, 0);
	dash_model_free(m);
}

static void test_rates_and_window(void **state)
{
	struct dash_model *m = dash_model_new();
	struct run_stats st = { .live = 1, .source = "cli0" };
	uint32_t v[DASH_SECS];
	int i;

	(void)state;
	/* one failure and one success a second for 10 s */
	for (i = 0; i < 10; i++) {
		feed(m, FAIL(REASON_RESET_AFTER_CLIENT_HELLO, "10.77.2.2", "blocked.lab.test",
			     PY, T0 + i * SEC + SEC / 2));
		feed(m, OK("10.77.2.2", "a.lab.test", PY, T0 + i * SEC + SEC / 2));
	}
	assert_true(dash_model_rate(m, REASON_RESET_AFTER_CLIENT_HELLO, 10) == 1.0);
	assert_true(dash_model_rate(m, DASH_S_HANDSHAKES, 10) == 2.0);
	assert_true(dash_model_fail_ratio(m, DASH_SECS) == 0.5);
	dash_model_series(m, REASON_RESET_AFTER_CLIENT_HELLO, v, 12);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 0);
	for (i = 2; i < 12; i++)
		assert_int_equal(v[i], 1);
	/* a young run: the rate is over the seconds it has lived */
	assert_true(dash_model_rate(m, DASH_S_FAILED, 60) == 1.0);

	/* 30 s later the window still holds them, 70 s later it does not */
	st.now_wall_ns = T0 + 39 * SEC;
	dash_model_tick(m, &st);
	assert_true(dash_model_rate(m, DASH_S_FAILED, 60) == 10.0 / 40);
	assert_true(dash_model_rate(m, DASH_S_FAILED, 10) == 0);
	st.now_wall_ns = T0 + 79 * SEC;
	dash_model_tick(m, &st);
	assert_true(dash_model_rate(m, DASH_S_FAILED, 60) == 0);
	assert_true(dash_model_fail_ratio(m, DASH_SECS) == -1);
	dash_model_series(m, DASH_S_HANDSHAKES, v, DASH_SECS);
	for (i = 0; i < DASH_SECS; i++)
		assert_int_equal(v[i], 0);
	/* totals stay */
	assert_int_equal(m->all.by_reason[REASON_RESET_AFTER_CLIENT_HELLO], 10);

	/* a clock that steps back counts in the current second */
	feed(m, FAIL(REASON_NO_SERVER_HELLO, "10.77.2.2", "a.lab.test", PY, T0));
	dash_model_series(m, REASON_NO_SERVER_HELLO, v, 1);
	assert_int_equal(v[0], 1);
	dash_model_free(m);
}

/* Past the cap the weakest row folds into "other"; nothing goes uncounted. */
static void test_tables_bounded(void **state)
{
	struct dash_model *m = dash_model_new();
	uint64_t sum = 0, n = 0;
	char ip[32], ja4[40];
	uint32_t i;

	(void)state;
	for (i = 0; i < DASH_MAX_SERVERS + 100; i++, n++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		snprintf(ja4, sizeof(ja4), "t13d1516h2_%012u_e5627efa2ab1", i);
		feed(m, OK(ip, "ok.example", ja4, T0 + i));
	}
	/* a failing server and fingerprint that turn up late get their rows */
	feed(m, FAIL(REASON_NO_SHARED_CIPHER, "192.0.2.1", "late.example", PY, T0 + SEC));
	n++;
	assert_int_equal(m->n_servers, DASH_MAX_SERVERS);
	assert_int_equal(m->n_clients, DASH_MAX_CLIENTS);
	assert_non_null(server(m, "192.0.2.1:443"));
	for (i = 0; i < m->n_servers; i++)
		sum += m->servers[i].c.total;
	assert_int_equal(sum + m->servers_other.total, n);
	for (sum = 0, i = 0; i < m->n_clients; i++)
		sum += m->clients[i].c.total;
	assert_int_equal(sum + m->clients_other.total, n);
	/* and more failures stay put: successes fold first */
	for (i = 0; i < DASH_MAX_SERVERS; i++) {
		snprintf(ip, sizeof(ip), "172.16.%u.%u", i >> 8, i & 255);
		feed(m, OK(ip, "ok.example", PY, T0 + 2 * SEC));
	}
	assert_non_null(server(m, "192.0.2.1:443"));
	assert_int_equal(server(m, "192.0.2.1:443")->c.failed, 1);
	dash_model_free(m);
}

/* Certificates: by server and SNI, soonest to expire first, escaped, bounded. */
static void test_certificates(void **state)
{
	static struct cert_chain c;
	struct dash_model *m = dash_model_new();
	uint32_t idx[DASH_MAX_CERTS], i;
	char ip[32], f[160];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.n = 1;
	snprintf(c.c[0].key_type, sizeof(c.c[0].key_type), "RSA");
	c.c[0].key_bits = 1024;
	snprintf(c.c[0].subject_cn, sizeof(c.c[0].subject_cn), "late\x1b[2J.example");
	c.c[0].not_after = 2000000000;
	CERTS = &c;
	CERT_FINDINGS = 1u << CERT_F_WEAK_KEY | 1u << CERT_F_EXPIRED;
	feed(m, OK("192.0.2.9", "late.example", PY, T0));
	c.c[0].not_after = 1900000000;
	snprintf(c.c[0].subject_cn, sizeof(c.c[0].subject_cn), "soon.example");
	CERTS = &c;
	feed(m, OK("192.0.2.8", "soon.example", PY, T0 + 1));
	feed(m, OK("192.0.2.7", "none.example", PY, T0 + 2));	/* no certificate */
	assert_int_equal(dash_query_certs(m, NULL, idx), 2);
	assert_string_equal(m->certs[idx[0]].cn, "soon.example");
	assert_true(printable(m->certs[idx[1]].cn));
	assert_non_null(strstr(m->certs[idx[1]].cn, "\\x1b"));
	assert_string_equal(m->certs[idx[1]].key, "RSA 1024");
	dash_query_findings_text(f, sizeof(f), m->certs[idx[1]].findings);
	assert_string_equal(f, "cert_expired,weak_key");
	assert_int_equal(dash_query_certs(m, "weak_key", idx), 1);
	assert_int_equal(dash_query_certs(m, "192.0.2.8", idx), 1);
	/* past the cap the least recently seen goes, counted */
	for (i = 0; i < DASH_MAX_CERTS + 5; i++) {
		snprintf(ip, sizeof(ip), "10.1.%u.%u", i >> 8, i & 255);
		CERTS = &c;
		feed(m, OK(ip, "many.example", PY, T0 + SEC + i));
	}
	assert_int_equal(m->n_certs, DASH_MAX_CERTS);
	assert_int_equal(m->certs_other, 7);
	dash_model_free(m);
}

static void test_recent_failures(void **state)
{
	struct dash_model *m = dash_model_new();
	const struct dash_failure *f[DASH_MAX_RECENT];
	unsigned i, n;

	(void)state;
	for (i = 0; i < DASH_MAX_RECENT + 44; i++)
		feed(m, FAIL(i % 2 ? REASON_NO_SHARED_CIPHER : REASON_CLIENT_REJECTED_SERVER_CERT,
			     i % 2 ? "10.77.3.2" : "10.77.2.2", i % 2 ? "api.lab.test" : "a.lab.test",
			     PY, T0 + i * SEC));
	feed(m, OK("10.77.2.2", "a.lab.test", PY, T0 + 400 * SEC));
	n = dash_query_failures(m, 0, NULL, f);
	assert_int_equal(n, DASH_MAX_RECENT);
	assert_int_equal(m->recent_total, DASH_MAX_RECENT + 44);
	/* newest first, the oldest 44 gone */
	assert_true(f[0]->id > f[1]->id);
	assert_int_equal(f[0]->id, f[1]->id + 1);
	assert_int_equal(f[n - 1]->id + n - 1, f[0]->id);
	assert_int_equal(f[0]->ts_ns, T0 + (DASH_MAX_RECENT + 43) * SEC);
	n = dash_query_failures(m, 1, NULL, f);
	assert_true(f[0]->id < f[1]->id);
	/* the evidence, as the text output words it */
	n = dash_query_failures(m, 0, "api.lab", f);
	assert_int_equal(n, DASH_MAX_RECENT / 2);
	assert_string_equal(f[0]->label, "no_shared_cipher");
	assert_string_equal(f[0]->server, "10.77.3.2:443");
	assert_int_equal(strncmp(f[0]->client, "10.77.1.2:", 10), 0);
	assert_string_equal(f[0]->ja4, PY);
	/* how sure, first */
	assert_int_equal(f[0]->confidence, CONFIDENCE_CONFIRMED);
	assert_int_equal(strncmp(f[0]->why, "[confirmed] (server sent fatal handshake_failure): "
				 "in 12 successful handshakes this server accepted", 95), 0);
	n = dash_query_failures(m, 0, "server_cert", f);
	assert_int_equal(n, DASH_MAX_RECENT / 2);
	for (i = 0; i < n; i++) {
		assert_int_equal(f[i]->reason, REASON_CLIENT_REJECTED_SERVER_CERT);
		assert_string_equal(f[i]->why, "[likely] (inferred from a 19-byte encrypted record)");
	}
	dash_model_free(m);
}

static void test_negotiated(void **state)
{
	struct dash_model *m = dash_model_new();
	const struct dash_failure *f[DASH_MAX_RECENT];
	uint32_t idx[DASH_MAX_CIPHERS];
	unsigned i, n;

	(void)state;
	for (i = 0; i < 3; i++)
		feed(m, OK("10.77.2.2", "a.lab.test", PY, T0));
	feed(m, &(struct spec){ OUTCOME_ESTABLISHED, REASON_NONE, "10.77.3.2", 0, "b.lab.test",
				0, PY, 0x0303, 0x0035, T0 });
	feed(m, &(struct spec){ OUTCOME_FAILED, REASON_CLIENT_REJECTED_SERVER_CERT, "10.77.2.2",
				4430, "a.lab.test", 0, PY, 0x0303, 0xc030, T0 });
	feed(m, FAIL(REASON_VERSION_MISMATCH, "10.77.2.2", "a.lab.test", PY, T0));
	n = dash_query_nego(m, 0, idx);
	assert_int_equal(n, 2);
	assert_int_equal(m->versions[idx[0]].value, 0x0304);
	assert_int_equal(m->versions[idx[0]].total, 3);
	assert_int_equal(m->versions[idx[1]].value, 0x0303);
	assert_int_equal(m->versions[idx[1]].total, 2);
	assert_int_equal(m->versions[idx[1]].failed, 1);
	n = dash_query_nego(m, 1, idx);
	assert_int_equal(n, 3);
	assert_int_equal(m->ciphers[idx[0]].value, 0x1302);
	/* a failure after the ServerHello says which version */
	assert_int_equal(dash_query_failures(m, 0, "server_cert", f), 1);
	assert_string_equal(f[0]->version, "TLSv1.2");
	assert_int_equal(dash_query_failures(m, 0, "version_mismatch", f), 1);
	assert_string_equal(f[0]->version, "");
	dash_model_free(m);
}

static void test_header_and_losses(void **state)
{
	struct dash_model *m = dash_model_new();
	struct run_stats st = { .live = 0, .source = "/tmp/x\x1b[2J.pcap" };

	(void)state;
	st.start_wall_ns = T0;
	st.now_wall_ns = T0 + 90 * SEC;
	st.dp[TLSMON_C_RB_FAIL] = 3;
	st.dp[TLSMON_C_FLOW_CREATE_FAIL] = 5;
	st.flows_evicted = 7;
	st.events_malformed = 11;
	st.col.evicted = 13;
	st.reasm.evicted = 17;
	st.frames_unsupported = 19;
	st.frames_oversize = 23;
	st.col.records = 29;
	st.col.open = 2;
	dash_model_tick(m, &st);
	assert_int_equal(m->hdr.lost_ringbuf, 3);
	assert_int_equal(m->hdr.lost_flow_full, 12);
	assert_int_equal(dash_model_lost(m), 3 + 5 + 7 + 11 + 13 + 17 + 19 + 23);
	assert_int_equal(m->hdr.records, 29);
	assert_int_equal(m->hdr.open, 2);
	assert_int_equal(m->hdr.now_ns - m->hdr.start_ns, 90 * SEC);
	assert_string_equal(m->hdr.source, "/tmp/x\\x1b[2J.pcap");
	dash_model_free(m);
}

/* A paused screen shows a copy that records no longer change. */
static void test_clone_stays(void **state)
{
	struct dash_model *m = dash_model_new(), *c;

	(void)state;
	feed(m, FAIL(REASON_NO_SHARED_CIPHER, "10.77.3.2", "api.lab.test", PY, T0));
	c = dash_model_clone(m);
	assert_non_null(c);
	assert_memory_equal(c, m, sizeof(*m));
	feed(m, FAIL(REASON_NO_SHARED_CIPHER, "10.77.3.2", "api.lab.test", PY, T0 + SEC));
	assert_int_equal(c->all.failed, 1);
	assert_int_equal(m->all.failed, 2);
	assert_true(m->generation > c->generation);
	dash_model_free(c);
	dash_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_servers_and_reasons),
		cmocka_unit_test(test_client_fingerprints),
		cmocka_unit_test(test_wire_strings_escaped),
		cmocka_unit_test(test_rates_and_window),
		cmocka_unit_test(test_tables_bounded),
		cmocka_unit_test(test_certificates),
		cmocka_unit_test(test_recent_failures),
		cmocka_unit_test(test_negotiated),
		cmocka_unit_test(test_header_and_losses),
		cmocka_unit_test(test_clone_stays),
	};

	return cmocka_run_group_tests_name("dash_model", tests, NULL, NULL);
}
