/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dashboard's what-if view (key w): a policy typed on a one-line prompt
 * (the syntax of --what-if, parsed by whatif_parse()) judged against every
 * distinct client offer seen (model/offers.h), those that would fail first.
 * Rows are selectable; Enter opens the offer's client fingerprint page.
 * Drawn over the other views while shown (dash_view.c hands it the screen).
 */
#ifndef TLSMON_DASH_WHATIF_H
#define TLSMON_DASH_WHATIF_H

#include <stddef.h>
#include "model/offers.h"
#include "model/whatif.h"
#include "ui/dash_model.h"
#include "ui/dash_view.h"

struct dash_whatif;

/* Over the offers o (kept by the caller); p: the policy to start with, or NULL. */
struct dash_whatif *dash_whatif_new(const struct offers *o, const struct whatif_policy *p);
void dash_whatif_free(struct dash_whatif *w);
/* Show the view with the prompt open, pre-filled with the current policy. */
void dash_whatif_prompt(struct dash_view *v);
/*
 * A key while the view is shown (v->whatif_on).  1: taken; 0: for the
 * dashboard (views, pause, help, quit, Enter).  A policy that does not parse
 * leaves its reason in note.
 */
int dash_whatif_key(struct dash_view *v, int c, char *note, size_t len);
/* The highlighted row, for the dashboard's movement keys. */
int *dash_whatif_sel(struct dash_whatif *w);
/* Rows 2 to the bottom: the view, its prompt or its keys on the status line. */
void dash_whatif_draw(struct dash_view *v, const struct dash_model *m);

#endif
