/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which local program a live handshake belongs to (issue 21): the socket
 * hooks loaded with the datapath, the collector's identify and keep hooks
 * (--pid, --cgroup, --unit), and their counts for the outputs.
 */
#ifndef TLSMON_LOCAL_H
#define TLSMON_LOCAL_H

#include <stdint.h>
#include "model/local_filter.h"
#include "model/run_stats.h"

struct hs_record;
struct local_id;

/*
 * Load and attach the socket hooks (before the privilege drop).  A kernel
 * that refuses them is said once; tlsmon runs on, records without local
 * identity.  -errno only when a filter needs them.
 */
int local_open(const struct local_filter *f);
void local_close(void);
/* The collector's hooks (collector_opts.identify, .keep). */
int local_identify(void *ctx, const struct hs_record *r, uint64_t first_ns, uint64_t end_ns,
		   struct local_id *id);
int local_keep(void *ctx, const struct hs_record *r);
/* Its counters into st (run_stats' proc_* fields). */
void local_stats(struct run_stats *st);

#endif
