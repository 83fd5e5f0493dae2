// SPDX-License-Identifier: BSD-3-Clause
/*
 * Userspace environment for the shared datapath (headers/tlsmon_dp.h): maps
 * become an LRU table and arrays, the ring buffer a callback.  The handler
 * itself is compiled here unchanged.
 */
#include <stdlib.h>
#include <string.h>
#include "source/dp_user.h"
#include "lib/lru.h"

struct dp_user {
	struct lru *flows;
	__u32 hints[TLSMON_HINT_SLOTS];
	struct tlsmon_synack synacks[TLSMON_SYNACK_SLOTS];
	struct tlsmon_scratch scratch[2];	/* per hook, as in BPF: dp_scratch() */
	__u64 counters[TLSMON_C_MAX];
	struct tlsmon_dp_cfg cfg;
	struct tlsmon_ev_hello hello;		/* dp_reserve(): the one record written in place */
	ev_sink sink;
	void *sink_ctx;
	__u64 now;				/* the frame's capture time */
};

/* The handler's functions reach their environment through this. */
static struct dp_user *dp_cur;

/* The environment headers/tlsmon_dp.h asks for (its top lists it). */
#define dp_array(map, idx)                                                          \
	({                                                                          \
		__u32 __k = (idx);                                                  \
		__k < sizeof(dp_cur->map) / sizeof(dp_cur->map[0]) ? &dp_cur->map[__k] \
								     : NULL;             \
	})
#define dp_now(pk) (dp_cur->now)
#define dp_frame_len(pk, hook) ((__u32)((const __u8 *)(pk)->data_end - (const __u8 *)(pk)->data))
#define DP_CFG(field) (dp_cur->cfg.field)
#define DP_STAGE(fn, pk, hook, s, f, dir) fn(pk, hook, s, f, dir)

static inline int dp_emit(void *ev, __u32 size)
{
	return dp_cur->sink(dp_cur->sink_ctx, ev, size);
}

static inline void *dp_reserve(__u32 size)
{
	return size <= sizeof(dp_cur->hello) ? &dp_cur->hello : NULL;
}

static inline void dp_commit(void *ev)
{
	const struct tlsmon_ev_hdr *h = ev;

	dp_cur->sink(dp_cur->sink_ctx, ev, h->size);
}

#define dp_discard(ev) ((void)(ev))

static inline struct tlsmon_flow *dp_flow_lookup(const struct tlsmon_flow_key *k)
{
	return lru_lookup(dp_cur->flows, k);
}

static inline int dp_flow_insert(const struct tlsmon_flow_key *k, const struct tlsmon_flow *v)
{
	return lru_insert(dp_cur->flows, k, v) ? 0 : -1;
}

static inline int dp_flow_delete(const struct tlsmon_flow_key *k)
{
	return lru_delete(dp_cur->flows, k);
}

/* The whole frame is in memory. */
static inline int dp_load(const struct dp_pkt *pk, int hook, __u32 off, void *dst, __u32 n)
{
	__u32 len = dp_frame_len(pk, hook);

	(void)hook;
	if (n == 0 || off > len || n > len - off)
		return -1;
	memcpy(dst, (const __u8 *)pk->data + off, n);
	return 0;
}

#include "tlsmon_dp.h"

struct dp_user *dp_user_new(uint32_t max_flows, ev_sink sink, void *sink_ctx)
{
	struct dp_user *du = calloc(1, sizeof(*du));
	struct tlsmon_dp_cfg def = TLSMON_DP_CFG_DEFAULT;

	if (!du)
		return NULL;
	du->flows = lru_new(sizeof(struct tlsmon_flow_key), sizeof(struct tlsmon_flow), max_flows);
	if (!du->flows) {
		free(du);
		return NULL;
	}
	du->cfg = def;
	du->sink = sink;
	du->sink_ctx = sink_ctx;
	return du;
}

void dp_user_free(struct dp_user *du)
{
	if (!du)
		return;
	lru_free(du->flows);
	free(du);
}

struct tlsmon_dp_cfg *dp_user_cfg(struct dp_user *du)
{
	return &du->cfg;
}

void dp_user_frame(struct dp_user *du, const void *frame, uint32_t len, uint64_t ts_ns,
		   uint32_t ifindex, int hook)
{
	struct dp_pkt pk = {
		.data = frame,
		.data_end = (const __u8 *)frame + len,
		.ifindex = ifindex,
		.hook = hook,
	};

	du->now = ts_ns;
	dp_cur = du;
	dp_handle(&pk, hook);
	dp_cur = NULL;
}

const uint64_t *dp_user_counters(const struct dp_user *du)
{
	return (const uint64_t *)du->counters;
}

uint32_t dp_user_flow_count(const struct dp_user *du)
{
	return lru_count(du->flows);
}

uint64_t dp_user_flow_evictions(const struct dp_user *du)
{
	return lru_evictions(du->flows);
}

struct expire_ctx {
	struct dp_user *du;
	uint64_t cutoff;
	uint32_t n;
};

static int expire_one(void *ctx, const void *key, void *val)
{
	struct expire_ctx *x = ctx;
	struct tlsmon_flow *f = val;
	struct tlsmon_ev_small e;

	/* oldest first: stop at the first flow still in use */
	if (f->last_ns >= x->cutoff)
		return 1;
	if (x->du->hints[f->hint & (TLSMON_HINT_SLOTS - 1)] > 0)
		x->du->hints[f->hint & (TLSMON_HINT_SLOTS - 1)]--;
	/* as the kernel's sweep: reassembly and the collector let go of it too */
	ev_flow_expired(&e, key, f);
	x->du->sink(x->du->sink_ctx, &e, sizeof(e));
	lru_delete(x->du->flows, key);
	x->n++;
	return 0;
}

uint32_t dp_user_expire(struct dp_user *du, uint64_t cutoff_ns)
{
	struct expire_ctx x = { du, cutoff_ns, 0 };

	lru_foreach(du->flows, expire_one, &x);
	return x.n;
}
