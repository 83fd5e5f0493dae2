// SPDX-License-Identifier: BSD-3-Clause
/*
 * Active verification's results, as JSON, text and Prometheus counters.
 * Every name printed is tlsmon's own (IANA suite names, result and verdict
 * names); the only wire bytes are the SNI the client sent, escaped.
 */
#include <arpa/inet.h>
#include <string.h>
#include "lib/esc.h"
#include "lib/str.h"
#include "lib/tls_names.h"
#include "output/out_verify.h"

static void accepted(struct jbuf *b, const struct verify_result *res)
{
	char x[16];
	uint16_t v;
	int i;

	jbuf_key(b, "versions");
	jbuf_arr_open(b);
	for (v = 0x0301; v <= 0x0304; v++)
		if (res->versions & (1u << (v - 0x0301)))
			jbuf_str(b, NULL, tls_version_str(v, x, sizeof(x)));
	jbuf_arr_close(b);
	jbuf_key(b, "suites");
	jbuf_arr_open(b);
	for (i = 0; i < res->n_suites; i++)
		jbuf_str(b, NULL, tls_cipher_str(res->suites[i], x, sizeof(x)));
	jbuf_arr_close(b);
	jbuf_bool(b, "suites_complete", res->suites_complete);
}

static void head(struct jbuf *b, const struct verify_result *res)
{
	jbuf_str(b, "verdict", verify_verdict_name(res->verdict));
	if (res->cause != REASON_NONE)
		jbuf_str(b, "cause", reason_name(res->cause));
	else
		jbuf_null(b, "cause");
}

void out_verify_brief(struct jbuf *b, const struct verify_result *res)
{
	jbuf_key(b, "verified");
	jbuf_obj_open(b);
	head(b, res);
	jbuf_u64(b, "record_id", res->t.record_id);
	jbuf_u64(b, "at_ns", res->end_ns);
	jbuf_key(b, "accepted");
	jbuf_obj_open(b);
	accepted(b, res);
	jbuf_obj_close(b);
	jbuf_obj_close(b);
}

void out_verify_json(struct jbuf *b, const struct verify_result *res)
{
	const struct verify_probe *p;
	char sa[INET6_ADDRSTRLEN], x[64];
	int i;

	addr_str(res->t.addr, sa, sizeof(sa));
	jbuf_obj_open(b);
	jbuf_key(b, "verified");
	jbuf_obj_open(b);
	jbuf_u64(b, "record_id", res->t.record_id);
	jbuf_str(b, "server", sa);
	jbuf_u64(b, "port", res->t.port);
	if (res->t.sni[0])
		jbuf_strn(b, "sni", res->t.sni, strlen(res->t.sni));
	else
		jbuf_null(b, "sni");
	jbuf_str(b, "reason", res->t.reason_label);
	head(b, res);
	jbuf_u64(b, "start_ns", res->start_ns);
	jbuf_u64(b, "end_ns", res->end_ns);
	jbuf_key(b, "accepted");
	jbuf_obj_open(b);
	accepted(b, res);
	jbuf_u64(b, "shared_with_client", res->shared);
	if (res->groups >= 0)
		jbuf_str(b, "client_groups", res->groups ? "accepted" : "refused");
	else
		jbuf_null(b, "client_groups");
	jbuf_obj_close(b);
	jbuf_key(b, "probes");
	jbuf_arr_open(b);
	for (i = 0; i < res->n_probes; i++) {
		p = &res->probes[i];
		jbuf_key(b, NULL);	/* the comma between elements */
		jbuf_obj_open(b);
		jbuf_str(b, "offer", p->what);
		jbuf_u64(b, "suites_offered", p->n_offered);
		jbuf_str(b, "result", verify_res_name(p->res));
		if (p->res == VERIFY_ACCEPTED) {
			jbuf_str(b, "version", tls_version_str(p->version, x, sizeof(x)));
			jbuf_str(b, "suite", tls_cipher_str(p->suite, x, sizeof(x)));
		}
		if (p->res == VERIFY_ALERT)
			jbuf_str(b, "alert", tls_alert_str(p->alert, x, sizeof(x)));
		jbuf_u64(b, "ms", p->ms);
		jbuf_obj_close(b);
	}
	jbuf_arr_close(b);
	jbuf_obj_close(b);
	jbuf_obj_close(b);
}

void out_verify_text(const struct verify_result *res, char *buf, size_t len)
{
	char sa[INET6_ADDRSTRLEN], sni[4 * TLSMON_SNI_MAX + 1], x[64];
	size_t n = 0;
	uint16_t v;
	int i;

	addr_str(res->t.addr, sa, sizeof(sa));
	n = str_catf(buf, len, n, "VERIFIED %s %s%s%s:%u sni=%s for record %llu (%s):",
		     verify_verdict_name(res->verdict), res->t.family == AF_INET6 ? "[" : "", sa,
		     res->t.family == AF_INET6 ? "]" : "", res->t.port,
		     res->t.sni[0] ? esc_term(sni, sizeof(sni), res->t.sni, strlen(res->t.sni)) : "-",
		     (unsigned long long)res->t.record_id, res->t.reason_label);
	if (res->cause != REASON_NONE)
		n = str_catf(buf, len, n, " cause %s;", reason_name(res->cause));
	if (res->versions)
		n = str_catf(buf, len, n, " accepts");
	for (v = 0x0301; v <= 0x0304; v++)
		if (res->versions & (1u << (v - 0x0301)))
			n = str_catf(buf, len, n, " %s", tls_version_str(v, x, sizeof(x)));
	for (i = 0; i < res->n_suites; i++)
		n = str_catf(buf, len, n, "%s%s", i ? "," : " with ",
			     tls_cipher_str(res->suites[i], x, sizeof(x)));
	if (res->n_suites && !res->suites_complete)
		n = str_catf(buf, len, n, " (and maybe more)");
	n = str_catf(buf, len, n, "%s %u probe%s", res->versions ? ";" : "", res->n_probes, res->n_probes == 1 ? "" : "s");
	if (res->n_probes)
		str_catf(buf, len, n, ", the client's offer: %s%s%s", verify_res_name(res->probes[0].res),
			 res->probes[0].res == VERIFY_ALERT ? " " : "",
			 res->probes[0].res == VERIFY_ALERT ?
				 tls_alert_str(res->probes[0].alert, x, sizeof(x)) : "");
}

void out_verify_prom(FILE *f, const struct verify_stats *st)
{
	int i;

	fprintf(f, "# HELP tlsmon_verify_probes_total Handshakes --verify made, by what came of them.\n"
		   "# TYPE tlsmon_verify_probes_total counter\n");
	for (i = 0; i < VERIFY_RES_MAX; i++)
		fprintf(f, "tlsmon_verify_probes_total{result=\"%s\"} %llu\n", verify_res_name(i),
			(unsigned long long)st->probes[i]);
	fprintf(f, "# HELP tlsmon_verify_runs_total Verifications finished, by verdict.\n"
		   "# TYPE tlsmon_verify_runs_total counter\n");
	for (i = 0; i < VERIFY_VERDICT_MAX; i++)
		fprintf(f, "tlsmon_verify_runs_total{verdict=\"%s\"} %llu\n", verify_verdict_name(i),
			(unsigned long long)st->verdicts[i]);
	fprintf(f, "# HELP tlsmon_verify_dropped_total Verifications asked for and not run: "
		   "the queue or the server table was full.\n"
		   "# TYPE tlsmon_verify_dropped_total counter\n"
		   "tlsmon_verify_dropped_total{why=\"queue_full\"} %llu\n"
		   "tlsmon_verify_dropped_total{why=\"table_full\"} %llu\n",
		(unsigned long long)st->dropped_queue, (unsigned long long)st->dropped_table);
	fprintf(f, "# HELP tlsmon_verify_skipped_total Verifications not run: the server was "
		   "verified within --verify-interval.\n"
		   "# TYPE tlsmon_verify_skipped_total counter\n"
		   "tlsmon_verify_skipped_total %llu\n",
		(unsigned long long)st->skipped_interval);
	fprintf(f, "# HELP tlsmon_verify_own_handshakes_total Handshakes seen on the wire that "
		   "were tlsmon's own probes (left out of every other output).\n"
		   "# TYPE tlsmon_verify_own_handshakes_total counter\n"
		   "tlsmon_verify_own_handshakes_total %llu\n",
		(unsigned long long)st->own_records);
}
