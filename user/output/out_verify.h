/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active verification's results as every output shows them: the JSON line
 * {"verified": ...} linked to the record that asked for it, a short object
 * in later records of that server, a readable line, and the textfile's
 * tlsmon_verify_* counters.
 */
#ifndef TLSMON_OUT_VERIFY_H
#define TLSMON_OUT_VERIFY_H

#include <stddef.h>
#include <stdio.h>
#include "model/verify.h"
#include "output/jbuf.h"

/* The whole line's object: {"verified":{...}} (no newline). */
void out_verify_json(struct jbuf *b, const struct verify_result *res);
/* "verified": {...} inside a record: verdict, cause, what the server accepts. */
void out_verify_brief(struct jbuf *b, const struct verify_result *res);
/* A readable line (no newline). */
void out_verify_text(const struct verify_result *res, char *buf, size_t len);
/* The counters, in the exposition format. */
void out_verify_prom(FILE *f, const struct verify_stats *st);

#endif
