// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "lib/esc.h"
#include "lib/str.h"
#include "lib/tls_names.h"
#include "output/jbuf.h"
#include "output/out_whatif.h"

static void json_row(struct jbuf *b, const struct whatif_policy *p, const struct whatif_row *w)
{
	const struct offer *of = w->o;
	struct jbuf_bytes v[OFFERS_MAX_SNIS > OFFERS_MAX_PROCS ? OFFERS_MAX_SNIS : OFFERS_MAX_PROCS];
	char a[64], ep[80], x[40];
	unsigned i;

	jbuf_reset(b);
	jbuf_obj_open(b);
	jbuf_str(b, "what_if", p->text);
	if (of->ja4[0])
		jbuf_str(b, "ja4", of->ja4);
	else
		jbuf_null(b, "ja4");
	jbuf_u64(b, "handshakes", of->handshakes);
	jbuf_u64(b, "failed_now", of->failed);
	jbuf_key(b, "servers");
	jbuf_arr_open(b);
	for (i = 0; i < of->n_servers; i++) {
		addr_str(of->servers[i].addr, a, sizeof(a));
		snprintf(ep, sizeof(ep), of->servers[i].family == 6 ? "[%s]:%u" : "%s:%u", a,
			 of->servers[i].port);
		jbuf_str(b, NULL, ep);
	}
	jbuf_arr_close(b);
	if (of->more_servers)
		jbuf_bool(b, "servers_more", 1);
	for (i = 0; i < of->n_snis; i++) {
		v[i].p = of->snis[i].name;
		v[i].n = of->snis[i].len;
	}
	jbuf_strv(b, "snis", v, of->n_snis);
	if (of->more_snis)
		jbuf_bool(b, "snis_more", 1);
	if (of->n_procs) {
		for (i = 0; i < of->n_procs; i++) {
			v[i].p = of->procs[i];
			v[i].n = strlen(of->procs[i]);
		}
		jbuf_strv(b, "processes", v, of->n_procs);
		if (of->more_procs)
			jbuf_bool(b, "processes_more", 1);
	}
	jbuf_bool(b, "would_fail", w->v.would_fail);
	jbuf_str(b, "reason", reason_name(w->v.reason));
	jbuf_str(b, "cause", whatif_cause_name(w->v.cause));
	if (w->v.version)
		jbuf_str(b, "version", tls_version_str(w->v.version, x, sizeof(x)));
	jbuf_obj_close(b);
	jbuf_raw(b, "\n", 1);
}

size_t out_whatif_where(const struct offer *of, char *buf, size_t len)
{
	char a[64], sni[4 * 64 + 1];
	unsigned i;
	size_t n = 0;

	for (i = 0; i < of->n_servers; i++) {
		addr_str(of->servers[i].addr, a, sizeof(a));
		n = str_catf(buf, len, n, of->servers[i].family == 6 ? "%s[%s]:%u" : "%s%s:%u",
			     i ? "," : "", a, of->servers[i].port);
	}
	n = str_catf(buf, len, n, "%s", of->more_servers ? ",+" : "");
	for (i = 0; i < of->n_snis; i++) {
		esc_term(sni, sizeof(sni), of->snis[i].name,
			 of->snis[i].len > 64 ? 64 : of->snis[i].len);
		n = str_catf(buf, len, n, "%s%s%s", i ? "," : " ", sni,
			     of->snis[i].len > 64 || of->snis[i].cut ? "..." : "");
	}
	n = str_catf(buf, len, n, "%s", of->more_snis ? ",+" : "");
	for (i = 0; i < of->n_procs; i++) {
		esc_term(sni, sizeof(sni), of->procs[i], strnlen(of->procs[i], 64));
		n = str_catf(buf, len, n, "%s%s", i ? "," : " by ", sni);
	}
	return str_catf(buf, len, n, "%s", of->more_procs ? ",+" : "");
}

static void text_head(FILE *f, const struct whatif_policy *p, const struct whatif_row *rows,
		      size_t n)
{
	uint64_t hs = 0, hs_fail = 0;
	size_t i, fail = 0;
	char e[4 * WHATIF_TEXT_MAX + 1];

	for (i = 0; i < n; i++) {
		hs += rows[i].o->handshakes;
		if (rows[i].v.would_fail) {
			fail++;
			hs_fail += rows[i].o->handshakes;
		}
	}
	fprintf(f, "what-if %s: %zu of %zu client offers would fail (%llu of %llu handshakes)\n",
		esc_term(e, sizeof(e), p->text, strlen(p->text)), fail, n,
		(unsigned long long)hs_fail, (unsigned long long)hs);
	fprintf(f, "%-7s %-17s %-17s %-8s %10s  %-36s  %s\n", "VERDICT", "REASON", "CAUSE",
		"VERSION", "HANDSHAKES", "JA4", "SERVERS SNIS [by PROCESSES]");
}

static void text_row(FILE *f, const struct whatif_row *w)
{
	char x[40], at[1024];
	const struct whatif_verdict *v = &w->v;

	out_whatif_where(w->o, at, sizeof(at));
	fprintf(f, "%-7s %-17s %-17s %-8s %10llu  %-36s  %s\n", v->would_fail ? "FAIL" : "ok",
		v->would_fail ? reason_name(v->reason) : "-",
		v->would_fail ? whatif_cause_name(v->cause) : "-",
		v->version ? tls_version_str(v->version, x, sizeof(x)) : "-",
		(unsigned long long)w->o->handshakes, w->o->ja4[0] ? w->o->ja4 : "-", at);
}

/* Live: what starts each report (report 0: none). */
static void report_head(FILE *f, struct jbuf *b, const struct out_whatif_report *h, size_t n,
			int json)
{
	time_t t = h->time_ns / 1000000000ull;
	char ts[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!json) {
		fprintf(f, "what-if report %u at %s\n", h->report, ts);
		return;
	}
	jbuf_reset(b);
	jbuf_obj_open(b);
	jbuf_u64(b, "what_if_report", h->report);
	jbuf_str(b, "time", ts);
	jbuf_u64(b, "offers", n);
	jbuf_obj_close(b);
	jbuf_raw(b, "\n", 1);
	fwrite(b->s, 1, b->len, f);
}

int out_whatif_write(FILE *f, const struct whatif_policy *p, const struct offers *o, int json,
		     const struct out_whatif_report *h)
{
	size_t i, n = offers_count(o);
	struct whatif_row *rows = calloc(n ? n : 1, sizeof(*rows));
	struct jbuf b;

	if (!rows)
		return -ENOMEM;
	n = whatif_eval_all(p, o, rows, n);
	jbuf_init(&b);
	if (h && h->report)
		report_head(f, &b, h, n, json);
	if (!json)
		text_head(f, p, rows, n);
	for (i = 0; i < n; i++) {
		if (!json) {
			text_row(f, &rows[i]);
			continue;
		}
		json_row(&b, p, &rows[i]);
		fwrite(b.s, 1, b.len, f);
	}
	free(rows);
	i = b.oom;
	jbuf_free(&b);
	return fflush(f) || ferror(f) ? -EIO : i ? -ENOMEM : 0;
}
