// SPDX-License-Identifier: BSD-3-Clause
/* The drill-down pages: a failure, a server, a client fingerprint, a process. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ui/dash_detail.h"
#include "ui/dash_page.h"
#include "ui/dash_query.h"
#include "lib/tls_names.h"

#define PAGE_FAILURES 20	/* recent failures listed on a page */
#define PAGE_GROUPS 16		/* fingerprints a server's failures are grouped by */

struct page {
	char *s;
	size_t len, n;
};

static void put(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct page *p, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (p->n + 2 >= p->len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(p->s + p->n, p->len - p->n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		k = 0;
	if ((size_t)k >= p->len - p->n - 1)
		k = p->len - p->n - 2;
	p->n += k;
	p->s[p->n++] = '\n';
	p->s[p->n] = 0;
}

void dash_page_learn(struct dash_server *s, const struct hs_record *r)
{
	unsigned i;

	if (r->outcome != OUTCOME_ESTABLISHED || !r->sh)
		return;
	s->ok++;
	if (!s->min_version || r->version < s->min_version)
		s->min_version = r->version;
	if (r->version > s->max_version)
		s->max_version = r->version;
	for (i = 0; i < s->n_ok_ciphers; i++)
		if (s->ok_ciphers[i] == r->sh->cipher)
			return;
	if (s->n_ok_ciphers < DASH_SRV_CIPHERS)
		s->ok_ciphers[s->n_ok_ciphers++] = r->sh->cipher;
}

static void hhmmss(char *buf, size_t len, uint64_t ns)
{
	time_t s = ns / 1000000000ull;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

static void counts(struct page *p, const struct dash_count *c)
{
	int r;

	put(p, "Handshakes %llu: %llu ok, %llu failed, %llu unknown",
	    (unsigned long long)c->total,
	    (unsigned long long)(c->total - c->failed - c->unknown),
	    (unsigned long long)c->failed, (unsigned long long)c->unknown);
	if (c->failed)
		put(p, "Failures by reason:");
	for (r = 1; r < REASON_MAX; r++)
		if (c->by_reason[r])
			put(p, "  %-34s %llu", r == REASON_OTHER_ALERT && c->other_label[0]
			    ? c->other_label : reason_name(r), (unsigned long long)c->by_reason[r]);
}

/* Recent failures that match: field is the server, the JA4 or the process. */
enum which { W_SERVER, W_JA4, W_PROC };

static int matches(const struct dash_failure *f, enum which w, const char *key)
{
	switch (w) {
	case W_SERVER:
		return !strcmp(f->server, key);
	case W_JA4:
		return !strcmp(f->ja4, key);
	default:
		return !strcmp(f->process, key);
	}
}

static void recent(struct page *p, const struct dash_model *m, enum which w, const char *key)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	unsigned n = dash_query_failures(m, 0, NULL, fl), i, shown = 0;
	char t[16];

	put(p, "Recent failures (newest first; Enter on a failure in view 5 shows it whole):");
	for (i = 0; i < n; i++) {
		if (!matches(fl[i], w, key))
			continue;
		if (shown++ == PAGE_FAILURES)
			continue;
		hhmmss(t, sizeof(t), fl[i]->ts_ns);
		put(p, "  %s  %-24s %s -> %s  sni %s", t, fl[i]->label, fl[i]->client,
		    fl[i]->server, fl[i]->sni);
	}
	if (!shown)
		put(p, "  none kept");
	else if (shown > PAGE_FAILURES)
		put(p, "  ... %u more", shown - PAGE_FAILURES);
}

/* A server's kept failures grouped by client fingerprint. */
static void by_fingerprint(struct page *p, const struct dash_model *m, const char *addr)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	unsigned n = dash_query_failures(m, 0, NULL, fl), i, j, ng = 0;
	struct { const char *ja4, *label; unsigned n; } g[PAGE_GROUPS];

	for (i = 0; i < n; i++) {
		const char *k = fl[i]->ja4[0] ? fl[i]->ja4 : "(no JA4)";

		if (strcmp(fl[i]->server, addr))
			continue;
		for (j = 0; j < ng && strcmp(g[j].ja4, k); j++)
			;
		if (j == ng) {
			if (ng == PAGE_GROUPS)
				continue;
			g[ng].ja4 = k;
			g[ng].label = fl[i]->label;	/* the newest one's */
			g[ng++].n = 0;
		}
		g[j].n++;
	}
	put(p, "Recent failures by client fingerprint:");
	for (j = 0; j < ng; j++)
		put(p, "  %s %u, latest %s", g[j].ja4, g[j].n, g[j].label);
	if (!ng)
		put(p, "  none kept");
}

static void server_page(struct page *p, const struct dash_model *m, const char *addr)
{
	const struct dash_server *s = NULL;
	char v1[24], v2[24], name[64];
	unsigned i, j, k, sib = 0;

	for (i = 0; i < m->n_servers && !s; i++)
		if (!strcmp(m->servers[i].addr, addr))
			s = &m->servers[i];
	put(p, "Server %s", addr);
	if (!s) {
		put(p, "no longer in the table (past its %d entries)", DASH_MAX_SERVERS);
		return;
	}
	counts(p, &s->c);
	put(p, "%s", "");
	put(p, "Names (SNI) asked of it:");
	for (i = 0; i < s->n_sni; i++)
		put(p, "  %-40s %llu handshakes, %llu failed", s->sni[i].s,
		    (unsigned long long)s->sni[i].total, (unsigned long long)s->sni[i].failed);
	put(p, "%s", "");
	if (s->ok)
		put(p, "Profile: %llu successes, versions %s .. %s; suites chosen:",
		    (unsigned long long)s->ok, tls_version_str(s->min_version, v1, sizeof(v1)),
		    tls_version_str(s->max_version, v2, sizeof(v2)));
	else
		put(p, "Profile: no success seen yet");
	for (i = 0; i < s->n_ok_ciphers; i++)
		put(p, "  0x%04x %s", s->ok_ciphers[i],
		    tls_cipher_str(s->ok_ciphers[i], name, sizeof(name)));
	put(p, "%s", "");
	by_fingerprint(p, m, addr);
	put(p, "%s", "");
	recent(p, m, W_SERVER, addr);
	put(p, "%s", "");
	put(p, "Siblings (other servers asked for the same names):");
	for (i = 0; i < m->n_servers; i++) {
		const struct dash_server *o = &m->servers[i];
		int same = 0;

		if (o == s)
			continue;
		for (j = 0; j < s->n_sni && !same; j++)
			for (k = 0; k < o->n_sni && !same; k++)
				same = strcmp(s->sni[j].s, "-") && !strcmp(s->sni[j].s, o->sni[k].s);
		if (!same)
			continue;
		sib++;
		put(p, "  %-28s %llu handshakes, %llu failed%s%s", o->addr,
		    (unsigned long long)o->c.total, (unsigned long long)o->c.failed,
		    o->c.failed ? ", mostly " : "", dash_query_main_reason(&o->c));
	}
	if (!sib)
		put(p, "  none seen");
}

static void client_page(struct page *p, const struct dash_model *m, const char *key)
{
	const struct dash_client *c = NULL;
	unsigned i;

	for (i = 0; i < m->n_clients && !c; i++)
		if (!strcmp(m->clients[i].key, key))
			c = &m->clients[i];
	put(p, "Client fingerprint %s", key);
	if (!c) {
		put(p, "no longer in the table (past its %d entries)", DASH_MAX_CLIENTS);
		return;
	}
	put(p, "Offers %s", c->profile);
	put(p, "Latest client address %s", c->last_client);
	counts(p, &c->c);
	put(p, "%s", "");
	put(p, "Servers it reached:");
	for (i = 0; i < c->n_srv; i++)
		put(p, "  %-28s %llu handshakes, %llu failed", c->srv[i].addr,
		    (unsigned long long)c->srv[i].total, (unsigned long long)c->srv[i].failed);
	put(p, "%s", "");
	recent(p, m, W_JA4, key);
}

static void proc_page(struct page *p, const struct dash_model *m, const char *name)
{
	const struct dash_proc *pr = NULL;
	unsigned i;

	for (i = 0; i < m->n_procs && !pr; i++)
		if (!strcmp(m->procs[i].name, name))
			pr = &m->procs[i];
	put(p, "Process %s", name);
	if (!pr) {
		put(p, "no longer in the table (past its %d entries)", DASH_MAX_PROCS);
		return;
	}
	put(p, "Latest %s", pr->latest);
	counts(p, &pr->c);
	put(p, "%s", "");
	recent(p, m, W_PROC, name);
}

static void failure_page(struct page *p, const struct dash_model *m, uint64_t id)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	const struct dash_detail *d = dash_detail_find(m, id);
	unsigned n, i;

	if (d) {
		put(p, "%s", d->text);
		return;
	}
	/* pushed out of the details: what the failures ring still holds */
	n = dash_query_failures(m, 0, NULL, fl);
	for (i = 0; i < n && fl[i]->id != id; i++)
		;
	if (i == n) {
		put(p, "Handshake #%llu is no longer kept", (unsigned long long)id);
		return;
	}
	put(p, "%s %s -> %s  sni %s", fl[i]->label, fl[i]->client, fl[i]->server, fl[i]->sni);
	put(p, "%s", fl[i]->why);
	put(p, "(the whole detail is kept for the latest %d failures only)", DASH_MAX_DETAILS);
}

size_t dash_page(const struct dash_model *m, enum dash_open kind, const char *key, uint64_t id,
		 char *buf, size_t len)
{
	struct page p = { buf, len, 0 };

	if (!len)
		return 0;
	buf[0] = 0;
	switch (kind) {
	case DASH_OPEN_FAILURE:
		failure_page(&p, m, id);
		break;
	case DASH_OPEN_SERVER:
		server_page(&p, m, key);
		break;
	case DASH_OPEN_CLIENT:
		client_page(&p, m, key);
		break;
	case DASH_OPEN_PROC:
		proc_page(&p, m, key);
		break;
	default:
		break;
	}
	return p.n;
}
