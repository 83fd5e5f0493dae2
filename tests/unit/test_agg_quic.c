// SPDX-License-Identifier: BSD-3-Clause
/*
 * The transport dimension of user/model/agg.c and its Prometheus series
 * (user/output/out_prom.c): a QUIC handshake and a TCP one to the same
 * server, SNI and fingerprint land in different series of every family that
 * counts handshakes, and in different histograms; the certificate families
 * carry no transport; folding past --max-series keeps the transport (sums
 * by transport stay exact) and counts what it cut; the textfile says
 * transport="quic" and promtool's parser accepts it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/agg.h"
#include "output/out_prom.h"
#include "pipe/quic_track.h"
#include "promcheck.h"
#include "tls_proto.h"

static struct tls_client_hello ch;
static struct tls_server_hello sh;
static struct fingerprints fp;
static struct server_fingerprint sfp;
static struct tlsmon_ev_quic_info qi;

static void mk(struct hs_record *r, const char *sni, int quic, enum outcome oc)
{
	memset(r, 0, sizeof(*r));
	memset(&ch, 0, sizeof(ch));
	ch.flags = TLS_CHF_SNI;
	ch.sni_len = strlen(sni);
	memcpy(ch.sni, sni, ch.sni_len);
	r->ch = &ch;
	r->caddr[10] = r->caddr[11] = r->saddr[10] = r->saddr[11] = 0xff;
	r->caddr[12] = 10, r->caddr[15] = 2;
	r->saddr[12] = 10, r->saddr[15] = 3;
	r->cport = 50000;
	r->sport = 443;
	fp.have_ja4 = 1;
	/* the fingerprint itself says q or t; the label must not rely on it */
	strcpy(fp.ja4, "t13d0310h3_55b375c5d22e_cd85d2d88918");
	r->fp = &fp;
	r->sfp = &sfp;
	memset(&qi, 0, sizeof(qi));
	qi.version = 1;
	r->quic = quic ? &qi : NULL;
	r->outcome = oc;
	r->reason = oc == OUTCOME_FAILED ? REASON_NO_SERVER_RESPONSE : REASON_NONE;
	r->ev.confidence = oc == OUTCOME_FAILED ? CONFIDENCE_LIKELY : CONFIDENCE_NONE;
	r->ch_ns = 1000000000;
	if (oc == OUTCOME_ESTABLISHED) {
		r->sh = &sh;
		sh.cipher = 0x1301;
		r->version = 0x0304;
		r->sh_ns = r->ch_ns + (quic ? 30000000 : 2000000);
		r->end_ns = r->sh_ns;
	} else {
		r->end_ns = r->ch_ns + 5000000000ull;
	}
}

/* The value of label i of a series, as the textfile shows it. */
static const char *val(const struct agg_series *s, unsigned i, char *buf)
{
	return out_prom_label_value(buf, PROM_VALUE_MAX, &s->v[i]);
}

struct count {
	unsigned n_labels;
	uint64_t by[AGG_TRANSPORT_MAX + 1];	/* tcp, quic, anything else */
	unsigned series[AGG_TRANSPORT_MAX + 1];
};

static int count_one(void *ctx, const struct agg_series *s)
{
	struct count *c = ctx;
	char b[PROM_VALUE_MAX];
	const char *t = val(s, c->n_labels - 1, b);
	int k = !strcmp(t, "tcp") ? AGG_TCP : !strcmp(t, "quic") ? AGG_QUIC : AGG_TRANSPORT_MAX;

	c->by[k] += s->count;
	c->series[k]++;
	return 0;
}

static void count(const struct agg *a, enum agg_family f, struct count *c)
{
	memset(c, 0, sizeof(*c));
	c->n_labels = agg_family(f)->n_labels;
	agg_foreach(a, f, count_one, c);
}

static void test_families_keep_transports_apart(void **state)
{
	static const enum agg_family with[] = {
		AGG_HANDSHAKES, AGG_FAILURES, AGG_NEGOTIATED, AGG_SERVERS, AGG_SNI,
		AGG_CLIENTS, AGG_JA4, AGG_SERVER_JA4,
	};
	struct agg *a = agg_new(NULL);
	struct hs_record r;
	struct count c;
	unsigned i;
	int f;

	(void)state;
	/* the same client, server, port, SNI and JA4: only the transport differs */
	mk(&r, "h3.lab.test", 0, OUTCOME_ESTABLISHED);
	agg_record(a, &r);
	mk(&r, "h3.lab.test", 1, OUTCOME_ESTABLISHED);
	agg_record(a, &r);
	mk(&r, "h3.lab.test", 1, OUTCOME_ESTABLISHED);
	agg_record(a, &r);
	mk(&r, "h3.lab.test", 0, OUTCOME_FAILED);
	agg_record(a, &r);
	mk(&r, "h3.lab.test", 1, OUTCOME_FAILED);
	agg_record(a, &r);

	for (f = 0; f < AGG_FAMILY_MAX; f++) {
		const struct agg_family_info *fi = agg_family(f);

		if (!fi->transport)
			continue;
		assert_string_equal(fi->labels[fi->n_labels - 1], "transport");
		assert_false(fi->high[fi->n_labels - 1]);
	}
	for (i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
		assert_true(agg_family(with[i])->transport);
		count(a, with[i], &c);
		assert_int_equal(c.by[AGG_TRANSPORT_MAX], 0);
		if (with[i] == AGG_FAILURES) {
			assert_int_equal(c.by[AGG_TCP], 1);
			assert_int_equal(c.by[AGG_QUIC], 1);
		} else if (with[i] == AGG_NEGOTIATED) {
			assert_int_equal(c.by[AGG_TCP], 1);
			assert_int_equal(c.by[AGG_QUIC], 2);
		} else {
			assert_int_equal(c.by[AGG_TCP], 2);
			assert_int_equal(c.by[AGG_QUIC], 3);
		}
		/* every other label equal: one series per transport and outcome */
		assert_int_equal(c.series[AGG_TCP], c.series[AGG_QUIC]);
	}
	/* no certificate is ever seen in QUIC: those families have no transport */
	assert_false(agg_family(AGG_CERT_FINDINGS)->transport);
	assert_false(agg_family(AGG_CLIENT_CERT_FINDINGS)->transport);
	assert_false(agg_family(AGG_CERT_EXPIRY)->transport);

	/* histograms: QUIC's 30 ms ServerHello apart from TCP's 2 ms */
	assert_int_equal(agg_hist(a, AGG_H_SERVER_HELLO, AGG_TCP, OUTCOME_ESTABLISHED)->count, 1);
	assert_int_equal(agg_hist(a, AGG_H_SERVER_HELLO, AGG_TCP, OUTCOME_ESTABLISHED)->sum_ns,
			 2000000);
	assert_int_equal(agg_hist(a, AGG_H_SERVER_HELLO, AGG_QUIC, OUTCOME_ESTABLISHED)->count, 2);
	assert_int_equal(agg_hist(a, AGG_H_SERVER_HELLO, AGG_QUIC, OUTCOME_ESTABLISHED)->sum_ns,
			 60000000);
	assert_int_equal(agg_hist(a, AGG_H_DURATION, AGG_QUIC, OUTCOME_FAILED)->count, 1);
	assert_null(agg_hist(a, AGG_H_DURATION, AGG_TRANSPORT_MAX, OUTCOME_FAILED));
	assert_string_equal(agg_transport_name(AGG_TCP), "tcp");
	assert_string_equal(agg_transport_name(AGG_QUIC), "quic");
	assert_null(agg_transport_name(AGG_TRANSPORT_MAX));
	agg_free(a);
}

/* Past the cap the names fold, the transport stays: sums by transport stay exact. */
static void test_fold_keeps_transport(void **state)
{
	struct agg_opts o = { 0 };
	struct agg *a;
	struct hs_record r;
	struct count c;
	char name[32];
	uint64_t want[AGG_TRANSPORT_MAX] = { 0 };
	unsigned i;

	(void)state;
	o.max_series[AGG_SNI] = 16;	/* 13 of their own, 2 partly folded, 1 all other */
	a = agg_new(&o);
	for (i = 0; i < 120; i++) {
		snprintf(name, sizeof(name), "n%03u.lab.test", i);
		mk(&r, name, i % 3 == 0, OUTCOME_ESTABLISHED);
		agg_record(a, &r);
		want[i % 3 == 0]++;
	}
	assert_int_equal(agg_series_count(a, AGG_SNI), 15);
	assert_int_equal(agg_folded(a, AGG_SNI), 120 - 13);
	count(a, AGG_SNI, &c);
	assert_int_equal(c.by[AGG_TCP], want[AGG_TCP]);
	assert_int_equal(c.by[AGG_QUIC], want[AGG_QUIC]);
	assert_int_equal(c.by[AGG_TRANSPORT_MAX], 0);
	agg_free(a);
}

/* not inlined: gcc takes the memstream's buffer for this frame's */
static __attribute__((noinline)) char *print(struct agg *a)
{
	struct out_prom *o = out_prom_new("/nonexistent", a);
	struct run_stats st = { .live = 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_int_equal(out_prom_print(o, f, &st), 0);
	fclose(f);
	out_prom_free(o);
	return buf;
}

/* Every sample line of the textfile with this name prefix carries transport="tcp" or "quic". */
static unsigned with_transport(const char *text, const char *prefix, unsigned *without)
{
	const char *l = text, *e;
	unsigned n = 0;

	*without = 0;
	for (; *l; l = *e ? e + 1 : e) {
		e = strchr(l, '\n');
		if (!e)
			e = l + strlen(l);
		if (strncmp(l, prefix, strlen(prefix)) || l[strlen(prefix)] == ' ')
			continue;
		if (memmem(l, e - l, "transport=\"tcp\"", 15) ||
		    memmem(l, e - l, "transport=\"quic\"", 16))
			n++;
		else
			(*without)++;
	}
	return n;
}

static void test_textfile_transport_label(void **state)
{
	static const char *const metrics[] = {
		"tlsmon_handshakes_total{", "tlsmon_handshake_failures_total{",
		"tlsmon_server_handshakes_total{", "tlsmon_sni_handshakes_total{",
		"tlsmon_client_handshakes_total{", "tlsmon_ja4_handshakes_total{",
		"tlsmon_server_ja4_handshakes_total{", "tlsmon_negotiated_total{",
		"tlsmon_handshake_duration_seconds_", "tlsmon_server_hello_latency_seconds_",
	};
	struct agg *a = agg_new(NULL);
	struct hs_record r;
	unsigned i, n, without;
	const char *type;
	char *text;

	(void)state;
	mk(&r, "h3.lab.test", 1, OUTCOME_FAILED);
	agg_record(a, &r);
	mk(&r, "h3.lab.test", 0, OUTCOME_ESTABLISHED);
	agg_record(a, &r);
	text = print(a);
	assert_non_null(strstr(text, "\ntlsmon_handshake_failures_total{reason=\"no_server_response\","
				     "server=\"10.0.0.3\",sni=\"h3.lab.test\",confidence=\"likely\","
				     "transport=\"quic\"} 1\n"));
	assert_non_null(strstr(text, "\ntlsmon_server_handshakes_total{server=\"10.0.0.3\","
				     "port=\"443\",outcome=\"failed\",transport=\"quic\"} 1\n"));
	assert_non_null(strstr(text, "\ntlsmon_server_handshakes_total{server=\"10.0.0.3\","
				     "port=\"443\",outcome=\"established\",transport=\"tcp\"} 1\n"));
	assert_non_null(strstr(text, "\ntlsmon_handshake_duration_seconds_count{transport=\"quic\","
				     "outcome=\"failed\"} 1\n"));
	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		n = with_transport(text, metrics[i], &without);
		if (without || !n)
			fail_msg("%s: %u lines with a transport, %u without", metrics[i], n, without);
	}
	/* HELP and TYPE: once per metric, as before */
	type = strstr(text, "\n# TYPE tlsmon_handshakes_total counter\n");
	assert_non_null(type);
	assert_null(strstr(type + 2, "# TYPE tlsmon_handshakes_total "));
	free(text);
	agg_free(a);
}

/* promtool's strict parser reads the file with both transports (skipped without promtool). */
static void test_promtool_accepts_transports(void **state)
{
	struct agg *a = agg_new(NULL);
	struct run_stats st = { .live = 1 };
	struct hs_record r;
	unsigned i;
	int rc;

	(void)state;
	for (i = 0; i < 8; i++) {
		mk(&r, i & 4 ? "x\"}\n" : "h3.lab.test", i & 1, i & 2 ? OUTCOME_FAILED
								  : OUTCOME_ESTABLISHED);
		agg_record(a, &r);
	}
	rc = promcheck_agg(a, &st);
	agg_free(a);
	if (rc == 1)
		skip();
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families_keep_transports_apart),
		cmocka_unit_test(test_fold_keeps_transport),
		cmocka_unit_test(test_textfile_transport_label),
		cmocka_unit_test(test_promtool_accepts_transports),
	};

	return cmocka_run_group_tests_name("agg_quic", tests, NULL, NULL);
}
