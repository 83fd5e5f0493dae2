// SPDX-License-Identifier: BSD-3-Clause
/*
 * The process dimension of user/model/agg.c and its Prometheus series
 * (user/output/out_prom.c): records with a local program are counted by
 * its name (pod, container, unit, comm), records without one in no process
 * series but counted apart; the families are capped by --max-series with
 * every folded handshake counted; a hostile comm stays inside its label;
 * --no-process-labels leaves every process series out.
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
#include "model/local_id.h"
#include "output/out_prom.h"
#include "promcheck.h"

static struct tls_client_hello ch;
static struct fingerprints fp;
static struct server_fingerprint sfp;
static struct local_id lid;

static void mk(struct hs_record *r, enum outcome oc, const char *cgroup, const char *comm)
{
	memset(r, 0, sizeof(*r));
	r->ch = &ch;
	r->fp = &fp;
	r->sfp = &sfp;
	r->caddr[10] = r->caddr[11] = 0xff;
	r->caddr[12] = 10, r->caddr[15] = 2;
	r->saddr[10] = r->saddr[11] = 0xff;
	r->saddr[12] = 10, r->saddr[15] = 3;
	r->sport = 443;
	r->outcome = oc;
	r->reason = oc == OUTCOME_FAILED ? REASON_NO_SHARED_CIPHER : REASON_NONE;
	if (!cgroup)
		return;
	memset(&lid, 0, sizeof(lid));
	snprintf(lid.comm, sizeof(lid.comm), "%s", comm);
	snprintf(lid.cgroup_path, sizeof(lid.cgroup_path), "%s", cgroup);
	local_id_derive(&lid, NULL);
	r->local = &lid;
}

struct lines {
	char l[64][600];
	unsigned n;
	uint64_t sum;
};

static int one(void *ctx, const struct agg_series *s)
{
	struct lines *d = ctx;
	char v[PROM_VALUE_MAX];
	size_t o = 0;
	unsigned i;

	for (i = 0; i < AGG_MAX_LABELS && s->v[i].p; i++)
		o += snprintf(d->l[d->n] + o, sizeof(d->l[0]) - o, "%s%s", i ? "|" : "",
			      out_prom_label_value(v, sizeof(v), &s->v[i]));
	snprintf(d->l[d->n] + o, sizeof(d->l[0]) - o, " %llu", (unsigned long long)s->count);
	d->sum += s->count;
	if (d->n < 63)
		d->n++;
	return 0;
}

static struct lines L;

static void dump(struct agg *a, enum agg_family f)
{
	memset(&L, 0, sizeof(L));
	agg_foreach(a, f, one, &L);
}

#define CID "3f2a9c0b1d2e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdd0"

static void test_process_series(void **state)
{
	struct agg *a = agg_new(NULL);
	struct hs_record r;

	(void)state;
	mk(&r, OUTCOME_ESTABLISHED, "/system.slice/nginx.service", "nginx");
	agg_record(a, &r);
	mk(&r, OUTCOME_FAILED, "/system.slice/nginx.service", "nginx");
	agg_record(a, &r);
	mk(&r, OUTCOME_FAILED, "/system.slice/docker-" CID ".scope", "python3");
	agg_record(a, &r);
	mk(&r, OUTCOME_ESTABLISHED, "/user.slice/user-1000.slice/session-2.scope", "curl");
	agg_record(a, &r);
	mk(&r, OUTCOME_FAILED, "", "curl");	/* no cgroup path: the comm */
	agg_record(a, &r);
	mk(&r, OUTCOME_FAILED, NULL, NULL);	/* a remote client: no process */
	agg_record(a, &r);
	mk(&r, OUTCOME_ESTABLISHED, NULL, NULL);
	agg_record(a, &r);

	assert_int_equal(agg_records(a), 7);
	assert_int_equal(agg_no_process(a), 2);
	dump(a, AGG_PROCESSES);
	assert_int_equal(L.n, 5);
	assert_string_equal(L.l[0], "nginx.service|established|tcp 1");
	assert_string_equal(L.l[1], "nginx.service|failed|tcp 1");
	assert_string_equal(L.l[2], "docker:3f2a9c0b1d2e|failed|tcp 1");
	assert_string_equal(L.l[3], "session-2.scope|established|tcp 1");
	assert_string_equal(L.l[4], "curl|failed|tcp 1");
	assert_int_equal(L.sum + agg_no_process(a), agg_records(a));
	dump(a, AGG_PROCESS_FAILURES);
	assert_int_equal(L.n, 3);
	assert_string_equal(L.l[0], "nginx.service|no_shared_cipher|10.0.0.3|tcp 1");
	assert_string_equal(L.l[1], "docker:3f2a9c0b1d2e|no_shared_cipher|10.0.0.3|tcp 1");
	assert_string_equal(L.l[2], "curl|no_shared_cipher|10.0.0.3|tcp 1");
	agg_free(a);
}

static void test_process_cap_counted(void **state)
{
	struct agg_opts o = { 0 };
	struct agg *a;
	struct hs_record r;
	char comm[16];
	unsigned i;

	(void)state;
	o.max_series[AGG_PROCESSES] = 16;
	o.max_series[AGG_PROCESS_FAILURES] = 16;
	a = agg_new(&o);
	for (i = 0; i < 200; i++) {
		snprintf(comm, sizeof(comm), "worker-%u", i);
		mk(&r, i % 2 ? OUTCOME_FAILED : OUTCOME_ESTABLISHED, "/", comm);
		agg_record(a, &r);
	}
	assert_true(agg_series_count(a, AGG_PROCESSES) <= 16);
	assert_true(agg_series_count(a, AGG_PROCESS_FAILURES) <= 16);
	dump(a, AGG_PROCESSES);
	assert_int_equal(L.sum, 200);
	/* 13 have their own series, the rest is in other|established and other|failed */
	assert_int_equal(agg_folded(a, AGG_PROCESSES), 200 - 13);
	assert_int_equal(agg_folded(a, AGG_PROCESS_FAILURES), 100 - 13);
	dump(a, AGG_PROCESS_FAILURES);
	assert_int_equal(L.sum, 100);
	agg_free(a);
}

static char *print(struct agg *a, int process_labels)
{
	struct out_prom *o = out_prom_new("/nonexistent", a);
	struct run_stats st = { .live = 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (process_labels >= 0)
		out_prom_process_labels(o, process_labels);
	f = open_memstream(&buf, &len);
	assert_int_equal(out_prom_print(o, f, &st), 0);
	fclose(f);
	out_prom_free(o);
	return buf;
}

static void test_prom_process_labels(void **state)
{
	struct agg_opts opt = { 0 };
	struct agg *a;
	struct hs_record r;
	char *text;

	(void)state;
	opt.max_series[AGG_PROCESSES] = 8;
	a = agg_new(&opt);
	mk(&r, OUTCOME_FAILED, "/system.slice/nginx.service", "nginx");
	agg_record(a, &r);
	/* a comm is whatever the program set (prctl): 15 bytes trying to end the label */
	mk(&r, OUTCOME_FAILED, "/", "x\"} 1\n\\evil\x01");
	agg_record(a, &r);
	mk(&r, OUTCOME_ESTABLISHED, NULL, NULL);
	agg_record(a, &r);

	text = print(a, -1);	/* on by default */
	assert_non_null(strstr(text, "# TYPE tlsmon_process_handshakes_total counter\n"));
	assert_non_null(strstr(text, "\ntlsmon_process_handshakes_total{process=\"nginx.service\","
				     "outcome=\"failed\",transport=\"tcp\"} 1\n"));
	assert_non_null(strstr(text, "\ntlsmon_process_failures_total{process=\"nginx.service\","
				     "reason=\"no_shared_cipher\",server=\"10.0.0.3\","
				     "transport=\"tcp\"} 1\n"));
	assert_non_null(strstr(text, "\ntlsmon_process_handshakes_total{process=\"x\\\"} "
				     "1\\\\x0a\\\\\\\\evil\\\\x01\",outcome=\"failed\","
				     "transport=\"tcp\"} 1\n"));
	assert_non_null(strstr(text, "\ntlsmon_handshakes_without_process_total 1\n"));
	assert_non_null(strstr(text, "\ntlsmon_series_limit{family=\"processes\"} 8\n"));
	assert_non_null(strstr(text, "\ntlsmon_series_folded_total{family=\"process_failures\"} 0\n"));
	free(text);

	text = print(a, 0);	/* --no-process-labels */
	assert_null(strstr(text, "process=\""));
	assert_null(strstr(text, "tlsmon_process_"));
	assert_null(strstr(text, "family=\"process"));
	assert_null(strstr(text, "without_process"));
	assert_non_null(strstr(text, "\ntlsmon_handshakes_total{outcome=\"failed\",version=\"\","
				     "transport=\"tcp\"} 2\n"));
	free(text);
	agg_free(a);
}

/*
 * The file out_prom_write() makes, with process series of every name shape
 * and hostile bytes, as promtool's strict parser reads it (skipped when
 * promtool is not installed; tests/e2e/test_prom_*.sh check the real runs).
 */
static void test_promtool_accepts_process_series(void **state)
{
	struct agg *a = agg_new(NULL);
	struct run_stats st = { .live = 1 };
	struct hs_record r;
	static const char *const comms[] = { "curl", "x\"} 1\n#", "\\\\", "\xff\xfe\x01", "other" };
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		mk(&r, i % 2 ? OUTCOME_FAILED : OUTCOME_ESTABLISHED, "/", comms[i]);
		agg_record(a, &r);
	}
	mk(&r, OUTCOME_FAILED, "/kubepods/burstable/pod8dbc5577-d0e2-4706-8787-57d52c03ddf2/" CID,
	   "java");
	agg_record(a, &r);
	mk(&r, OUTCOME_FAILED, "/user.slice/user-1000.slice/user@1000.service/app.slice/app.scope",
	   "java");
	agg_record(a, &r);
	rc = promcheck_agg(a, &st);
	agg_free(a);
	if (rc == 1)
		skip();
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_series),
		cmocka_unit_test(test_process_cap_counted),
		cmocka_unit_test(test_prom_process_labels),
		cmocka_unit_test(test_promtool_accepts_process_series),
	};

	return cmocka_run_group_tests_name("agg_process", tests, NULL, NULL);
}
