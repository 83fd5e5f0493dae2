// SPDX-License-Identifier: BSD-3-Clause
/* Recent handshakes, failed and established, each to open whole. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ui/dash_page.h"
#include "ui/dash_query.h"
#include "ui/dash_recent.h"
#include "ui/draw.h"

#define TOP 5
#define MAX_ROWS (DASH_MAX_RECENT + DASH_MAX_OK)

int dash_recent_key(struct dash_view *v, int c)
{
	return dash_view_over_key(&v->recent_on, c) > 0;
}

static int newest(const void *a, const void *b)
{
	const struct dash_failure *x = *(const struct dash_failure *const *)a;
	const struct dash_failure *y = *(const struct dash_failure *const *)b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? 1 : -1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* The kept failures and successes matching the filter, newest first. */
static unsigned gather(const struct dash_model *m, const char *filter,
		       const struct dash_failure **out, unsigned *oks)
{
	unsigned n = dash_query_failures(m, 0, filter, out), i;

	*oks = 0;
	for (i = 0; i < DASH_MAX_OK; i++) {
		const struct dash_failure *f = &m->oks[i].f;

		if (!m->oks[i].d.id || !dash_query_match_failure(f, filter))
			continue;
		out[n++] = f;
		++*oks;
	}
	qsort(out, n, sizeof(*out), newest);
	return n;
}

static void row(struct dash_view *v, const struct dash_failure *f, int y, int hl)
{
	char t[16], what[64];
	time_t s = f->ts_ns / 1000000000ull;
	int ok = f->reason == REASON_NONE;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	snprintf(what, sizeof(what), "%s", ok ? f->version : f->label);
	draw_attr(1, hl ? A_REVERSE : 0, hl ? 0 : ok ? DRAW_OK : DRAW_FAIL);
	draw_putf(y, 0, COLS, "%-8s %-4s %-24.24s %-22s %s", t, ok ? "ok" : "FAIL", what,
		  f->server, f->sni);
	draw_attr(0, hl ? A_REVERSE : 0, hl ? 0 : ok ? DRAW_OK : DRAW_FAIL);
	if (hl)
		dash_view_selected(v, DASH_OPEN_FAILURE, NULL, f->id);
}

void dash_recent_draw(struct dash_view *v, const struct dash_model *m)
{
	static const struct dash_failure *fl[MAX_ROWS];
	unsigned n, oks, i;
	int at = -1, rows = LINES - 1 - TOP, y = TOP;
	char pos[48];

	n = gather(m, v->filter, fl, &oks);
	for (i = 0; i < n && at < 0; i++)
		if (fl[i]->id == v->recent_id)
			at = i;
	dash_view_pick_follow(&v->recent, at, n, rows);
	v->recent_id = n ? fl[v->recent.sel]->id : 0;
	draw_attr(1, A_REVERSE | A_BOLD, 0);
	move(2, 0);
	hline(' ', COLS);
	draw_put(2, 0, COLS, " Recent handshakes  (newest first; Enter opens one, Esc back)");
	draw_attr(0, A_REVERSE | A_BOLD, 0);
	draw_putf(3, 0, COLS, " %u failed, %u established%s%s; %llu successes seen, %llu not kept "
		  "(over %d a second)", n - oks, oks, v->filter[0] ? " matching " : "", v->filter,
		  (unsigned long long)m->oks_total, (unsigned long long)m->oks_skipped,
		  DASH_OK_PER_SEC);
	draw_title(4, "UTC      OUTC VERSION OR REASON         SERVER                 SNI");
	if (!n)
		draw_put(TOP, 2, COLS - 2, v->filter[0] ? "no handshake kept matches the filter"
			 : "no handshake kept yet");
	for (i = v->recent.first; i < n && y < LINES - 1; i++, y++)
		row(v, fl[i], y, (int)i == v->recent.sel);
	move(LINES - 1, 0);
	clrtoeol();
	if (v->editing) {
		draw_putf(LINES - 1, 0, COLS, "filter (SNI, IP, reason or process; Enter applies, "
			  "Esc cancels): %s_", v->edit);
		return;
	}
	if (v->note) {
		draw_attr(1, A_BOLD, DRAW_WARN);
		draw_put(LINES - 1, 0, COLS, v->note);
		draw_attr(0, A_BOLD, DRAW_WARN);
		return;
	}
	draw_attr(1, A_DIM, 0);
	draw_put(LINES - 1, 0, COLS - 18, "Esc back  Enter open  / filter  Q quit  ? help");
	draw_attr(0, A_DIM, 0);
	if (!n)
		return;
	snprintf(pos, sizeof(pos), "%d-%u of %u", v->recent.first + 1,
		 v->recent.first + rows < (int)n ? v->recent.first + rows : (int)n, n);
	draw_put(LINES - 1, COLS - (int)strlen(pos) - 1, (int)strlen(pos), pos);
}
