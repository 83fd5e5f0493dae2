/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live terminal dashboard (ncurses): draws a dash_model, reads keys.
 * Driven from tlsmon's loop and never blocks it: keys are read without
 * waiting and the screen is redrawn a few times a second at most.  While it
 * owns the terminal, log messages go to a buffer (the latest is shown on the
 * status line) and are printed when the terminal is given back.  The terminal
 * is restored on close, at exit() and on a fatal signal; SIGINT, SIGTERM and
 * SIGHUP stay with tlsmon's loop, which then closes the dashboard.
 */
#ifndef TLSMON_DASHBOARD_H
#define TLSMON_DASHBOARD_H

#include <stddef.h>
#include "ui/dash_model.h"

struct dashboard;

/* Whether standard input and output are a terminal the dashboard can use. */
int dashboard_usable(void);
/* Take over the terminal on standard input and output. */
struct dashboard *dashboard_open(const struct dash_model *m, char *err, size_t errlen);
/* Read keys, redraw when due.  final: no more input will come (offline: the
 * replay is done, the screen is then held).  Returns 1 when asked to quit. */
int dashboard_tick(struct dashboard *d, int final);
/* Wait up to timeout_ms for a key (or a signal), then as dashboard_tick(). */
int dashboard_wait(struct dashboard *d, int timeout_ms);
/* The what-if view (key w): over the offers o; p, from --what-if, shown first. */
struct offers;
struct whatif_policy;
void dashboard_what_if(struct dashboard *d, const struct offers *o,
		       const struct whatif_policy *p);
/* Give the terminal back, print the messages logged meanwhile. */
void dashboard_close(struct dashboard *d);

#endif
