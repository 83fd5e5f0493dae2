/* SPDX-License-Identifier: BSD-3-Clause */
/* Readable output without a terminal or --json: a line per failure, a periodic summary. */
#ifndef TLSMON_OUT_TEXT_H
#define TLSMON_OUT_TEXT_H

#include <stdio.h>
#include "model/collector.h"
#include "model/record.h"

struct out_text;

struct out_text *out_text_new(FILE *f, int all);	/* all: established ones too */
void out_text_free(struct out_text *o);
void out_text_record(void *ctx, const struct hs_record *r);	/* a rec_sink callback */
/* One summary line of what happened since the last one. */
void out_text_summary(struct out_text *o, const struct collector_stats *st);
/* The line for one record (no newline). */
void out_text_line(const struct hs_record *r, char *buf, size_t len);

#endif
