/* SPDX-License-Identifier: BSD-3-Clause */
/* Drawing helpers of the dashboard's screen (curses): see draw.c. */
#ifndef TLSMON_DRAW_H
#define TLSMON_DRAW_H

#include <stddef.h>
#include <stdint.h>
#include "ui/dash_view.h"

#define DRAW_ROW_MAX 512

/* Colour pairs. */
enum { DRAW_FAIL = 1, DRAW_OK, DRAW_WARN, DRAW_TITLE };

/* A table row built column by column: cut values end in '~'. */
struct draw_row {
	char s[DRAW_ROW_MAX];
	int n, w;
};

/* Colour pairs, once the terminal is up. */
void draw_colors(void);
/* At most w columns of s at (y, x); anything but printable ASCII shows as '?'. */
void draw_put(int y, int x, int w, const char *s);
void draw_putf(int y, int x, int w, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void draw_attr(int on, int a, int pair);
void draw_row_init(struct draw_row *r, int w);
void draw_row_col(struct draw_row *r, const char *s, int w, int right);
void draw_row_colf(struct draw_row *r, int w, int right, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void draw_pct(char *buf, size_t len, double ratio);
void draw_duration(char *buf, size_t len, uint64_t ns);
/* The last w seconds of a series as a sparkline, scaled to its own peak. */
void draw_spark(const struct dash_view *d, const struct dash_model *m, int y, int x, int w,
		int what);
/* Widest of the values, bounded. */
int draw_widest(int cur, const char *s, int max);
void draw_title(int y, const char *s);

#endif
