// SPDX-License-Identifier: BSD-3-Clause
/* The what-if view: a policy typed in, every client offer judged, failing first. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/tls_names.h"
#include "output/out_whatif.h"
#include "ui/dash_page.h"
#include "ui/dash_recent.h"
#include "ui/dash_whatif.h"
#include "ui/draw.h"

#define TOP 5			/* the first row of the list */

struct dash_whatif {
	const struct offers *o;
	struct whatif_policy pol;
	int have;			/* pol holds a policy */
	int editing;
	int bad;			/* edit holds a policy refused: offered again to fix */
	char edit[WHATIF_TEXT_MAX];
	struct whatif_row *rows;	/* judged, then filtered */
	size_t n, cap;
	struct dash_pick pick;
	const struct offer *sel_o;	/* the highlighted offer, at the last draw */
};

struct dash_whatif *dash_whatif_new(const struct offers *o, const struct whatif_policy *p)
{
	struct dash_whatif *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->o = o;
	if (p) {
		w->pol = *p;
		w->have = 1;
	}
	return w;
}

void dash_whatif_free(struct dash_whatif *w)
{
	if (!w)
		return;
	free(w->rows);
	free(w);
}

int *dash_whatif_sel(struct dash_whatif *w)
{
	return &w->pick.sel;
}

void dash_whatif_prompt(struct dash_view *v)
{
	struct dash_whatif *w = v->whatif;

	v->whatif_on = 1;
	w->editing = 1;
	if (!w->bad)
		snprintf(w->edit, sizeof(w->edit), "%s", w->have ? w->pol.text : "");
	w->bad = 0;
}

/* Enter on the prompt: the policy, or why not in note (the old one stays). */
static void evaluate(struct dash_whatif *w, char *note, size_t len)
{
	static struct whatif_policy p;	/* a few kB: not on the stack */
	char err[512];

	w->editing = 0;
	if (!w->edit[0])
		return;
	if (whatif_parse(w->edit, &p, err, sizeof(err))) {
		snprintf(note, len, "what-if: %s", err);
		w->bad = 1;
		return;
	}
	w->pol = p;
	w->have = 1;
	memset(&w->pick, 0, sizeof(w->pick));
	w->sel_o = NULL;
}

static int edit_key(struct dash_whatif *w, int c, char *note, size_t len)
{
	size_t n = strlen(w->edit);

	switch (c) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		evaluate(w, note, len);
		break;
	case 27:
		w->editing = 0;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (n)
			w->edit[n - 1] = 0;
		break;
	case 21:	/* Ctrl-U */
		w->edit[0] = 0;
		break;
	default:
		if (c >= 0x20 && c < 0x7f && n + 1 < sizeof(w->edit)) {
			w->edit[n] = c;
			w->edit[n + 1] = 0;
		}
		break;
	}
	return 1;
}

int dash_whatif_key(struct dash_view *v, int c, char *note, size_t len)
{
	struct dash_whatif *w = v->whatif;

	if (w->editing)
		return edit_key(w, c, note, len);
	if (c == 'w' || c == 'W') {
		dash_whatif_prompt(v);
		return 1;
	}
	return dash_view_over_key(&v->whatif_on, c) > 0;
}

/* The filter (/) on an offer: its JA4, servers, SNIs, processes or verdict. */
static int matches(const struct whatif_row *r, const char *f)
{
	char at[1024];

	if (!f[0] || strcasestr(r->o->ja4, f) || strcasestr(reason_name(r->v.reason), f) ||
	    strcasestr(whatif_cause_name(r->v.cause), f))
		return 1;
	out_whatif_where(r->o, at, sizeof(at));
	return strcasestr(at, f) != NULL;
}

/* Every offer judged anew (not while paused: the screen then holds still). */
static void judge(struct dash_whatif *w, const struct dash_view *v)
{
	size_t n = offers_count(w->o), i, k;
	struct whatif_row *r;

	if (!w->have || (v->paused && w->rows))
		return;
	if (n > w->cap) {
		r = realloc(w->rows, n * sizeof(*r));
		if (!r)
			return;		/* the rows judged before stay */
		w->rows = r;
		w->cap = n;
	}
	n = whatif_eval_all(&w->pol, w->o, w->rows, n);
	for (i = k = 0; i < n; i++)
		if (matches(&w->rows[i], v->filter))
			w->rows[k++] = w->rows[i];
	w->n = k;
}

/* The highlight stays on its offer as rows move; if it went, on its row. */
static void follow(struct dash_whatif *w, int rows)
{
	int at = -1;
	size_t i;

	for (i = 0; w->sel_o && i < w->n && at < 0; i++)
		if (w->rows[i].o == w->sel_o)
			at = i;
	dash_view_pick_follow(&w->pick, at, w->n, rows);
	w->sel_o = w->n ? w->rows[w->pick.sel].o : NULL;
}

static void row(struct dash_view *v, const struct whatif_row *r, int y, int hl)
{
	char ver[24], at[DRAW_ROW_MAX - 8], s[DRAW_ROW_MAX];
	const struct whatif_verdict *vd = &r->v;
	int pair = vd->would_fail ? DRAW_FAIL : DRAW_OK;

	snprintf(s, sizeof(s), "%-4s %-17s %-7s %8llu  %s", vd->would_fail ? "FAIL" : "ok",
		 vd->would_fail ? reason_name(vd->reason) : "-",
		 vd->version ? tls_version_str(vd->version, ver, sizeof(ver)) : "-",
		 (unsigned long long)r->o->handshakes, r->o->ja4[0] ? r->o->ja4 : "(no JA4)");
	draw_attr(1, hl ? A_REVERSE : 0, hl ? 0 : pair);
	draw_put(y, 0, COLS, s);
	draw_attr(0, hl ? A_REVERSE : 0, hl ? 0 : pair);
	out_whatif_where(r->o, at, sizeof(at));
	/* the finer cause where the reason does not say it */
	snprintf(s, sizeof(s), "     %s%s%s", vd->would_fail && vd->reason == REASON_NO_SHARED_CIPHER
		 ? whatif_cause_name(vd->cause) : "",
		 vd->would_fail && vd->reason == REASON_NO_SHARED_CIPHER ? "; " : "", at);
	draw_put(y + 1, 0, COLS, s);
	if (hl && r->o->ja4[0])
		dash_view_selected(v, DASH_OPEN_CLIENT, r->o->ja4, 0);
}

static void status(struct dash_view *v, struct dash_whatif *w, int per)
{
	static const char prompt[] = "what-if policy (Enter evaluates, Esc cancels): ";
	int y = LINES - 1, room = COLS - (int)sizeof(prompt) - 1, n = strlen(w->edit), last;
	char pos[48];

	move(y, 0);
	clrtoeol();
	if (v->editing) {
		draw_putf(y, 0, COLS, "filter (JA4, server, SNI, process or reason; Enter applies, "
			  "Esc cancels): %s_", v->edit);
		return;
	}
	if (w->editing) {
		/* a long policy shows its end, where the typing is */
		draw_putf(y, 0, COLS, "%s%s%s_", prompt, n > room ? "~" : "",
			  n > room ? w->edit + n - room + 1 : w->edit);
		return;
	}
	if (v->note) {
		draw_attr(1, A_BOLD, DRAW_WARN);
		draw_put(y, 0, COLS, v->note);
		draw_attr(0, A_BOLD, DRAW_WARN);
		return;
	}
	draw_attr(1, A_DIM, 0);
	draw_put(y, 0, COLS - 18, "Esc back  w policy  Enter fingerprint  / filter  Q quit  ? help");
	draw_attr(0, A_DIM, 0);
	if (!w->n)
		return;
	last = w->pick.first + per < (int)w->n ? w->pick.first + per : (int)w->n;
	snprintf(pos, sizeof(pos), "%d-%d of %zu", w->pick.first + 1, last, w->n);
	draw_attr(1, A_BOLD, 0);
	draw_put(y, COLS - (int)strlen(pos) - 1, (int)strlen(pos), pos);
	draw_attr(0, A_BOLD, 0);
}

void dash_whatif_draw(struct dash_view *v, const struct dash_model *m)
{
	struct dash_whatif *w = v->whatif;
	int per = (LINES - 1 - TOP) / 2, y = TOP, i;
	uint64_t hs = 0, hs_fail = 0;
	struct offers_stats st;
	size_t j, fail = 0;

	(void)m;
	judge(w, v);
	follow(w, per);
	for (j = 0; j < w->n; j++) {
		hs += w->rows[j].o->handshakes;
		if (w->rows[j].v.would_fail) {
			fail++;
			hs_fail += w->rows[j].o->handshakes;
		}
	}
	draw_attr(1, A_REVERSE | A_BOLD, 0);
	move(2, 0);
	hline(' ', COLS);
	draw_putf(2, 0, COLS, " What-if  %s", w->have ? w->pol.text : "(no policy yet: w to type one)");
	draw_attr(0, A_REVERSE | A_BOLD, 0);
	offers_stats(w->o, &st);
	if (w->have)
		draw_putf(3, 0, COLS, " %zu of %zu client offers would fail (%llu of %llu handshakes)%s%s",
			  fail, w->n, (unsigned long long)hs_fail, (unsigned long long)hs,
			  v->filter[0] ? " matching " : "", v->filter);
	if (st.dropped)
		draw_putf(3, COLS / 2, COLS - COLS / 2, "  (%llu handshakes of offers past %zu "
			  "not judged)", (unsigned long long)st.dropped, offers_max(w->o));
	draw_title(4, "VERD REASON            VERSION       HS  JA4 / SERVERS SNIS [by PROCESSES]");
	if (w->have && !w->n)
		draw_put(TOP, 2, COLS - 2, v->filter[0] ? "no client offer matches the filter"
			 : "no client offer seen yet");
	for (i = w->pick.first; i < (int)w->n && y + 1 < LINES - 1; i++, y += 2)
		row(v, &w->rows[i], y, i == w->pick.sel);
	status(v, w, per);
}
