// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the dashboard asks of its model: lists filtered and sorted for a
 * panel, a count's main reason and ratio, a server's SNI to show.  Reads a
 * struct dash_model, never changes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ui/dash_query.h"
#include "ui/dash_view.h"
#include "model/record.h"
#include "model/cert.h"

const char *dash_query_main_reason(const struct dash_count *c)
{
	int i, best = 0;

	for (i = 1; i < REASON_MAX; i++)
		if (c->by_reason[i] > c->by_reason[best])
			best = i;
	if (!best || !c->by_reason[best])
		return "";
	if (best == REASON_OTHER_ALERT && c->other_label[0])
		return c->other_label;
	return reason_name(best);
}

double dash_query_ratio(const struct dash_count *c)
{
	uint64_t settled = c->total - c->unknown;

	return settled ? (double)c->failed / settled : -1;
}

/* Does the filter name a reason this count failed with? */
static int match_reasons(const struct dash_count *c, const char *f)
{
	int i;

	for (i = 1; i < REASON_MAX; i++)
		if (c->by_reason[i] && strcasestr(reason_name(i), f))
			return 1;
	return c->other_label[0] && strcasestr(c->other_label, f);
}

const struct dash_sni *dash_query_server_sni(const struct dash_server *s)
{
	const struct dash_sni *best = NULL;
	unsigned i;

	for (i = 0; i < s->n_sni; i++)
		if (!best || s->sni[i].failed > best->failed ||
		    (s->sni[i].failed == best->failed && s->sni[i].total > best->total))
			best = &s->sni[i];
	return best;
}

void dash_query_findings_text(char *buf, size_t len, uint32_t findings)
{
	size_t n = 0;
	unsigned i;

	if (len)
		buf[0] = 0;
	for (i = 0; i < CERT_F_MAX && n < len; i++)
		if (findings & (1u << i))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", cert_finding_name(i));
}

static int cert_matches(const struct dash_cert *c, const char *f)
{
	char fs[160];

	if (!f || !f[0])
		return 1;
	dash_query_findings_text(fs, sizeof(fs), c->findings);
	return strstr(c->server, f) || strstr(c->sni, f) || strstr(c->cn, f) || strstr(fs, f);
}

static const struct dash_model *cert_sort_model;

static int cert_cmp(const void *a, const void *b)
{
	const struct dash_cert *x = &cert_sort_model->certs[*(const uint32_t *)a];
	const struct dash_cert *y = &cert_sort_model->certs[*(const uint32_t *)b];

	/* unknown expiry last; ties: the most recently seen first */
	if ((x->not_after == 0) != (y->not_after == 0))
		return x->not_after == 0 ? 1 : -1;
	if (x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	return x->last_ns > y->last_ns ? -1 : x->last_ns < y->last_ns;
}

unsigned dash_query_certs(const struct dash_model *m, const char *filter, uint32_t *idx)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < m->n_certs; i++)
		if (cert_matches(&m->certs[i], filter))
			idx[n++] = i;
	cert_sort_model = m;
	qsort(idx, n, sizeof(*idx), cert_cmp);
	return n;
}

const char *dash_query_sort_name(enum dash_sort s)
{
	static const char *const names[DASH_SORT_MAX] = {
		[DASH_SORT_FAILED] = "failures",
		[DASH_SORT_RATIO] = "fail%",
		[DASH_SORT_TOTAL] = "handshakes",
		[DASH_SORT_RECENT] = "last seen",
	};

	return s < DASH_SORT_MAX ? names[s] : "?";
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;	/* larger first */
}

static int cmp_count(const struct dash_count *a, uint64_t la, const struct dash_count *b,
		     uint64_t lb, enum dash_sort s)
{
	double ra = dash_query_ratio(a), rb = dash_query_ratio(b);
	int c = 0;

	switch (s) {
	case DASH_SORT_RATIO:
		c = ra < rb ? 1 : ra > rb ? -1 : 0;
		break;
	case DASH_SORT_TOTAL:
		c = cmp_u64(a->total, b->total);
		break;
	case DASH_SORT_RECENT:
		c = cmp_u64(la, lb);
		break;
	default:
		break;
	}
	if (!c)
		c = cmp_u64(a->failed, b->failed);
	if (!c)
		c = cmp_u64(a->total, b->total);
	return c;
}

struct sort_ctx {
	const struct dash_model *m;
	enum dash_sort s;
};

static int cmp_server(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *k = arg;
	const struct dash_server *a = &k->m->servers[*(const uint32_t *)x];
	const struct dash_server *b = &k->m->servers[*(const uint32_t *)y];
	int c = cmp_count(&a->c, a->last_ns, &b->c, b->last_ns, k->s);

	return c ? c : strcmp(a->addr, b->addr);
}

static int cmp_client(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *k = arg;
	const struct dash_client *a = &k->m->clients[*(const uint32_t *)x];
	const struct dash_client *b = &k->m->clients[*(const uint32_t *)y];
	int c = cmp_count(&a->c, a->last_ns, &b->c, b->last_ns, k->s);

	return c ? c : strcmp(a->key, b->key);
}

int dash_query_match_server(const struct dash_server *s, const char *f)
{
	unsigned i;

	if (!f || !*f || strcasestr(s->addr, f) || match_reasons(&s->c, f))
		return 1;
	for (i = 0; i < s->n_sni; i++)
		if (strcasestr(s->sni[i].s, f))
			return 1;
	return 0;
}

int dash_query_match_client(const struct dash_client *c, const char *f)
{
	unsigned i;

	if (!f || !*f || strcasestr(c->key, f) || strcasestr(c->profile, f) ||
	    strcasestr(c->last_client, f) || match_reasons(&c->c, f))
		return 1;
	for (i = 0; i < c->n_srv; i++)
		if (strcasestr(c->srv[i].addr, f))
			return 1;
	return 0;
}

int dash_query_match_failure(const struct dash_failure *x, const char *f)
{
	return !f || !*f || strcasestr(x->label, f) || strcasestr(x->client, f) ||
	       strcasestr(x->server, f) || strcasestr(x->sni, f) || strcasestr(x->ja4, f) ||
	       strcasestr(x->process, f);
}

int dash_query_match_proc(const struct dash_proc *p, const char *f)
{
	return !f || !*f || strcasestr(p->name, f) || strcasestr(p->latest, f) ||
	       strcasestr(p->last_failed, f) || match_reasons(&p->c, f);
}

static int cmp_proc(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *k = arg;
	const struct dash_proc *a = &k->m->procs[*(const uint32_t *)x];
	const struct dash_proc *b = &k->m->procs[*(const uint32_t *)y];
	int c = cmp_count(&a->c, a->last_ns, &b->c, b->last_ns, k->s);

	return c ? c : strcmp(a->name, b->name);
}

unsigned dash_query_procs(const struct dash_model *m, enum dash_sort s, const char *filter,
			  uint32_t *idx)
{
	struct sort_ctx k = { m, s };
	unsigned i, n = 0;

	for (i = 0; i < m->n_procs; i++)
		if (dash_query_match_proc(&m->procs[i], filter))
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_proc, &k);
	return n;
}

unsigned dash_query_servers(const struct dash_model *m, enum dash_sort s, const char *filter,
			    uint32_t *idx)
{
	struct sort_ctx k = { m, s };
	unsigned i, n = 0;

	for (i = 0; i < m->n_servers; i++)
		if (dash_query_match_server(&m->servers[i], filter))
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_server, &k);
	return n;
}

unsigned dash_query_clients(const struct dash_model *m, enum dash_sort s, const char *filter,
			    uint32_t *idx)
{
	struct sort_ctx k = { m, s };
	unsigned i, n = 0;

	for (i = 0; i < m->n_clients; i++)
		if (dash_query_match_client(&m->clients[i], filter))
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_client, &k);
	return n;
}

unsigned dash_query_failures(const struct dash_model *m, int oldest, const char *filter,
			     const struct dash_failure **out)
{
	uint64_t have = m->recent_total < DASH_MAX_RECENT ? m->recent_total : DASH_MAX_RECENT;
	const struct dash_failure *f;
	unsigned k, n = 0;

	for (k = 0; k < have; k++) {
		/* newest is just before the head */
		f = &m->recent[(m->recent_head + DASH_MAX_RECENT - 1 - k) % DASH_MAX_RECENT];
		if (dash_query_match_failure(f, filter))
			out[n++] = f;
	}
	for (k = 0; oldest && k < n / 2; k++) {
		f = out[k];
		out[k] = out[n - 1 - k];
		out[n - 1 - k] = f;
	}
	return n;
}

static int cmp_nego(const void *x, const void *y, void *arg)
{
	const struct dash_nego *t = arg;
	const struct dash_nego *a = &t[*(const uint32_t *)x], *b = &t[*(const uint32_t *)y];
	int c = cmp_u64(a->total, b->total);

	return c ? c : (a->value > b->value) - (a->value < b->value);
}

unsigned dash_query_nego(const struct dash_model *m, int ciphers, uint32_t *idx)
{
	const struct dash_nego *t = ciphers ? m->ciphers : m->versions;
	unsigned i, n = ciphers ? m->n_ciphers : m->n_versions;

	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_nego, (void *)t);
	return n;
}

int dash_query_find(const struct dash_model *m, int view, enum dash_sort s, int oldest,
		    const char *filter, const char *key, uint64_t id)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	static uint32_t idx[DASH_MAX_SERVERS];
	unsigned n, i;

	switch (view) {
	case V_OVERVIEW:
	case V_FAILURES:
		n = dash_query_failures(m, view == V_FAILURES && oldest, filter, fl);
		for (i = 0; i < n; i++)
			if (fl[i]->id == id)
				return i;
		return -1;
	case V_SERVERS:
		n = dash_query_servers(m, s, filter, idx);
		for (i = 0; i < n; i++)
			if (!strcmp(m->servers[idx[i]].addr, key))
				return i;
		return -1;
	case V_CLIENTS:
		n = dash_query_clients(m, s, filter, idx);
		for (i = 0; i < n; i++)
			if (!strcmp(m->clients[idx[i]].key, key))
				return i;
		return -1;
	case V_PROCS:
		n = dash_query_procs(m, s, filter, idx);
		for (i = 0; i < n; i++)
			if (!strcmp(m->procs[idx[i]].name, key))
				return i;
		return -1;
	default:
		/* certificates: a server's may be several rows (SNIs); negotiated: no rows */
		return -1;
	}
}
