/* SPDX-License-Identifier: BSD-3-Clause */
/* Readable output without a terminal or --json: a line per failure, a periodic summary. */
#ifndef TLSMON_OUT_TEXT_H
#define TLSMON_OUT_TEXT_H

#include <stddef.h>
#include "lib/linefile.h"
#include "model/record.h"
#include "model/run_stats.h"

struct out_text;

/* Lines to fd (standard output), each whole or not at all; all: established ones too. */
struct out_text *out_text_new(int fd, int all);
void out_text_free(struct out_text *o);
void out_text_record(void *ctx, const struct hs_record *r);	/* a rec_sink callback */
/* One summary line of what happened since the last one. */
void out_text_summary(struct out_text *o, const struct run_stats *st);
/* Lines written, and dropped because they could not be written whole. */
const struct linefile_stats *out_text_stats(const struct out_text *o);
/* The line for one record (no newline). */
void out_text_line(const struct hs_record *r, char *buf, size_t len);
/* --verify: a verification's line. */
void out_text_verified(struct out_text *o, const struct verify_result *res);

#endif
