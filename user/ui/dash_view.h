/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dashboard's screen: every panel drawn (curses) from a dash_model and
 * the state of the view: which panel, sort order, filter, scroll position.
 * dashboard.c owns the terminal, the keys and the pace; this only draws, and
 * only within the screen: rows past it are not drawn, every string passes a
 * printable-ASCII check on its way out.
 */
#ifndef TLSMON_DASH_VIEW_H
#define TLSMON_DASH_VIEW_H

#include "ui/dash_model.h"

#define DASH_MIN_COLS 80
#define DASH_MIN_LINES 24

enum dash_view_id { V_OVERVIEW, V_SERVERS, V_CLIENTS, V_NEGO, V_FAILURES, V_CERTS, V_PROCS, V_MAX };

/* A list's highlight that stays on its item as rows move (dash_view_pick_follow()). */
struct dash_pick {
	int sel, first;
	int drawn;			/* sel at the last draw: keys moved it if not */
};

struct dash_view {
	int view;			/* enum dash_view_id */
	int sort;			/* enum dash_sort: servers, clients, processes */
	int oldest;			/* failures: oldest first */
	int paused, help, editing;
	int done;			/* offline: the replay is over */
	int utf8;			/* sparklines in block characters */
	char filter[64];		/* SNI, IP or reason; "" shows all */
	char edit[64];			/* the filter being typed */
	int scroll[V_MAX];		/* first entry shown; clamped when drawn */
	int sel[V_MAX];			/* the highlighted entry; clamped when drawn */
	/* what the highlighted row opens (enum dash_open), set when drawn */
	int sel_kind;
	char sel_key[DASH_NAME];
	uint64_t sel_id;
	/* the page open over the view (Enter), DASH_OPEN_NONE when none */
	int open;
	char open_key[DASH_NAME];
	uint64_t open_id;
	int open_scroll;
	unsigned pos_first, pos_last, pos_n;	/* what a scrolling view showed */
	struct dash_whatif *whatif;	/* the what-if view (w, dash_whatif.h); NULL: none */
	int whatif_on;			/* shown over the views */
	int recent_on;			/* recent handshakes (r, dash_recent.h) over the views */
	struct dash_pick recent;
	uint64_t recent_id;		/* its highlighted handshake at the last draw */
	const char *note;		/* for the status line, or NULL */
};

/* The first entry to show of n in rows rows, the selection kept in view. */
int dash_view_follow(struct dash_view *d, int view, unsigned n, int rows);
/* The row drawn is the highlighted one: what Enter opens. */
void dash_view_selected(struct dash_view *d, int kind, const char *key, uint64_t id);

/*
 * The first entry to show of n in rows rows.  at: where the item highlighted
 * at the last draw is now (-1: gone, or unknown); followed unless keys moved
 * the highlight since.
 */
int dash_view_pick_follow(struct dash_pick *p, int at, unsigned n, int rows);
/*
 * The keys of a list over the views: back (1, *on cleared), a view (0, *on
 * cleared: the dashboard switches), s (1: one order); -1 for none of them.
 */
int dash_view_over_key(int *on, int c);

/* The whole screen, refreshed. */
void dash_view_draw(struct dash_view *v, const struct dash_model *m);

#endif
