/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON lines: one object per settled handshake (--json, --log FILE), each
 * written whole or not at all (lib/linefile.h).
 */
#ifndef TLSMON_OUT_JSON_H
#define TLSMON_OUT_JSON_H

#include <stddef.h>
#include "lib/linefile.h"
#include "output/jbuf.h"
#include "model/record.h"

struct out_json;

/* path NULL: standard output. */
struct out_json *out_json_open(const char *path, char *err, size_t errlen);
/* A rec_sink callback. */
void out_json_write(void *ctx, const struct hs_record *r);
/* Records kept to be written size bytes at a time (0: one write each); o may be NULL. */
int out_json_buffer(struct out_json *o, size_t size);
/* The kept records out now; o may be NULL. */
void out_json_flush(struct out_json *o);
/* Records written, and dropped because they could not be written whole. */
const struct linefile_stats *out_json_stats(const struct out_json *o);
/* SIGHUP: reopen the file (log rotation); -errno on failure, the old file kept. */
int out_json_reopen(struct out_json *o);
void out_json_close(struct out_json *o);
/* One record as a JSON object (no newline). */
void out_json_record(struct jbuf *b, const struct hs_record *r);
/* --verify: a verification's own line, {"verified": ...}. */
void out_json_verified(struct out_json *o, const struct verify_result *res);

#endif
