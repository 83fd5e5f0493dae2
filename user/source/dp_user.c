// SPDX-License-Identifier: BSD-3-Clause
/*
 * Userspace environment for the shared datapath (headers/tlsmon_dp.h): maps
 * become arrays (the flow table the same sets of slots as the kernel's), the
 * ring buffer a callback.  The handler itself is compiled here unchanged.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/bigmem.h"
#include "source/dp_user.h"

struct dp_user {
	struct tlsmon_flow_slot *slots;		/* the flow table */
	__u32 n_slots;
	/*
	 * A bit per set the datapath reached since the sweep last found it
	 * empty: every flow is in a marked set, so the sweep walks those only.
	 */
	__u64 *marked;
	__u32 hints[TLSMON_HINT_SLOTS];
	struct tlsmon_synack synacks[TLSMON_SYNACK_SLOTS];
	struct tlsmon_quic_slot quic_slots[TLSMON_QUIC_SLOTS];
	struct tlsmon_scratch scratch[2];	/* per hook, as in BPF: dp_scratch() */
	__u64 counters[TLSMON_C_MAX];
	struct tlsmon_dp_cfg cfg;
	struct tlsmon_ev_hello hello;		/* dp_reserve(): the one record written in place
						 * (a HELLO or a QUIC: the larger) */
	ev_sink sink;
	void *sink_ctx;
	__u64 now;				/* the frame's capture time */
	/* dp_user_expire(): what the last sweep left, so the next may skip */
	__u64 expired;				/* flows it ended, in all */
	__u64 min_last;				/* the least recent flow it left */
	__u64 min_now;				/* the earliest frame since */
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
#define dp_hint_at(idx) (&dp_cur->hints[(idx) & (TLSMON_HINT_SLOTS - 1)])
#define dp_now(pk) (dp_cur->now)
#define dp_frame_len(pk, hook) ((__u32)((const __u8 *)(pk)->data_end - (const __u8 *)(pk)->data))
#define DP_CFG(field) (dp_cur->cfg.field)
#define DP_STAGE(fn, pk, hook, s, f, dir) fn(pk, hook, s, f, dir)
#define dp_net_parse(pk, hook, m, len, flags) np_parse((pk)->data, (pk)->data_end, (len), (m), (flags))

static inline int dp_emit(void *ev, __u32 size)
{
	return dp_cur->sink(dp_cur->sink_ctx, ev, size);
}

_Static_assert(sizeof(struct tlsmon_ev_quic) <= sizeof(struct tlsmon_ev_hello),
	       "dp_reserve's buffer holds a QUIC event");
_Static_assert(sizeof(struct tlsmon_ev_pkt) <= sizeof(struct tlsmon_ev_hello),
	       "dp_reserve's buffer holds a PKT event");

static inline void *dp_reserve(__u32 size)
{
	return size <= sizeof(dp_cur->hello) ? &dp_cur->hello : NULL;
}

static inline void dp_commit(void *ev, __u32 size)
{
	const struct tlsmon_ev_hdr *h = ev;

	(void)size;
	dp_cur->sink(dp_cur->sink_ctx, ev, h->size);
}

#define dp_discard(ev) ((void)(ev))

static inline struct tlsmon_flow_slot *dp_slot(__u32 idx)
{
	__u32 set = idx / TLSMON_FLOW_WAYS;

	if (idx >= dp_cur->n_slots)
		return NULL;
	dp_cur->marked[set / 64] |= 1ull << (set % 64);
	return &dp_cur->slots[idx];
}

/*
 * The tag and key lines of each way of hash h's set, while the frame is
 * parsed.  A macro: gcc takes a function holding only prefetches for one
 * without effects, and drops its calls.
 */
#define dp_prefetch_set(h)                                                              \
	do {                                                                            \
		__u32 __i = ((h) & dp_cur->cfg.flow_set_mask) * TLSMON_FLOW_WAYS, __w; \
		if (__i + TLSMON_FLOW_WAYS <= dp_cur->n_slots)                          \
			for (__w = 0; __w < TLSMON_FLOW_WAYS; __w++)                    \
				__builtin_prefetch(&dp_cur->slots[__i + __w].key);      \
	} while (0)

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
	__u32 sets = tlsmon_flow_sets(max_flows);

	du->n_slots = sets * TLSMON_FLOW_WAYS;
	du->slots = bigmem_zalloc((size_t)du->n_slots * sizeof(*du->slots));
	du->marked = calloc((sets + 63) / 64, sizeof(*du->marked));
	if (!du->slots || !du->marked) {
		bigmem_free(du->slots, (size_t)du->n_slots * sizeof(*du->slots));
		free(du->marked);
		free(du);
		return NULL;
	}
	du->cfg = def;
	du->cfg.flow_set_mask = sets - 1;
	du->sink = sink;
	du->sink_ctx = sink_ctx;
	return du;
}

void dp_user_free(struct dp_user *du)
{
	if (!du)
		return;
	bigmem_free(du->slots, (size_t)du->n_slots * sizeof(*du->slots));
	free(du->marked);
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
	if (ts_ns < du->min_now)
		du->min_now = ts_ns;
	dp_cur = du;
	dp_handle(&pk, hook);
	dp_cur = NULL;
}

int dp_user_prefilter(struct dp_user *du, const void *frame, uint32_t len, int *fast)
{
	const __u8 *d = frame;
	int r;

	dp_cur = du;
	*fast = dp_prefilter_fast(d, d + len);
	r = dp_prefilter(d, d + len);
	dp_cur = NULL;
	return r;
}

const uint64_t *dp_user_counters(const struct dp_user *du)
{
	return (const uint64_t *)du->counters;
}

uint32_t dp_user_flow_count(const struct dp_user *du)
{
	uint32_t i, n = 0;

	for (i = 0; i < du->n_slots; i++)
		n += du->slots[i].tag != 0;
	return n;
}

uint64_t dp_user_flow_evictions(const struct dp_user *du)
{
	return du->counters[TLSMON_C_FLOW_EVICTED];
}

static int by_last(const void *a, const void *b)
{
	const struct tlsmon_flow_slot *x = *(const struct tlsmon_flow_slot *const *)a;
	const struct tlsmon_flow_slot *y = *(const struct tlsmon_flow_slot *const *)b;

	return x->flow.last_ns < y->flow.last_ns ? -1 : x->flow.last_ns > y->flow.last_ns;
}

/*
 * As the kernel's sweep: the flows idle since before cutoff_ns end, the least
 * recently active first, and reassembly and the collector let go of them too.
 */
/* Flows in the table: the datapath counts every way one comes and goes. */
static __u64 live_flows(const struct dp_user *du)
{
	const __u64 *c = du->counters;

	return c[TLSMON_C_FLOWS_CREATED] - c[TLSMON_C_FLOWS_DELETED] - c[TLSMON_C_FLOW_EVICTED] -
	       du->expired;
}

/*
 * Nothing to do without a flow, or before cutoff_ns reaches the least recent
 * flow the last sweep left or the earliest frame since (a flow made or
 * touched since is at least that recent).  A capture that spans hours then
 * walks the table only when a flow may have gone idle.
 */
static int sweep_needless(const struct dp_user *du, uint64_t cutoff_ns)
{
	if (!live_flows(du))
		return 1;
	return cutoff_ns <= du->min_last && cutoff_ns <= du->min_now;
}

uint32_t dp_user_expire(struct dp_user *du, uint64_t cutoff_ns)
{
	struct tlsmon_flow_slot **idle = NULL, **more, *sl;
	struct tlsmon_ev_small e;
	uint32_t i, n = 0, cap = 0, h, w, set, way, words = (du->n_slots / TLSMON_FLOW_WAYS + 63) / 64;
	__u64 min_last = ~0ull, bits;
	int used;

	if (sweep_needless(du, cutoff_ns))
		return 0;
	du->min_now = ~0ull;
	for (w = 0; w < words; w++) {
		for (bits = du->marked[w]; bits; bits &= bits - 1) {
			set = w * 64 + (uint32_t)__builtin_ctzll(bits);
			used = 0;
			for (way = 0; way < TLSMON_FLOW_WAYS; way++) {
				sl = &du->slots[set * TLSMON_FLOW_WAYS + way];
				if (!sl->tag)
					continue;
				used = 1;
				if (sl->tag == TLSMON_TAG_BUSY)
					continue;
				if (sl->flow.last_ns >= cutoff_ns) {
					if (sl->flow.last_ns < min_last)
						min_last = sl->flow.last_ns;
					continue;
				}
				if (n == cap) {
					cap = cap ? 2 * cap : 256;
					more = realloc(idle, cap * sizeof(*idle));
					if (!more) {
						min_last = 0;	/* the rest goes at the next sweep */
						goto walked;
					}
					idle = more;
				}
				idle[n++] = sl;
			}
			/* empty: unmarked until the datapath comes back (one this sweep
			 * empties goes at the next) */
			if (!used)
				du->marked[w] &= ~(1ull << (set % 64));
		}
	}
walked:
	du->min_last = min_last;
	if (n)
		qsort(idle, n, sizeof(*idle), by_last);
	for (i = 0; i < n; i++) {
		h = idle[i]->flow.hint & (TLSMON_HINT_SLOTS - 1);
		if (du->hints[h] > 0)
			du->hints[h]--;
		ev_flow_expired(&e, &idle[i]->key, &idle[i]->flow);
		idle[i]->tag = 0;
		du->expired++;
		du->sink(du->sink_ctx, &e, sizeof(e));
	}
	free(idle);
	return n;
}
