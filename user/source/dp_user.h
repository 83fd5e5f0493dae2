/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath of headers/tlsmon_dp.h built for userspace: the same packet
 * handler the BPF programs run, over userspace maps.  Offline mode feeds it
 * captured frames; the differential test compares it with the kernel's.
 */
#ifndef TLSMON_DP_USER_H
#define TLSMON_DP_USER_H

#include <stddef.h>
#include <stdint.h>
#include "pipe/ev.h"
#include "tlsmon.h"
#include "tlsmon_dp_types.h"

struct dp_user;

struct dp_user *dp_user_new(uint32_t max_flows, ev_sink sink, void *sink_ctx);
void dp_user_free(struct dp_user *du);
struct tlsmon_dp_cfg *dp_user_cfg(struct dp_user *du);

/*
 * One Ethernet frame of len bytes (all of it in memory), seen at ts_ns on
 * ifindex through hook.
 */
void dp_user_frame(struct dp_user *du, const void *frame, uint32_t len, uint64_t ts_ns,
		   uint32_t ifindex, int hook);

/*
 * What the pre-filter says of a frame, without handling it: dp_prefilter()'s
 * answer (DP_PRE_*), and in *fast dp_prefilter_fast()'s (1: done).  For the
 * tests that hold the two to agreeing.
 */
int dp_user_prefilter(struct dp_user *du, const void *frame, uint32_t len, int *fast);
const uint64_t *dp_user_counters(const struct dp_user *du);
uint32_t dp_user_flow_count(const struct dp_user *du);
uint64_t dp_user_flow_evictions(const struct dp_user *du);
/* Forget flows whose last packet is older than cutoff_ns; returns how many. */
uint32_t dp_user_expire(struct dp_user *du, uint64_t cutoff_ns);

#endif
