// SPDX-License-Identifier: BSD-3-Clause
/*
 * The dashboard's panels: reasons, servers, clients, recent failures,
 * certificates, negotiated versions and ciphers, local processes.  Each draws into rows
 * [y, y + h) of the screen from a dash_model and returns the rows used.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ui/dash_page.h"
#include "ui/dash_query.h"
#include "ui/draw.h"
#include "ui/panel.h"
#include "lib/tls_names.h"

void panel_shown(struct dash_view *d, unsigned first, unsigned end, unsigned n)
{
	d->pos_first = n ? first + 1 : 0;
	d->pos_last = end;
	d->pos_n = n;
}

/* Row i of a list: highlighted when selected (and it is what Enter opens). */
static int hl(struct dash_view *d, int view, unsigned i, int kind, const char *key, uint64_t id)
{
	if ((int)i != d->sel[view])
		return 0;
	dash_view_selected(d, kind, key, id);
	return A_REVERSE;
}

/* ---- panels; each draws into rows [y, y + h) and returns the rows used ---- */

unsigned panel_reasons_list(const struct dash_model *m, const char *f, int *out)
{
	unsigned n = 0, i, j;
	int r, t;

	for (r = 1; r < REASON_MAX; r++)
		if (m->all.by_reason[r] && (!*f || strcasestr(reason_name(r), f)))
			out[n++] = r;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && m->all.by_reason[out[j]] > m->all.by_reason[out[j - 1]]; j--) {
			t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

int panel_reasons(const struct dash_view *d, const struct dash_model *m, int y, int h)
{
	int rs[REASON_MAX], sw = COLS - 28 - 9 - 9 - 1, i;
	unsigned n = panel_reasons_list(m, d->filter, rs);
	struct draw_row r;

	if (sw > DASH_SECS)
		sw = DASH_SECS;
	draw_row_init(&r, COLS);
	draw_row_col(&r, "FAILURES BY REASON", 28, 0);
	draw_row_col(&r, "TOTAL", 8, 1);
	draw_row_col(&r, "RATE/S", 8, 1);
	draw_row_colf(&r, sw, 0, "last %d s", sw);
	draw_title(y, r.s);
	if (!n)
		draw_put(y + 1, 2, COLS - 2, m->all.total ? "no failures" : "waiting for handshakes...");
	for (i = 0; i < (int)n && i < h - 1; i++) {
		draw_row_init(&r, COLS);
		draw_row_col(&r, reason_name(rs[i]), 28, 0);
		draw_row_colf(&r, 8, 1, "%llu", (unsigned long long)m->all.by_reason[rs[i]]);
		draw_row_colf(&r, 8, 1, "%.1f", dash_model_rate(m, rs[i], DASH_RATE_SECS));
		draw_attr(1, 0, DRAW_FAIL);
		draw_put(y + 1 + i, 0, COLS, r.s);
		draw_attr(0, 0, DRAW_FAIL);
		draw_spark(d, m, y + 1 + i, r.n, sw, rs[i]);
	}
	return 1 + (n ? (int)n < h - 1 ? (int)n : h - 1 : 1);
}

/* The server's main SNI, and how many others when there is room for it. */
static void sni_text(char *buf, size_t len, const struct dash_server *s, int w)
{
	const struct dash_sni *e = dash_query_server_sni(s);
	unsigned others = s->n_sni ? s->n_sni - 1 : 0;
	int n;

	if (!e) {
		snprintf(buf, len, "-");
		return;
	}
	n = snprintf(buf, len, "%s", e->s);
	if ((others || s->sni_more) && n + 8 <= w)
		snprintf(buf + n, len - n, " (+%u%s)", others, s->sni_more ? "+" : "");
}

/* Servers, from entry `first` of the sorted list; two lines each when detail. */
int panel_servers(struct dash_view *d, const struct dash_model *m, int y, int h,
		  int detail)
{
	static uint32_t idx[DASH_MAX_SERVERS];
	unsigned n = dash_query_servers(m, d->sort, d->filter, idx), i;
	int aw = 6, rw = 11, hs = COLS >= 100, used = 1, first = 0, sw, a;
	char sni[DASH_NAME + 16], p[16];
	const struct dash_server *s;
	struct draw_row r;

	if (detail)
		first = dash_view_follow(d, V_SERVERS, n, h - 1);
	for (i = first; i < n && (int)(i - first) < h - 1; i++) {
		/* room for a v6 address and its " quic" */
		aw = draw_widest(aw, m->servers[idx[i]].addr, 48);
		rw = draw_widest(rw, dash_query_main_reason(&m->servers[idx[i]].c), 32);
	}
	sw = COLS - (aw + 1) - (hs ? 8 : 0) - 7 - 7 - (rw + 1) - 1;
	draw_row_init(&r, COLS);
	draw_row_col(&r, "SERVER", aw, 0);
	draw_row_col(&r, "SNI", sw, 0);
	if (hs)
		draw_row_col(&r, "HS", 7, 1);
	draw_row_col(&r, "FAILED", 6, 1);
	draw_row_col(&r, "FAIL%", 6, 1);
	draw_row_col(&r, "MAIN REASON", rw, 0);
	draw_title(y, r.s);
	if (!n)
		draw_put(y + 1, 2, COLS - 2, d->filter[0] ? "no server matches the filter" : "no servers yet");
	for (i = first; i < n && used < h; i++, used++) {
		s = &m->servers[idx[i]];
		a = detail ? hl(d, V_SERVERS, i, DASH_OPEN_SERVER, s->addr, 0) : 0;
		sni_text(sni, sizeof(sni), s, sw);
		draw_pct(p, sizeof(p), dash_query_ratio(&s->c));
		draw_row_init(&r, COLS);
		draw_row_col(&r, s->addr, aw, 0);
		draw_row_col(&r, sni, sw, 0);
		if (hs)
			draw_row_colf(&r, 7, 1, "%llu", (unsigned long long)s->c.total);
		draw_row_colf(&r, 6, 1, "%llu", (unsigned long long)s->c.failed);
		draw_row_col(&r, p, 6, 1);
		draw_row_col(&r, dash_query_main_reason(&s->c), rw, 0);
		draw_attr(1, a, s->c.failed ? DRAW_FAIL : 0);
		draw_put(y + used, 0, COLS, r.s);
		draw_attr(0, a, s->c.failed ? DRAW_FAIL : 0);
	}
	if (detail)
		panel_shown(d, first, i, n);
	if (detail && used < h && !d->filter[0] && m->servers_other.total) {
		draw_pct(p, sizeof(p), dash_query_ratio(&m->servers_other));
		draw_putf(y + used++, 0, COLS, "(other servers, past the table's %d) %llu handshakes, "
		     "%llu failed, %s", DASH_MAX_SERVERS, (unsigned long long)m->servers_other.total,
		     (unsigned long long)m->servers_other.failed, p);
	}
	return n ? used : 2;
}

/* Where a fingerprint fails and where it does not. */
static void client_servers(char *buf, size_t len, const struct dash_client *c)
{
	size_t k;
	unsigned i;

	k = snprintf(buf, len, "    failed/handshakes at");
	for (i = 0; i < c->n_srv && k < len; i++)
		k += snprintf(buf + k, len - k, "%s %s %llu/%llu", i ? "," : "", c->srv[i].addr,
			      (unsigned long long)c->srv[i].failed,
			      (unsigned long long)c->srv[i].total);
}

int panel_clients(struct dash_view *d, const struct dash_model *m, int y, int h,
		  int detail)
{
	static uint32_t idx[DASH_MAX_CLIENTS];
	unsigned n = dash_query_clients(m, d->sort, d->filter, idx), i;
	int per = detail ? 3 : 1, hs = COLS >= 100, used = 1, first = 0, kw = 36, a;
	char p[16], line[DRAW_ROW_MAX];
	const struct dash_client *c;
	struct draw_row r;

	if (detail) {
		first = dash_view_follow(d, V_CLIENTS, n, (h - 1) / per);
		for (i = first; i < n; i++)
			kw = draw_widest(kw, m->clients[idx[i]].key, 48);
	}
	draw_row_init(&r, COLS);
	draw_row_col(&r, "CLIENT FINGERPRINT (JA4)", kw, 0);
	if (hs)
		draw_row_col(&r, "HS", 7, 1);
	draw_row_col(&r, "FAILED", 6, 1);
	draw_row_col(&r, "FAIL%", 6, 1);
	draw_row_col(&r, "MAIN REASON", COLS, 0);
	draw_title(y, r.s);
	if (!n)
		draw_put(y + 1, 2, COLS - 2, d->filter[0] ? "no client matches the filter" : "no clients yet");
	for (i = first; i < n && used + per <= h; i++) {
		c = &m->clients[idx[i]];
		a = detail ? hl(d, V_CLIENTS, i, DASH_OPEN_CLIENT, c->key, 0) : 0;
		draw_pct(p, sizeof(p), dash_query_ratio(&c->c));
		draw_row_init(&r, COLS);
		draw_row_col(&r, c->key, kw, 0);
		if (hs)
			draw_row_colf(&r, 7, 1, "%llu", (unsigned long long)c->c.total);
		draw_row_colf(&r, 6, 1, "%llu", (unsigned long long)c->c.failed);
		draw_row_col(&r, p, 6, 1);
		draw_row_col(&r, dash_query_main_reason(&c->c), COLS, 0);
		draw_attr(1, a, c->c.failed ? DRAW_FAIL : 0);
		draw_put(y + used++, 0, COLS, r.s);
		draw_attr(0, a, c->c.failed ? DRAW_FAIL : 0);
		if (detail) {
			draw_putf(y + used++, 0, COLS, "    offers %s; last from %s", c->profile,
				  c->last_client);
			client_servers(line, sizeof(line), c);
			draw_put(y + used++, 0, COLS, line);
		}
	}
	if (detail)
		panel_shown(d, first, i, n);
	if (detail && used < h && !d->filter[0] && m->clients_other.total)
		draw_putf(y + used++, 0, COLS, "(other fingerprints, past the table's %d) %llu handshakes, "
		     "%llu failed", DASH_MAX_CLIENTS, (unsigned long long)m->clients_other.total,
		     (unsigned long long)m->clients_other.failed);
	return n ? used : 2;
}

/* Programs of this host, two lines each: the counts, then who and where it last failed. */
int panel_procs(struct dash_view *d, const struct dash_model *m, int y, int h)
{
	static uint32_t idx[DASH_MAX_PROCS];
	unsigned n = dash_query_procs(m, d->sort, d->filter, idx), i;
	int used = 1, first, nw = 24, rw = 11, a;
	const struct dash_proc *p;
	struct draw_row r;
	char pct[16];

	/* the last row says what has no program */
	first = dash_view_follow(d, V_PROCS, n, (h - 2) / 2);
	for (i = first; i < n; i++) {
		nw = draw_widest(nw, m->procs[idx[i]].name, 48);
		rw = draw_widest(rw, dash_query_main_reason(&m->procs[idx[i]].c), 32);
	}
	draw_row_init(&r, COLS);
	draw_row_col(&r, "PROCESS", nw, 0);
	draw_row_col(&r, "HS", 7, 1);
	draw_row_col(&r, "FAILED", 6, 1);
	draw_row_col(&r, "FAIL%", 6, 1);
	draw_row_col(&r, "MAIN REASON", rw, 0);
	draw_title(y, r.s);
	if (!n)
		draw_put(y + used++, 2, COLS - 2, d->filter[0] ? "no process matches the filter"
			 : "no handshake of a program of this host yet");
	for (i = first; i < n && used + 2 < h; i++) {
		p = &m->procs[idx[i]];
		a = hl(d, V_PROCS, i, DASH_OPEN_PROC, p->name, 0);
		draw_pct(pct, sizeof(pct), dash_query_ratio(&p->c));
		draw_row_init(&r, COLS);
		draw_row_col(&r, p->name, nw, 0);
		draw_row_colf(&r, 7, 1, "%llu", (unsigned long long)p->c.total);
		draw_row_colf(&r, 6, 1, "%llu", (unsigned long long)p->c.failed);
		draw_row_col(&r, pct, 6, 1);
		draw_row_col(&r, dash_query_main_reason(&p->c), rw, 0);
		draw_attr(1, a, p->c.failed ? DRAW_FAIL : 0);
		draw_put(y + used++, 0, COLS, r.s);
		draw_attr(0, a, p->c.failed ? DRAW_FAIL : 0);
		draw_putf(y + used++, 0, COLS, "    %s%s%s", p->latest,
			  p->last_failed[0] ? "; last failed at " : "", p->last_failed);
	}
	panel_shown(d, first, i, n);
	if (used + 1 < h && !d->filter[0] && m->procs_other.total)
		draw_putf(y + used++, 0, COLS, "(other processes, past the table's %d) %llu "
			  "handshakes, %llu failed", DASH_MAX_PROCS,
			  (unsigned long long)m->procs_other.total,
			  (unsigned long long)m->procs_other.failed);
	draw_putf(y + h - 1, 0, COLS, "without a local process: %llu handshakes (both ends "
		  "remote, or start not seen)", (unsigned long long)m->no_proc);
	return h;
}

static void hhmmss(char *buf, size_t len, uint64_t ns)
{
	time_t s = ns / 1000000000ull;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

/* Words of s that fit in w columns from *pos; returns the length to print. */
static int wrap(const char *s, int w)
{
	int n = strlen(s), k;

	if (n <= w)
		return n;
	for (k = w; k > w / 2; k--)
		if (s[k] == ' ')
			return k;
	return w;
}

int panel_failures(struct dash_view *d, const struct dash_model *m, int y, int h,
		   int detail)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	unsigned n = dash_query_failures(m, detail && d->oldest, d->filter, fl), i;
	int used = 1, lw = 16, aw = 9, first = 0, k, lines, a, view = detail ? V_FAILURES : V_OVERVIEW;
	const struct dash_failure *f;
	const char *w;
	char t[16];
	struct draw_row r;

	/* five rows at most per failure in its view: the selected one stays on screen */
	first = dash_view_follow(d, view, n, detail ? (h - 1) / 5 : h - 1);
	for (i = first; i < n && (int)(i - first) < h; i++) {
		lw = draw_widest(lw, fl[i]->label, 32);
		aw = draw_widest(aw, fl[i]->server, 48);
	}
	draw_row_init(&r, COLS);
	draw_row_colf(&r, 8, 0, "UTC");
	draw_row_col(&r, "RECENT FAILURES", lw, 0);
	draw_row_col(&r, "SERVER", aw, 0);
	draw_row_col(&r, "SNI", COLS, 0);
	draw_title(y, r.s);
	if (!n)
		draw_put(y + 1, 2, COLS - 2, d->filter[0] ? "no failure matches the filter" : "no failures yet");
	for (i = first; i < n && used < h; i++) {
		f = fl[i];
		a = hl(d, view, i, DASH_OPEN_FAILURE, NULL, f->id);
		hhmmss(t, sizeof(t), f->ts_ns);
		draw_row_init(&r, COLS);
		draw_row_col(&r, t, 8, 0);
		draw_row_col(&r, f->label, lw, 0);
		draw_row_col(&r, f->server, aw, 0);
		draw_row_col(&r, f->sni, COLS, 0);
		draw_attr(1, a, DRAW_FAIL);
		draw_put(y + used++, 0, COLS, r.s);
		draw_attr(0, a, DRAW_FAIL);
		if (!detail)
			continue;
		/* the evidence, wrapped to two lines at most, then who */
		for (w = f->why, lines = 0; *w && lines < 2 && used < h; lines++) {
			k = wrap(w, COLS - 6);
			draw_putf(y + used++, 0, COLS, "      %.*s", k, w);
			w += k;
			while (*w == ' ')
				w++;
		}
		if (used < h)
			draw_putf(y + used++, 0, COLS, "      from %s%s%s%s%s%s%s", f->client,
				  f->version[0] ? "  " : "", f->version, f->alpn[0] ? "  alpn " : "",
				  f->alpn, f->ja4[0] ? "  ja4 " : "", f->ja4);
		if (used < h && f->process[0])
			draw_putf(y + used++, 0, COLS, "      process %s (%s)", f->process,
				  f->proc_who);
	}
	if (detail)
		panel_shown(d, first, i, n);
	return n ? used : 2;
}

/* Server certificates seen in clear, soonest to expire first; client ones summed. */
int panel_certs(struct dash_view *d, const struct dash_model *m, int y, int h)
{
	static uint32_t idx[DASH_MAX_CERTS];
	unsigned n = dash_query_certs(m, d->filter, idx), i;
	int aw = 6, sw, cw, fw = 16, used = 1, first, k, a;
	int64_t now = m->now_ns / 1000000000ull, days;
	char exp[16], dl[24], fs[256];
	const struct dash_cert *c;
	struct draw_row r;
	struct tm tm;
	time_t t;

	sw = 3;
	cw = 10;
	for (i = 0; i < n; i++) {
		aw = draw_widest(aw, m->certs[idx[i]].server, 24);
		sw = draw_widest(sw, m->certs[idx[i]].sni, 24);
		cw = draw_widest(cw, m->certs[idx[i]].cn, 28);
	}
	/* past server, expiry and days: SNI and CN as wide as they need (up to a
	 * point), the findings the rest, 16 columns at the least */
	k = COLS - (aw + 1) - 11 - 7 - 3;
	while (k - sw - cw < 16 && (sw > 12 || cw > 12)) {
		if (cw >= sw)
			cw--;
		else
			sw--;
	}
	fw = k - sw - cw;
	first = dash_view_follow(d, V_CERTS, n, h - 3);
	draw_row_init(&r, COLS);
	draw_row_col(&r, "SERVER", aw, 0);
	draw_row_col(&r, "SNI", sw, 0);
	draw_row_col(&r, "SUBJECT CN", cw, 0);
	draw_row_col(&r, "EXPIRES", 10, 0);
	draw_row_col(&r, "DAYS", 6, 1);
	draw_row_col(&r, "FINDINGS", fw, 0);
	draw_title(y, r.s);
	if (!n)
		draw_put(y + 1, 2, COLS - 2, d->filter[0] ? "no certificate matches the filter"
			 : "no certificate seen yet (TLS 1.2 and below "
						       "send them in clear; TLS 1.3 does not)");
	for (i = first; i < n && used < h - 2; i++, used++) {
		c = &m->certs[idx[i]];
		t = c->not_after;
		exp[0] = dl[0] = 0;
		if (c->not_after && gmtime_r(&t, &tm)) {
			strftime(exp, sizeof(exp), "%Y-%m-%d", &tm);
			days = (c->not_after - now) / 86400;
			snprintf(dl, sizeof(dl), "%lld", (long long)days);
		}
		dash_query_findings_text(fs, sizeof(fs), c->findings);
		draw_row_init(&r, COLS);
		draw_row_col(&r, c->server, aw, 0);
		draw_row_col(&r, c->sni, sw, 0);
		draw_row_col(&r, c->cn[0] ? c->cn : "-", cw, 0);
		draw_row_col(&r, exp[0] ? exp : "?", 10, 0);
		draw_row_col(&r, dl, 6, 1);
		draw_row_col(&r, fs[0] ? fs : "-", fw, 0);
		k = c->findings ? DRAW_FAIL : (c->not_after && c->not_after - now < 30 * 86400 ? DRAW_WARN : 0);
		a = hl(d, V_CERTS, i, DASH_OPEN_SERVER, c->server, 0);
		draw_attr(1, a, k);
		draw_put(y + used, 0, COLS, r.s);
		draw_attr(0, a, k);
	}
	panel_shown(d, first, i, n);
	if (m->certs_other && used < h - 1)
		draw_putf(y + used++, 0, COLS, "(%llu server/SNI pairs pushed out past the table's %d)",
			  (unsigned long long)m->certs_other, DASH_MAX_CERTS);
	for (i = 0, k = 0, fs[0] = 0; i < CERT_F_MAX && k < (int)sizeof(fs); i++)
		if (m->client_findings[i])
			k += snprintf(fs + k, sizeof(fs) - k, "%s %s %llu", k ? "," : "",
				      cert_finding_name(i), (unsigned long long)m->client_findings[i]);
	draw_putf(y + h - 1, 0, COLS, "client certificates: %s", k ? fs : "no finding");
	return used;
}

int panel_nego(struct dash_view *d, const struct dash_model *m, int y, int h)
{
	static uint32_t idx[DASH_MAX_CIPHERS];
	const struct dash_header *hd = &m->hdr;
	int used = 0, c, first;
	uint64_t sum;
	unsigned n, i;
	char v[48], p[16];
	const char *name;
	struct draw_row r;

	for (c = 0; c < 2; c++) {
		const struct dash_nego *t = c ? m->ciphers : m->versions;

		n = dash_query_nego(m, c, idx);
		for (sum = 0, i = 0; i < n; i++)
			sum += t[idx[i]].total;
		draw_row_init(&r, COLS);
		draw_row_col(&r, c ? "NEGOTIATED CIPHER" : "NEGOTIATED VERSION", 44, 0);
		draw_row_col(&r, "HS", 8, 1);
		draw_row_col(&r, "FAILED", 8, 1);
		draw_row_col(&r, "SHARE", 7, 1);
		draw_title(y + used++, r.s);
		if (!n)
			draw_put(y + used++, 2, COLS - 2, "no ServerHello yet");
		first = 0;
		if (c) {
			/* the cipher list scrolls; the rest stays */
			if (d->scroll[V_NEGO] > (int)n - 1)
				d->scroll[V_NEGO] = (int)n - 1;
			if (d->scroll[V_NEGO] < 0)
				d->scroll[V_NEGO] = 0;
			first = d->scroll[V_NEGO];
		}
		/* versions are few; ciphers get the rest but the losses' 5 rows */
		for (i = first; i < n && used < (c ? h - 5 : 7); i++) {
			/* the name, or hex in v */
			name = c ? tls_cipher_str(t[idx[i]].value, v, sizeof(v))
				 : tls_version_str(t[idx[i]].value, v, sizeof(v));
			draw_pct(p, sizeof(p), (double)t[idx[i]].total / sum);
			draw_row_init(&r, COLS);
			draw_row_col(&r, name, 44, 0);
			draw_row_colf(&r, 8, 1, "%llu", (unsigned long long)t[idx[i]].total);
			draw_row_colf(&r, 8, 1, "%llu", (unsigned long long)t[idx[i]].failed);
			draw_row_col(&r, p, 7, 1);
			draw_put(y + used++, 0, COLS, r.s);
		}
		if (c)
			panel_shown(d, first, i, n);
	}
	if (m->nego_other.total)
		draw_putf(y + used++, 0, COLS, "(other versions and ciphers past the tables) %llu",
			  (unsigned long long)m->nego_other.total);
	used++;
	draw_title(y + used++, "COUNTED LOSSES (nothing is dropped silently)");
	draw_putf(y + used++, 0, COLS,
		  "ring buffer full %llu   flow map full %llu   malformed events %llu",
		  (unsigned long long)hd->lost_ringbuf, (unsigned long long)hd->lost_flow_full,
		  (unsigned long long)hd->lost_malformed);
	draw_putf(y + used++, 0, COLS, "connection cap %llu   reassembly %llu   frames not read %llu",
		  (unsigned long long)hd->lost_conns, (unsigned long long)hd->lost_reasm,
		  (unsigned long long)hd->lost_frames);
	return used;
}
