// SPDX-License-Identifier: BSD-3-Clause
/* The dashboard's screen: panels drawn from the model, nothing else. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ui/dash_page.h"
#include "ui/dash_query.h"
#include "ui/dash_view.h"
#include "ui/dash_recent.h"
#include "ui/dash_whatif.h"
#include "ui/draw.h"
#include "ui/panel.h"
#include "lib/tls_names.h"

static const char *const view_names[V_MAX] = {
	"Overview", "Servers", "Clients", "Negotiated", "Failures", "Certs", "Processes",
};

/* ---- header, tabs, status ---- */

/*
 * Row 0, what matters at a glance: source, uptime, handshakes/s, failure
 * ratio of the last minute, events dropped, state.  Row 1: totals since the
 * start and the negotiated versions.
 */
static void header(const struct dash_view *d, const struct dash_model *m)
{
	const struct dash_header *h = &m->hdr;
	char up[32], r1[16], r2[16], rest[160], line[DRAW_ROW_MAX], v[24];
	const char *state, *src = strrchr(h->source, '/');
	uint32_t idx[DASH_MAX_CIPHERS];
	uint64_t lost = dash_model_lost(m), nego = 0;
	unsigned i, n;
	int k, sw;

	src = src && !h->live ? src + 1 : h->source;
	draw_duration(up, sizeof(up), h->now_ns > h->start_ns ? h->now_ns - h->start_ns : 0);
	draw_pct(r1, sizeof(r1), dash_model_fail_ratio(m, DASH_SECS));
	draw_pct(r2, sizeof(r2), dash_query_ratio(&m->all));
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
	draw_attr(1, A_REVERSE, 0);
	move(0, 0);
	hline(' ', COLS);
	draw_put(0, 0, COLS - (int)strlen(state) - 2, line);
	draw_attr(1, A_BOLD, d->paused ? DRAW_WARN : 0);
	draw_put(0, COLS - (int)strlen(state) - 1, COLS, state);
	draw_attr(0, A_BOLD, d->paused ? DRAW_WARN : 0);
	draw_attr(0, A_REVERSE, 0);
	if (lost) {
		/* loud when not zero */
		draw_attr(1, A_BOLD | A_REVERSE, DRAW_FAIL);
		k = strstr(line, "  dropped ") - line + 2;
		draw_put(0, k, COLS - (int)strlen(state) - 2 - k, line + k);
		draw_attr(0, A_BOLD | A_REVERSE, DRAW_FAIL);
	}

	k = snprintf(line, sizeof(line), " %llu handshakes: %llu ok, %llu failed (%s), "
		     "%llu unknown; %u open", (unsigned long long)m->all.total,
		     (unsigned long long)(m->all.total - m->all.failed - m->all.unknown),
		     (unsigned long long)m->all.failed, r2, (unsigned long long)m->all.unknown,
		     h->open);
	/* QUIC's share, when there is one: its rows end in "quic" */
	if (m->quic.total && k > 0 && (size_t)k < sizeof(line))
		k += snprintf(line + k, sizeof(line) - k, "; quic %llu (%llu failed)",
			      (unsigned long long)m->quic.total,
			      (unsigned long long)m->quic.failed);
	n = dash_query_nego(m, 0, idx);
	for (i = 0; i < n; i++)
		nego += m->versions[idx[i]].total;
	for (i = 0; i < n && i < 3 && k > 0 && (size_t)k < sizeof(line); i++)
		k += snprintf(line + k, sizeof(line) - k, "%s %s %.0f%%", i ? "," : "  |",
			      tls_version_str(m->versions[idx[i]].value, v, sizeof(v)),
			      100.0 * m->versions[idx[i]].total / nego);
	draw_put(1, 0, COLS, line);
}

/* The tabs' width: whole names, or the current one whole and the others cut to short. */
static int tabs_width(const struct dash_view *d, int shortn)
{
	int i, w = 0, n;

	for (i = 0; i < V_MAX; i++) {
		n = strlen(view_names[i]);
		w += 3 + (i == d->view || n < shortn ? n : shortn);
	}
	return w;
}

static void tabs(const struct dash_view *d)
{
	char s[96], sort[48];
	int i, x = 0, shortn = 64;

	if (d->view == V_FAILURES)
		snprintf(sort, sizeof(sort), "sort: %s", d->oldest ? "oldest" : "newest");
	else
		snprintf(sort, sizeof(sort), "sort: %s", dash_query_sort_name(d->sort));
	/* at 80 columns every name does not fit beside the sort order */
	if (tabs_width(d, shortn) + 1 + (int)strlen(sort) > COLS)
		shortn = 4;
	for (i = 0; i < V_MAX; i++) {
		snprintf(s, sizeof(s), " %d %.*s", i + 1, i == d->view ? 64 : shortn, view_names[i]);
		draw_attr(1, i == d->view ? A_REVERSE | A_BOLD : 0, 0);
		draw_put(2, x, COLS - x, s);
		draw_attr(0, i == d->view ? A_REVERSE | A_BOLD : 0, 0);
		x += strlen(s);
	}
	if (x + 2 < COLS)
		draw_put(2, x + 1, COLS - x - 1, sort);
}

static void status(const struct dash_view *d)
{
	char s[160];
	int y = LINES - 1, n = 0;

	move(y, 0);
	clrtoeol();
	if (d->editing) {
		draw_putf(y, 0, COLS, "filter (SNI, IP or reason; Enter applies, Esc cancels): %s_",
			  d->edit);
		return;
	}
	if (d->note) {
		draw_attr(1, A_BOLD, DRAW_WARN);
		draw_put(y, 0, COLS, d->note);
		draw_attr(0, A_BOLD, DRAW_WARN);
		return;
	}
	/* on the right what narrows the view, the keys get the rest */
	s[0] = 0;
	if (d->filter[0])
		n = snprintf(s, sizeof(s), "filter: %s", d->filter);
	if ((d->view != V_OVERVIEW || d->open) && d->pos_n && n >= 0 && (size_t)n < sizeof(s))
		n += snprintf(s + n, sizeof(s) - n, "%s%u-%u of %u", n ? "  " : "", d->pos_first,
			      d->pos_last, d->pos_n);
	if (n > COLS / 2)
		n = COLS / 2;
	draw_attr(1, A_BOLD, 0);
	draw_put(y, COLS - n - 1, n, s);
	draw_attr(0, A_BOLD, 0);
	draw_attr(1, A_DIM, 0);
	if (d->open)
		draw_put(y, 0, COLS - n - 2, "Esc back  arrows, PgUp, PgDn scroll  Q quit  ? help");
	else
		draw_put(y, 0, COLS - n - 2,
			 d->done ? "replay done. q quit  Enter open  Tab/1-7 views  / filter  w what-if  ? help"
				 : "q quit  Enter open  Tab/1-7 views  s sort  p pause  / filter  w what-if  ? help");
	draw_attr(0, A_DIM, 0);
}

static void help(void)
{
	static const char *const lines[] = {
		"tlsmon dashboard",
		"",
		"q          quit",
		"Tab, 1-7   views: overview, servers, clients, negotiated, failures,",
		"           certificates (TLS 1.2 and below, soonest to expire first),",
		"           processes (the programs of this host at either end)",
		"s          sort: failures, fail%, handshakes, last seen",
		"           (failures view: newest or oldest first)",
		"p          pause the screen (collection goes on); Ctrl-L redraws",
		"/          filter by SNI, IP, reason, process or quic (Enter applies,",
		"           Esc cancels, an empty filter shows all; Esc clears it)",
		"arrows, j/k, PgUp, PgDn, Home, End   move the highlighted row",
		"Enter      open it: a failure's whole handshake and timeline, a",
		"           server, a client fingerprint, a process (certificates:",
		"           their server); Esc, Backspace or q go back, Q quits",
		"w          what if: a server policy (as --what-if) on every client offer",
		"r          recent handshakes, established too: Enter opens one whole",
		"",
		"Wire strings are escaped: \\xNN is a byte that is not printable ASCII.",
		"Times are UTC.  Rates are per second over the last 10 s; the",
		"header's fail % is of the last minute, the second line's since start.",
		"any key closes this help",
	};
	int n = sizeof(lines) / sizeof(lines[0]), w = 74, y0 = (LINES - n - 2) / 2;
	int x0 = (COLS - w) / 2, i;

	draw_attr(1, A_REVERSE, 0);
	for (i = 0; i < n + 2; i++) {
		move(y0 + i, x0);
		hline(' ', w);
	}
	for (i = 0; i < n; i++)
		draw_put(y0 + 1 + i, x0 + 2, w - 4, lines[i]);
	draw_attr(0, A_REVERSE, 0);
}

int dash_view_follow(struct dash_view *d, int view, unsigned n, int rows)
{
	int *sel = &d->sel[view], *first = &d->scroll[view];

	if (rows < 1)
		rows = 1;
	if (*sel > (int)n - 1)
		*sel = (int)n - 1;
	if (*sel < 0)
		*sel = 0;
	if (*first > *sel)
		*first = *sel;
	if (*sel >= *first + rows)
		*first = *sel - rows + 1;
	/* a full page when there is enough to fill it */
	if (*first > (int)n - rows)
		*first = (int)n - rows;
	if (*first < 0)
		*first = 0;
	return *first;
}

void dash_view_selected(struct dash_view *d, int kind, const char *key, uint64_t id)
{
	d->sel_kind = kind;
	snprintf(d->sel_key, sizeof(d->sel_key), "%s", key ? key : "");
	d->sel_id = id;
}

static const char *const open_names[DASH_OPEN_MAX] = {
	"", "Handshake", "Server", "Client fingerprint", "Process",
};

/* The page open over the view: its lines from open_scroll on. */
static void page(struct dash_view *d, const struct dash_model *m)
{
	static char buf[DASH_PAGE_TEXT];
	int y = 3, rows = LINES - 4, n = 0, i;
	char *s, *e;

	dash_page(m, d->open, d->open_key, d->open_id, buf, sizeof(buf));
	for (s = buf; *s; s++)
		n += *s == '\n';
	if (d->open_scroll > n - rows)
		d->open_scroll = n - rows;
	if (d->open_scroll < 0)
		d->open_scroll = 0;
	draw_attr(1, A_REVERSE | A_BOLD, 0);
	draw_putf(2, 0, COLS, " %s  (Esc back)", open_names[d->open]);
	draw_attr(0, A_REVERSE | A_BOLD, 0);
	for (s = buf, i = 0; *s && y < 3 + rows; s = *e ? e + 1 : e, i++) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		if (i < d->open_scroll)
			continue;
		draw_putf(y++, 0, COLS, "%.*s", (int)(e - s), s);
	}
	d->pos_first = n ? d->open_scroll + 1 : 0;
	d->pos_last = d->open_scroll + (y - 3);
	d->pos_n = n;
}

void dash_view_draw(struct dash_view *d, const struct dash_model *m)
{
	int y = 3, h = LINES - 4, used;

	erase();
	if (COLS < DASH_MIN_COLS || LINES < DASH_MIN_LINES) {
		draw_putf(0, 0, COLS, "tlsmon: the terminal is %dx%d;", COLS, LINES);
		draw_putf(1, 0, COLS, "the dashboard needs %dx%d.", DASH_MIN_COLS, DASH_MIN_LINES);
		draw_put(2, 0, COLS, "q quits");
		refresh();
		return;
	}
	header(d, m);
	d->pos_n = 0;
	d->sel_kind = DASH_OPEN_NONE;
	if (d->open) {
		page(d, m);
		status(d);
		if (d->help)
			help();
		refresh();
		return;
	}
	if ((d->whatif_on && d->whatif) || d->recent_on) {
		if (d->recent_on)
			dash_recent_draw(d, m);
		else
			dash_whatif_draw(d, m);
		if (d->help)
			help();
		refresh();
		return;
	}
	switch (d->view) {
	case V_OVERVIEW: {
		int nr = panel_reasons_list(m, d->filter, (int[REASON_MAX]){ 0 });
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
	case V_PROCS:
		panel_procs(d, m, y, h);
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

int dash_view_pick_follow(struct dash_pick *p, int at, unsigned n, int rows)
{
	if (at >= 0 && p->sel == p->drawn)
		p->sel = at;
	if (rows < 1)
		rows = 1;
	if (p->sel > (int)n - 1)
		p->sel = (int)n - 1;
	if (p->sel < 0)
		p->sel = 0;
	if (p->first > p->sel)
		p->first = p->sel;
	if (p->sel >= p->first + rows)
		p->first = p->sel - rows + 1;
	if (p->first > (int)n - rows)
		p->first = (int)n - rows;
	if (p->first < 0)
		p->first = 0;
	p->drawn = p->sel;
	return p->first;
}

int dash_view_over_key(int *on, int c)
{
	switch (c) {
	case 27:
	case 'q':
	case KEY_BACKSPACE:
	case 127:
	case 8:
	case KEY_LEFT:
		*on = 0;
		return 1;
	case '\t':
	case KEY_BTAB:
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		*on = 0;	/* and on to the view */
		return 0;
	case 's':
	case 'S':
		return 1;	/* one order */
	default:
		return -1;
	}
}
