/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dashboard's recent handshakes (key r): the failures the model keeps
 * and its latest successes (dash_detail_ok()), newest first, the filter
 * applied; Enter opens one whole (record, fingerprints, certificates,
 * timeline), a success as a failure.  Drawn over the views while shown.
 */
#ifndef TLSMON_DASH_RECENT_H
#define TLSMON_DASH_RECENT_H

#include "ui/dash_model.h"
#include "ui/dash_view.h"

/* A key while shown (v->recent_on): 1 taken, 0 for the dashboard. */
int dash_recent_key(struct dash_view *v, int c);
/* Rows 2 to the bottom. */
void dash_recent_draw(struct dash_view *v, const struct dash_model *m);

#endif
