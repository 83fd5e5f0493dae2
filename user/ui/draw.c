// SPDX-License-Identifier: BSD-3-Clause
/*
 * Drawing for the dashboard's screen (curses): text clipped to the screen
 * and to printable ASCII, table rows built column by column, percentages,
 * durations, sparklines, colours.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ui/draw.h"

void draw_colors(void)
{
	if (!has_colors())
		return;
	start_color();
	use_default_colors();
	init_pair(DRAW_FAIL, COLOR_RED, -1);
	init_pair(DRAW_OK, COLOR_GREEN, -1);
	init_pair(DRAW_WARN, COLOR_YELLOW, -1);
	init_pair(DRAW_TITLE, COLOR_CYAN, -1);
}

/* At most w columns of s at (y, x); anything but printable ASCII shows as '?'. */
void draw_put(int y, int x, int w, const char *s)
{
	char buf[DRAW_ROW_MAX];
	int i;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	if (w > COLS - x)
		w = COLS - x;
	for (i = 0; i < w && i < DRAW_ROW_MAX - 1 && s[i]; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	mvaddnstr(y, x, buf, i);
}

void draw_putf(int y, int x, int w, const char *fmt, ...)
{
	char buf[DRAW_ROW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	draw_put(y, x, w, buf);
}

void draw_attr(int on, int a, int pair)
{
	if (pair && has_colors())
		a |= COLOR_PAIR(pair);
	if (on)
		attron(a);
	else
		attroff(a);
}

void draw_row_init(struct draw_row *r, int w)
{
	r->n = 0;
	r->w = w < DRAW_ROW_MAX - 1 ? w : DRAW_ROW_MAX - 1;
	r->s[0] = 0;
}

void draw_row_col(struct draw_row *r, const char *s, int w, int right)
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

void draw_row_colf(struct draw_row *r, int w, int right, const char *fmt, ...)
{
	char buf[DRAW_ROW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	draw_row_col(r, buf, w, right);
}

void draw_pct(char *buf, size_t len, double ratio)
{
	if (ratio < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", ratio * 100);
}

void draw_duration(char *buf, size_t len, uint64_t ns)
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
void draw_spark(const struct dash_view *d, const struct dash_model *m, int y, int x, int w,
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
int draw_widest(int cur, const char *s, int max)
{
	int n = strlen(s);

	if (n > cur)
		cur = n;
	return cur > max ? max : cur;
}

void draw_title(int y, const char *s)
{
	draw_attr(1, A_BOLD, DRAW_TITLE);
	draw_put(y, 0, COLS, s);
	draw_attr(0, A_BOLD, DRAW_TITLE);
}
