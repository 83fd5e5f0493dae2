/* SPDX-License-Identifier: BSD-3-Clause */
/* The unit tests' look at a textfile through promtool's strict parser. */
#ifndef TLSMON_TEST_PROMCHECK_H
#define TLSMON_TEST_PROMCHECK_H

#include <stddef.h>
#include "model/agg.h"
#include "model/run_stats.h"

/*
 * The textfile of a, written by out_prom_write() into a directory of its
 * own (removed after), then read by `promtool check metrics`: 0 when
 * promtool accepts it without a word, -1 when not (its words on standard
 * error), 1 when promtool is not installed.
 */
int promcheck_agg(const struct agg *a, const struct run_stats *st);

#endif
