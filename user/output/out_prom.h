/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus textfile: DIR/tlsmon.prom, rewritten from the aggregates and
 * the self-counters for node_exporter's textfile collector.  Written to a
 * temporary file in DIR, synced, then renamed over the old one, so a reader
 * only ever sees a whole file.  A write that fails keeps the old file,
 * warns (once per distinct error), and is counted.
 */
#ifndef TLSMON_OUT_PROM_H
#define TLSMON_OUT_PROM_H

#include <stdint.h>
#include <stdio.h>
#include "model/agg.h"
#include "model/run_stats.h"

/* Debian's prometheus-node-exporter reads this directory. */
#define OUT_PROM_DEFAULT_DIR "/var/lib/prometheus/node-exporter"
#define OUT_PROM_FILE "tlsmon.prom"
/* Longest label value out_prom_label_value() writes, with its NUL. */
#define PROM_VALUE_MAX (5 * AGG_VALUE_MAX + 8)

struct out_prom;

struct out_prom *out_prom_new(const char *dir, const struct agg *a);
void out_prom_free(struct out_prom *o);
/* Rewrite DIR/tlsmon.prom: 0, or -errno (the old file stays). */
int out_prom_write(struct out_prom *o, const struct run_stats *st);
/* The exposition text alone; -1 on a write error. */
int out_prom_print(struct out_prom *o, FILE *f, const struct run_stats *st);
uint64_t out_prom_failures(const struct out_prom *o);
const char *out_prom_path(const struct out_prom *o);
/* on 0 (--no-process-labels): no series with a process label (on by default). */
void out_prom_process_labels(struct out_prom *o, int on);

/*
 * One label value as it goes between the quotes: esc_prom() of the bytes;
 * "other" for a folded value; a wire value that is exactly "other" as
 * \x6fther so it cannot pass for the folded series; a cut value ends in \...
 */
char *out_prom_label_value(char *dst, size_t len, const struct agg_value *v);

#endif
