// SPDX-License-Identifier: BSD-3-Clause
/* The dashboard's screen: panels drawn from the model, nothing else. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ui/dash_view.h"
#include "lib/tls_names.h"

#define ROW_MAX 512

static const char *const view_names[V_MAX] = {
	"Overview", "Servers", "Clients", "Negotiated", "Failures", "Certs",
};

enum { C_FAIL = 1, C_OK, C_WARN, C_TITLE };

void dash_view_colors(void)
{
	if (!has_colors())
		return;
	start_color();
	use_default_colors();
	init_pair(C_FAIL, COLOR_RED, -1);
	init_pair(C_OK, COLOR_GREEN, -1);
	init_pair(C_WARN, COLOR_YELLOW, -1);
	init_pair(C_TITLE, COLOR_CYAN, -1);
}

/* ---- drawing helpers ---- */

/* At most w columns of s at (y, x); anything but printable ASCII shows as '?'. */
static void put(int y, int x, int w, const char *s)
{
	char buf[ROW_MAX];
	int i;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	if (w > COLS - x)
		w = COLS - x;
	for (i = 0; i < w && i < ROW_MAX - 1 && s[i]; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	mvaddnstr(y, x, buf, i);
}

static void putf(int y, int x, int w, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void putf(int y, int x, int w, const char *fmt, ...)
{
	char buf[ROW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(y, x, w, buf);
}

static void attr(int on, int a, int pair)
{
	if (pair && has_colors())
		a |= COLOR_PAIR(pair);
	if (on)
		attron(a);
	else
		attroff(a);
}

/* A table row built column by column: cut values end in '~'. */
struct row {
	char s[ROW_MAX];
	int n, w;
};

static void row_init(struct row *r, int w)
{
	r->n = 0;
	r->w = w < ROW_MAX - 1 ? w : ROW_MAX - 1;
	r->s[0] = 0;
}

static void row_col(struct row *r, const char *s, int w, int right)
{
	int len = strlen(s), k, pad;

	if (w > r->w - r->n)
		w = r->w - r->n;
	if (w <= 0)
		return;
	k = len > w ? w : len;
	pad = w - k;
	if (right) {
		memset(r->s + r->n, ' ', pad);
		r->n += pad;
	}
	memcpy(r->s + r->n, s, k);
	if (len > w)
		r->s[r->n + k - 1] = '~';
	r->n += k;
	if (!right) {
		memset(r->s + r->n, ' ', pad);
		r->n += pad;
	}
	if (r->n < r->w)
		r->s[r->n++] = ' ';
	r->s[r->n] = 0;
}

static void row_colf(struct row *r, int w, int right, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void row_colf(struct row *r, int w, int right, const char *fmt, ...)
{
	char buf[ROW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	row_col(r, buf, w, right);
}

static void pct(char *buf, size_t len, double ratio)
{
	if (ratio < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", ratio * 100);
}

static void duration(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull;

	if (s >= 86400)
		snprintf(buf, len, "%llud %02llu:%02llu:%02llu", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

/* The last w seconds of a series as a sparkline, scaled to its own peak. */
static void spark(const struct dash_view *d, const struct dash_model *m, int y, int x, int w,
		  int what)
{
	static const char *const blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
					      "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
					      "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[] = ".:-=+*#@";
	uint32_t v[DASH_SECS], max = 0;
	int i, lv;

	if (w > DASH_SECS)
		w = DASH_SECS;
	if (w <= 0)
		return;
	dash_model_series(m, what, v, w);
	for (i = 0; i < w; i++)
		if (v[i] > max)
			max = v[i];
	move(y, x);
	for (i = 0; i < w; i++) {
		if (!v[i]) {
			addch(' ');
			continue;
		}
		lv = (int)(((uint64_t)v[i] * 8 + max - 1) / max) - 1;
		if (d->utf8)
			addstr(blocks[lv]);
		else
			addch(ascii[lv]);
	}
}

/* Widest of the values, bounded. */
static int widest(int cur, const char *s, int max)
{
	int n = strlen(s);

	if (n > cur)
		cur = n;
	return cur > max ? max : cur;
}

static void title(int y, const char *s)
{
	attr(1, A_BOLD, C_TITLE);
	put(y, 0, COLS, s);
	attr(0, A_BOLD, C_TITLE);
}

/* ---- header, tabs, status ---- */

/*
 * Row 0, what matters at a glance: source, uptime, handshakes/s, failure
 * ratio of the last minute, events dropped, state.  Row 1: totals since the
 * start and the negotiated versions.
 */
static void header(const struct dash_view *d, const struct dash_model *m)
{
	const struct dash_header *h = &m->hdr;
	char up[32], r1[16], r2[16], rest[160], line[ROW_MAX], v[24];
	const char *state, *src = strrchr(h->source, '/');
	uint32_t idx[DASH_MAX_CIPHERS];
	uint64_t lost = dash_model_lost(m), nego = 0;
	unsigned i, n;
	int k, sw;

	src = src && !h->live ? src + 1 : h->source;
	duration(up, sizeof(up), h->now_ns > h->start_ns ? h->now_ns - h->start_ns : 0);
	pct(r1, sizeof(r1), dash_model_fail_ratio(m, DASH_SECS));
	pct(r2, sizeof(r2), dash_count_ratio(&m->all));
	if (d->paused)
		state = "PAUSED";
	else if (h->live)
		state = "LIVE";
	else
		state = d->done ? "REPLAYED" : "REPLAYING";
	k = snprintf(rest, sizeof(rest), "  %s %s  %.1f hs/s  fail %s  dropped %llu",
		     h->live ? "up" : "span", up,
		     dash_model_rate(m, DASH_S_HANDSHAKES, DASH_RATE_SECS), r1,
		     (unsigned long long)lost);
	if (lost && k > 0 && (size_t)k < sizeof(rest))
		snprintf(rest + k, sizeof(rest) - k, " (ring buffer %llu)",
			 (unsigned long long)h->lost_ringbuf);
	/* the source gives way first */
	sw = COLS - 1 - (int)strlen(rest) - (int)strlen(state) - 3;
	if (sw < 4)
		sw = 4;
	if ((int)strlen(src) > sw)
		snprintf(line, sizeof(line), " %.*s~%s", sw - 1, src, rest);
	else
		snprintf(line, sizeof(line), " %s%s", src, rest);
	attr(1, A_REVERSE, 0);
	move(0, 0);
	hline(' ', COLS);
	put(0, 0, COLS - (int)strlen(state) - 2, line);
	attr(1, A_BOLD, d->paused ? C_WARN : 0);
	put(0, COLS - (int)strlen(state) - 1, COLS, state);
	attr(0, A_BOLD, d->paused ? C_WARN : 0);
	attr(0, A_REVERSE, 0);
	if (lost) {
		/* loud when not zero */
		attr(1, A_BOLD | A_REVERSE, C_FAIL);
		k = strstr(line, "  dropped ") - line + 2;
		put(0, k, COLS - (int)strlen(state) - 2 - k, line + k);
		attr(0, A_BOLD | A_REVERSE, C_FAIL);
	}

	k = snprintf(line, sizeof(line), " %llu handshakes: %llu ok, %llu failed (%s), "
		     "%llu unknown; %u open", (unsigned long long)m->all.total,
		     (unsigned long long)(m->all.total - m->all.failed - m->all.unknown),
		     (unsigned long long)m->all.failed, r2, (unsigned long long)m->all.unknown,
		     h->open);
	n = dash_model_nego(m, 0, idx);
	for (i = 0; i < n; i++)
		nego += m->versions[idx[i]].total;
	for (i = 0; i < n && i < 3 && k > 0 && (size_t)k < sizeof(line); i++)
		k += snprintf(line + k, sizeof(line) - k, "%s %s %.0f%%", i ? "," : "  |",
			      tls_version_str(m->versions[idx[i]].value, v, sizeof(v)),
			      100.0 * m->versions[idx[i]].total / nego);
	put(1, 0, COLS, line);
}

static void tabs(const struct dash_view *d)
{
	char s[96];
	int i, x = 0;

	for (i = 0; i < V_MAX; i++) {
		snprintf(s, sizeof(s), " %d %s", i + 1, view_names[i]);
		attr(1, i == d->view ? A_REVERSE | A_BOLD : 0, 0);
		put(2, x, COLS - x, s);
		attr(0, i == d->view ? A_REVERSE | A_BOLD : 0, 0);
		x += strlen(s);
	}
	if (d->view == V_FAILURES)
		snprintf(s, sizeof(s), "sort: %s", d->oldest ? "oldest" : "newest");
	else
		snprintf(s, sizeof(s), "sort: %s", dash_sort_name(d->sort));
	if (x + 2 < COLS)
		put(2, x + 1, COLS - x - 1, s);
}

static void status(const struct dash_view *d)
{
	char s[160];
	int y = LINES - 1, n = 0;

	move(y, 0);
	clrtoeol();
	if (d->editing) {
		putf(y, 0, COLS, "filter (SNI, IP or reason; Enter applies, Esc cancels): %s_",
		     d->edit);
		return;
	}
	if (d->note) {
		attr(1, A_BOLD, C_WARN);
		put(y, 0, COLS, d->note);
		attr(0, A_BOLD, C_WARN);
		return;
	}
	/* on the right what narrows the view, the keys get the rest */
	s[0] = 0;
	if (d->filter[0])
		n = snprintf(s, sizeof(s), "filter: %s", d->filter);
	if (d->view != V_OVERVIEW && d->pos_n && n >= 0 && (size_t)n < sizeof(s))
		n += snprintf(s + n, sizeof(s) - n, "%s%u-%u of %u", n ? "  " : "", d->pos_first,
			      d->pos_last, d->pos_n);
	if (n > COLS / 2)
		n = COLS / 2;
	attr(1, A_BOLD, 0);
	put(y, COLS - n - 1, n, s);
	attr(0, A_BOLD, 0);
	attr(1, A_DIM, 0);
	put(y, 0, COLS - n - 2, d->done ? "replay done. q quit  Tab/1-6 views  s sort  / filter  ? help"
					: "q quit  Tab/1-6 views  s sort  p pause  / filter  ? help");
	attr(0, A_DIM, 0);
}

static void shown(struct dash_view *d, unsigned first, unsigned end, unsigned n)
{
	d->pos_first = n ? first + 1 : 0;
	d->pos_last = end;
	d->pos_n = n;
}

/* ---- panels; each draws into rows [y, y + h) and returns the rows used ---- */

static unsigned reasons_list(const struct dash_model *m, const char *f, int *out)
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

static int panel_reasons(const struct dash_view *d, const struct dash_model *m, int y, int h)
{
	int rs[REASON_MAX], sw = COLS - 28 - 9 - 9 - 1, i;
	unsigned n = reasons_list(m, d->filter, rs);
	struct row r;

	if (sw > DASH_SECS)
		sw = DASH_SECS;
	row_init(&r, COLS);
	row_col(&r, "FAILURES BY REASON", 28, 0);
	row_col(&r, "TOTAL", 8, 1);
	row_col(&r, "RATE/S", 8, 1);
	row_colf(&r, sw, 0, "last %d s", sw);
	title(y, r.s);
	if (!n)
		put(y + 1, 2, COLS - 2, m->all.total ? "no failures" : "waiting for handshakes...");
	for (i = 0; i < (int)n && i < h - 1; i++) {
		row_init(&r, COLS);
		row_col(&r, reason_name(rs[i]), 28, 0);
		row_colf(&r, 8, 1, "%llu", (unsigned long long)m->all.by_reason[rs[i]]);
		row_colf(&r, 8, 1, "%.1f", dash_model_rate(m, rs[i], DASH_RATE_SECS));
		attr(1, 0, C_FAIL);
		put(y + 1 + i, 0, COLS, r.s);
		attr(0, 0, C_FAIL);
		spark(d, m, y + 1 + i, r.n, sw, rs[i]);
	}
	return 1 + (n ? (int)n < h - 1 ? (int)n : h - 1 : 1);
}

/* The server's main SNI, and how many others when there is room for it. */
static void sni_text(char *buf, size_t len, const struct dash_server *s, int w)
{
	const struct dash_sni *e = dash_server_sni(s);
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
static int panel_servers(struct dash_view *d, const struct dash_model *m, int y, int h,
			 int detail)
{
	static uint32_t idx[DASH_MAX_SERVERS];
	unsigned n = dash_model_servers(m, d->sort, d->filter, idx), i;
	int aw = 6, rw = 11, hs = COLS >= 100, used = 1, first = 0, sw;
	char sni[DASH_NAME + 16], p[16];
	const struct dash_server *s;
	struct row r;

	if (detail) {
		if (d->scroll[V_SERVERS] > (int)n - (h - 1))
			d->scroll[V_SERVERS] = (int)n - (h - 1);
		if (d->scroll[V_SERVERS] < 0)
			d->scroll[V_SERVERS] = 0;
		first = d->scroll[V_SERVERS];
	}
	for (i = first; i < n && (int)(i - first) < h - 1; i++) {
		aw = widest(aw, m->servers[idx[i]].addr, 40);
		rw = widest(rw, dash_count_main_reason(&m->servers[idx[i]].c), 32);
	}
	sw = COLS - (aw + 1) - (hs ? 8 : 0) - 7 - 7 - (rw + 1) - 1;
	row_init(&r, COLS);
	row_col(&r, "SERVER", aw, 0);
	row_col(&r, "SNI", sw, 0);
	if (hs)
		row_col(&r, "HS", 7, 1);
	row_col(&r, "FAILED", 6, 1);
	row_col(&r, "FAIL%", 6, 1);
	row_col(&r, "MAIN REASON", rw, 0);
	title(y, r.s);
	if (!n)
		put(y + 1, 2, COLS - 2, d->filter[0] ? "no server matches the filter" : "no servers yet");
	for (i = first; i < n && used < h; i++, used++) {
		s = &m->servers[idx[i]];
		sni_text(sni, sizeof(sni), s, sw);
		pct(p, sizeof(p), dash_count_ratio(&s->c));
		row_init(&r, COLS);
		row_col(&r, s->addr, aw, 0);
		row_col(&r, sni, sw, 0);
		if (hs)
			row_colf(&r, 7, 1, "%llu", (unsigned long long)s->c.total);
		row_colf(&r, 6, 1, "%llu", (unsigned long long)s->c.failed);
		row_col(&r, p, 6, 1);
		row_col(&r, dash_count_main_reason(&s->c), rw, 0);
		attr(1, 0, s->c.failed ? C_FAIL : 0);
		put(y + used, 0, COLS, r.s);
		attr(0, 0, s->c.failed ? C_FAIL : 0);
	}
	if (detail)
		shown(d, first, i, n);
	if (detail && used < h && !d->filter[0] && m->servers_other.total) {
		pct(p, sizeof(p), dash_count_ratio(&m->servers_other));
		putf(y + used++, 0, COLS, "(other servers, past the table's %d) %llu handshakes, "
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

static int panel_clients(struct dash_view *d, const struct dash_model *m, int y, int h,
			 int detail)
{
	static uint32_t idx[DASH_MAX_CLIENTS];
	unsigned n = dash_model_clients(m, d->sort, d->filter, idx), i;
	int per = detail ? 3 : 1, hs = COLS >= 100, used = 1, first = 0, kw = 36;
	char p[16], line[ROW_MAX];
	const struct dash_client *c;
	struct row r;

	if (detail) {
		if (d->scroll[V_CLIENTS] > (int)n - (h - 1) / per)
			d->scroll[V_CLIENTS] = (int)n - (h - 1) / per;
		if (d->scroll[V_CLIENTS] < 0)
			d->scroll[V_CLIENTS] = 0;
		first = d->scroll[V_CLIENTS];
		for (i = first; i < n; i++)
			kw = widest(kw, m->clients[idx[i]].key, 48);
	}
	row_init(&r, COLS);
	row_col(&r, "CLIENT FINGERPRINT (JA4)", kw, 0);
	if (hs)
		row_col(&r, "HS", 7, 1);
	row_col(&r, "FAILED", 6, 1);
	row_col(&r, "FAIL%", 6, 1);
	row_col(&r, "MAIN REASON", COLS, 0);
	title(y, r.s);
	if (!n)
		put(y + 1, 2, COLS - 2, d->filter[0] ? "no client matches the filter" : "no clients yet");
	for (i = first; i < n && used + per <= h; i++) {
		c = &m->clients[idx[i]];
		pct(p, sizeof(p), dash_count_ratio(&c->c));
		row_init(&r, COLS);
		row_col(&r, c->key, kw, 0);
		if (hs)
			row_colf(&r, 7, 1, "%llu", (unsigned long long)c->c.total);
		row_colf(&r, 6, 1, "%llu", (unsigned long long)c->c.failed);
		row_col(&r, p, 6, 1);
		row_col(&r, dash_count_main_reason(&c->c), COLS, 0);
		attr(1, 0, c->c.failed ? C_FAIL : 0);
		put(y + used++, 0, COLS, r.s);
		attr(0, 0, c->c.failed ? C_FAIL : 0);
		if (detail) {
			putf(y + used++, 0, COLS, "    offers %s; last from %s", c->profile,
			     c->last_client);
			client_servers(line, sizeof(line), c);
			put(y + used++, 0, COLS, line);
		}
	}
	if (detail)
		shown(d, first, i, n);
	if (detail && used < h && !d->filter[0] && m->clients_other.total)
		putf(y + used++, 0, COLS, "(other fingerprints, past the table's %d) %llu handshakes, "
		     "%llu failed", DASH_MAX_CLIENTS, (unsigned long long)m->clients_other.total,
		     (unsigned long long)m->clients_other.failed);
	return n ? used : 2;
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

static int panel_failures(struct dash_view *d, const struct dash_model *m, int y, int h,
			  int detail)
{
	static const struct dash_failure *fl[DASH_MAX_RECENT];
	unsigned n = dash_model_failures(m, detail && d->oldest, d->filter, fl), i;
	int used = 1, lw = 16, aw = 9, first = 0, k, lines;
	const struct dash_failure *f;
	const char *w;
	char t[16];
	struct row r;

	if (detail) {
		if (d->scroll[V_FAILURES] > (int)n - 1)
			d->scroll[V_FAILURES] = (int)n - 1;
		if (d->scroll[V_FAILURES] < 0)
			d->scroll[V_FAILURES] = 0;
		first = d->scroll[V_FAILURES];
	}
	for (i = first; i < n && (int)(i - first) < h; i++) {
		lw = widest(lw, fl[i]->label, 32);
		aw = widest(aw, fl[i]->server, 40);
	}
	row_init(&r, COLS);
	row_colf(&r, 8, 0, "UTC");
	row_col(&r, "RECENT FAILURES", lw, 0);
	row_col(&r, "SERVER", aw, 0);
	row_col(&r, "SNI", COLS, 0);
	title(y, r.s);
	if (!n)
		put(y + 1, 2, COLS - 2, d->filter[0] ? "no failure matches the filter" : "no failures yet");
	for (i = first; i < n && used < h; i++) {
		f = fl[i];
		hhmmss(t, sizeof(t), f->ts_ns);
		row_init(&r, COLS);
		row_col(&r, t, 8, 0);
		row_col(&r, f->label, lw, 0);
		row_col(&r, f->server, aw, 0);
		row_col(&r, f->sni, COLS, 0);
		attr(1, 0, C_FAIL);
		put(y + used++, 0, COLS, r.s);
		attr(0, 0, C_FAIL);
		if (!detail)
			continue;
		/* the evidence, wrapped to two lines at most, then who */
		for (w = f->why, lines = 0; *w && lines < 2 && used < h; lines++) {
			k = wrap(w, COLS - 6);
			putf(y + used++, 0, COLS, "      %.*s", k, w);
			w += k;
			while (*w == ' ')
				w++;
		}
		if (used < h)
			putf(y + used++, 0, COLS, "      from %s%s%s%s%s%s%s", f->client,
			     f->version[0] ? "  " : "", f->version, f->alpn[0] ? "  alpn " : "",
			     f->alpn, f->ja4[0] ? "  ja4 " : "", f->ja4);
	}
	if (detail)
		shown(d, first, i, n);
	return n ? used : 2;
}

/* Server certificates seen in clear, soonest to expire first; client ones summed. */
static int panel_certs(struct dash_view *d, const struct dash_model *m, int y, int h)
{
	static uint32_t idx[DASH_MAX_CERTS];
	unsigned n = dash_model_certs(m, d->filter, idx), i;
	int aw = 6, sw, cw, fw = 16, used = 1, first, k;
	int64_t now = m->now_ns / 1000000000ull, days;
	char exp[16], dl[24], fs[256];
	const struct dash_cert *c;
	struct row r;
	struct tm tm;
	time_t t;

	sw = 3;
	cw = 10;
	for (i = 0; i < n; i++) {
		aw = widest(aw, m->certs[idx[i]].server, 24);
		sw = widest(sw, m->certs[idx[i]].sni, 24);
		cw = widest(cw, m->certs[idx[i]].cn, 28);
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
	if (d->scroll[V_CERTS] > (int)n - (h - 3))
		d->scroll[V_CERTS] = (int)n - (h - 3);
	if (d->scroll[V_CERTS] < 0)
		d->scroll[V_CERTS] = 0;
	first = d->scroll[V_CERTS];
	row_init(&r, COLS);
	row_col(&r, "SERVER", aw, 0);
	row_col(&r, "SNI", sw, 0);
	row_col(&r, "SUBJECT CN", cw, 0);
	row_col(&r, "EXPIRES", 10, 0);
	row_col(&r, "DAYS", 6, 1);
	row_col(&r, "FINDINGS", fw, 0);
	title(y, r.s);
	if (!n)
		put(y + 1, 2, COLS - 2, d->filter[0] ? "no certificate matches the filter"
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
		dash_findings_text(fs, sizeof(fs), c->findings);
		row_init(&r, COLS);
		row_col(&r, c->server, aw, 0);
		row_col(&r, c->sni, sw, 0);
		row_col(&r, c->cn[0] ? c->cn : "-", cw, 0);
		row_col(&r, exp[0] ? exp : "?", 10, 0);
		row_col(&r, dl, 6, 1);
		row_col(&r, fs[0] ? fs : "-", fw, 0);
		k = c->findings ? C_FAIL : (c->not_after && c->not_after - now < 30 * 86400 ? C_WARN : 0);
		attr(1, 0, k);
		put(y + used, 0, COLS, r.s);
		attr(0, 0, k);
	}
	shown(d, first, i, n);
	if (m->certs_other && used < h - 1)
		putf(y + used++, 0, COLS, "(%llu server/SNI pairs pushed out past the table's %d)",
		     (unsigned long long)m->certs_other, DASH_MAX_CERTS);
	for (i = 0, k = 0, fs[0] = 0; i < CERT_F_MAX && k < (int)sizeof(fs); i++)
		if (m->client_findings[i])
			k += snprintf(fs + k, sizeof(fs) - k, "%s %s %llu", k ? "," : "",
				      cert_finding_name(i), (unsigned long long)m->client_findings[i]);
	putf(y + h - 1, 0, COLS, "client certificates: %s", k ? fs : "no finding");
	return used;
}

static int panel_nego(struct dash_view *d, const struct dash_model *m, int y, int h)
{
	static uint32_t idx[DASH_MAX_CIPHERS];
	const struct dash_header *hd = &m->hdr;
	int used = 0, c, first;
	uint64_t sum;
	unsigned n, i;
	char v[48], p[16];
	const char *name;
	struct row r;

	for (c = 0; c < 2; c++) {
		const struct dash_nego *t = c ? m->ciphers : m->versions;

		n = dash_model_nego(m, c, idx);
		for (sum = 0, i = 0; i < n; i++)
			sum += t[idx[i]].total;
		row_init(&r, COLS);
		row_col(&r, c ? "NEGOTIATED CIPHER" : "NEGOTIATED VERSION", 44, 0);
		row_col(&r, "HS", 8, 1);
		row_col(&r, "FAILED", 8, 1);
		row_col(&r, "SHARE", 7, 1);
		title(y + used++, r.s);
		if (!n)
			put(y + used++, 2, COLS - 2, "no ServerHello yet");
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
			pct(p, sizeof(p), (double)t[idx[i]].total / sum);
			row_init(&r, COLS);
			row_col(&r, name, 44, 0);
			row_colf(&r, 8, 1, "%llu", (unsigned long long)t[idx[i]].total);
			row_colf(&r, 8, 1, "%llu", (unsigned long long)t[idx[i]].failed);
			row_col(&r, p, 7, 1);
			put(y + used++, 0, COLS, r.s);
		}
		if (c)
			shown(d, first, i, n);
	}
	if (m->nego_other.total)
		putf(y + used++, 0, COLS, "(other versions and ciphers past the tables) %llu",
		     (unsigned long long)m->nego_other.total);
	used++;
	title(y + used++, "COUNTED LOSSES (nothing is dropped silently)");
	putf(y + used++, 0, COLS, "ring buffer full %llu   flow map full %llu   malformed events %llu",
	     (unsigned long long)hd->lost_ringbuf, (unsigned long long)hd->lost_flow_full,
	     (unsigned long long)hd->lost_malformed);
	putf(y + used++, 0, COLS, "connection cap %llu   reassembly %llu   frames not read %llu",
	     (unsigned long long)hd->lost_conns, (unsigned long long)hd->lost_reasm,
	     (unsigned long long)hd->lost_frames);
	return used;
}

static void help(void)
{
	static const char *const lines[] = {
		"tlsmon dashboard",
		"",
		"q          quit",
		"Tab, 1-6   views: overview, servers, clients, negotiated, failures,",
		"           certificates (TLS 1.2 and below, soonest to expire first)",
		"s          sort: failures, fail%, handshakes, last seen",
		"           (failures view: newest or oldest first)",
		"p          pause the screen (collection goes on)",
		"/          filter by SNI, IP or reason (Enter applies, Esc",
		"           cancels, an empty filter shows all; Esc clears it)",
		"arrows, PgUp, PgDn, Home, End   scroll",
		"Ctrl-L     redraw",
		"",
		"Wire strings are escaped: \\xNN is a byte that is not printable ASCII.",
		"Times are UTC.  Rates are per second over the last 10 s; the",
		"header's fail % is of the last minute, the second line's since start.",
		"",
		"any key closes this help",
	};
	int n = sizeof(lines) / sizeof(lines[0]), w = 74, y0 = (LINES - n - 2) / 2;
	int x0 = (COLS - w) / 2, i;

	attr(1, A_REVERSE, 0);
	for (i = 0; i < n + 2; i++) {
		move(y0 + i, x0);
		hline(' ', w);
	}
	for (i = 0; i < n; i++)
		put(y0 + 1 + i, x0 + 2, w - 4, lines[i]);
	attr(0, A_REVERSE, 0);
}

void dash_view_draw(struct dash_view *d, const struct dash_model *m)
{
	int y = 3, h = LINES - 4, used;

	erase();
	if (COLS < DASH_MIN_COLS || LINES < DASH_MIN_LINES) {
		putf(0, 0, COLS, "tlsmon: the terminal is %dx%d;", COLS, LINES);
		putf(1, 0, COLS, "the dashboard needs %dx%d.", DASH_MIN_COLS, DASH_MIN_LINES);
		put(2, 0, COLS, "q quits");
		refresh();
		return;
	}
	header(d, m);
	d->pos_n = 0;
	switch (d->view) {
	case V_OVERVIEW: {
		int nr = reasons_list(m, d->filter, (int[REASON_MAX]){ 0 });
		int hr = 1 + (nr ? nr : 1), rest;

		if (hr > h * 3 / 10 + 1)
			hr = h * 3 / 10 + 1;
		used = panel_reasons(d, m, y, hr);
		y += used;
		rest = LINES - 1 - y;
		panel_servers(d, m, y, rest * 35 / 100, 0);
		y += rest * 35 / 100;
		panel_clients(d, m, y, rest * 25 / 100, 0);
		y += rest * 25 / 100;
		panel_failures(d, m, y, LINES - 1 - y, 0);
		break;
	}
	case V_SERVERS:
		panel_servers(d, m, y, h, 1);
		break;
	case V_CLIENTS:
		panel_clients(d, m, y, h, 1);
		break;
	case V_NEGO:
		panel_nego(d, m, y, h);
		break;
	case V_CERTS:
		panel_certs(d, m, y, h);
		break;
	default:
		panel_failures(d, m, y, h, 1);
		break;
	}
	tabs(d);
	status(d);
	if (d->help)
		help();
	refresh();
}
