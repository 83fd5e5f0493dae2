/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dashboard's panels.  Each panel_NAME() draws into rows [y, y + h) and
 * returns the rows used; with detail, the panel is its own view (scrolls, more
 * columns) rather than its part of the overview.
 */
#ifndef TLSMON_PANEL_H
#define TLSMON_PANEL_H

#include "ui/dash_view.h"

void panel_shown(struct dash_view *d, unsigned first, unsigned end, unsigned n);
unsigned panel_reasons_list(const struct dash_model *m, const char *f, int *out);
int panel_reasons(const struct dash_view *d, const struct dash_model *m, int y, int h);
int panel_servers(struct dash_view *d, const struct dash_model *m, int y, int h,
		  int detail);
int panel_clients(struct dash_view *d, const struct dash_model *m, int y, int h,
		  int detail);
int panel_failures(struct dash_view *d, const struct dash_model *m, int y, int h,
		   int detail);
int panel_certs(struct dash_view *d, const struct dash_model *m, int y, int h);
int panel_procs(struct dash_view *d, const struct dash_model *m, int y, int h);
int panel_nego(struct dash_view *d, const struct dash_model *m, int y, int h);

#endif
