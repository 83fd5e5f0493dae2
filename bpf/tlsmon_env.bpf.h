/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BPF side of the datapath's environment: the maps, and every name
 * headers/tlsmon_dp.h asks its includer for.  A BPF program includes this,
 * then tlsmon_dp.h, then defines the stages (DP_STAGE_DEFINE).
 */
#ifndef TLSMON_ENV_BPF_H
#define TLSMON_ENV_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * How np_parse_at() takes a layer here: a separately verified function per
 * hook (dp_layer_*, below).  np_parse() itself, which has no context to give
 * them, does not exist in the kernel's build.
 */
struct xdp_md;
struct __sk_buff;
struct np_meta;
__attribute__((noinline)) int dp_layer_xdp(struct xdp_md *ctx, struct np_meta *m, __u32 len,
					   __u32 flags, __u32 next);
__attribute__((noinline)) int dp_layer_skb(struct __sk_buff *ctx, struct np_meta *m, __u32 len,
					   __u32 flags, __u32 next);
#define NP_LAYER_NEEDS_CTX 1
#define NP_LAYER(ctx, hook, data, data_end, frame_len, m, flags, next)                        \
	((hook) == TLSMON_HOOK_XDP                                                            \
		 ? dp_layer_xdp((struct xdp_md *)(ctx), (m), (frame_len), (flags), (next))   \
		 : dp_layer_skb((struct __sk_buff *)(ctx), (m), (frame_len), (flags), (next)))

#include "tlsmon.h"
#include "tlsmon_dp_types.h"
#include "dp_wake.bpf.h"

/*
 * Sizes are set by the loader before load (bpf_map__set_max_entries).  The
 * flow table: sets of TLSMON_FLOW_WAYS slots (tlsmon_dp_types.h), mapped by
 * userspace for the sweep.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct tlsmon_flow_slot);
} flows SEC(".maps");

/*
 * The hint array (dp_flow.h), a global: the program reads it by direct
 * access, with no helper call, so the pre-filter's path in XDP's entry keeps
 * everything in scratch registers.  Userspace maps it through the skeleton
 * (.bss).
 */
__u32 tlsmon_hints[TLSMON_HINT_SLOTS];
#define dp_hint_at(idx) (&tlsmon_hints[(idx) & (TLSMON_HINT_SLOTS - 1)])

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TLSMON_SYNACK_SLOTS);
	__type(key, __u32);
	__type(value, struct tlsmon_synack);
} synacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TLSMON_QUIC_SLOTS);
	__type(key, __u32);
	__type(value, struct tlsmon_quic_slot);
} quic_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TLSMON_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Per-hook scratch: XDP and TC may run nested on one CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct tlsmon_scratch);
} scratch SEC(".maps");

/* Set by the loader between open and load. */
const volatile struct tlsmon_dp_cfg tlsmon_cfg = TLSMON_DP_CFG_DEFAULT;
#define DP_CFG(field) (tlsmon_cfg.field)

/* The array maps by name: synacks, quic_slots, counters, scratch. */
#define dp_array(map, idx)                            \
	({                                            \
		__u32 __k = (idx);                    \
		bpf_map_lookup_elem(&(map), &__k);    \
	})

/* The wake rule, with the datapath's threshold (set by the loader). */
#define dp_wake_flags(n, counted) dp_wake_rule(&events, DP_CFG(wake_bytes), (n), (counted))

static __always_inline int dp_emit(void *ev, __u32 size)
{
	return bpf_ringbuf_output(&events, ev, size, dp_wake_flags(DP_RB_BYTES(size), 0));
}

/* A record written in place: size is a constant at every call site. */
#define dp_reserve(size) bpf_ringbuf_reserve(&events, (size), 0)
#define dp_commit(ev, size) bpf_ringbuf_submit((ev), dp_wake_flags(DP_RB_BYTES(size), 1))
#define dp_discard(ev) bpf_ringbuf_discard((ev), BPF_RB_NO_WAKEUP)

/* The flow table's slots (dp_flow.h): an array lookup, inlined by the verifier. */
#define dp_slot(idx) ((struct tlsmon_flow_slot *)dp_array(flows, idx))

#define dp_now(pk) bpf_ktime_get_boot_ns()

/*
 * hook is a constant at every call site, so only one helper is compiled in.
 * The helpers refuse a zero size; the test also tells the verifier n >= 1.
 */
static __always_inline int dp_load_xdp(void *ctx, __u32 off, void *dst, __u32 n)
{
	TLSP_OPAQUE(n);	/* the compiler may know n > 0; the verifier must see it */
	if (n == 0)
		return -1;
	return bpf_xdp_load_bytes(ctx, off, dst, n);
}

static __always_inline int dp_load_skb(void *ctx, __u32 off, void *dst, __u32 n)
{
	TLSP_OPAQUE(n);
	if (n == 0)
		return -1;
	return bpf_skb_load_bytes(ctx, off, dst, n);
}

#define dp_load_helper(pk, hook, off, dst, n)                                        \
	((hook) == TLSMON_HOOK_XDP ? dp_load_xdp((pk)->ctx, (off), (dst), (n))          \
				   : dp_load_skb((pk)->ctx, (off), (dst), (n)))

/*
 * dp_load_hdr(): a read of a few bytes (n a constant: a record header)
 * straight from the frame's linear part, where it lies there: a packet load
 * instead of a helper call, which costs several times more.  Else the
 * helper.  Not in loops: each such read is a branch more for the verifier.
 */
static __always_inline int dp_load_direct(const struct dp_pkt *pk, const int hook, __u32 off,
					  void *dst, __u32 n)
{
	const __u8 *d, *end;

	if (hook == TLSMON_HOOK_XDP) {
		d = (const __u8 *)(long)((struct xdp_md *)pk->ctx)->data;
		end = (const __u8 *)(long)((struct xdp_md *)pk->ctx)->data_end;
	} else {
		d = (const __u8 *)(long)((struct __sk_buff *)pk->ctx)->data;
		end = (const __u8 *)(long)((struct __sk_buff *)pk->ctx)->data_end;
	}
	if (off < 0xff00 && d + off + n <= end) {
		__builtin_memcpy(dst, d + off, n);
		return 0;
	}
	return dp_load_helper(pk, hook, off, dst, n);
}

#define dp_load(pk, hook, off, dst, n) dp_load_helper(pk, hook, off, dst, n)
#define dp_load_hdr(pk, hook, off, dst, n) dp_load_direct((pk), (hook), (off), (dst), (n))

/* Asked for only past the pre-filter: in XDP it is a helper call. */
#define dp_frame_len(pk, hook)                                      \
	((hook) == TLSMON_HOOK_XDP ? bpf_xdp_get_buff_len((pk)->ctx) \
				   : ((struct __sk_buff *)(pk)->ctx)->len)

/*
 * The datapath's stages, one separately verified (global) function per stage
 * and hook, taking the hook's own context type: a global function cannot be
 * given packet pointers, and the helpers want the real context.  Verified
 * once per hook and not once per record of the walk that calls them.  The
 * TC programs share the _skb functions (the hook only picks the helper).
 */
struct xdp_md;
struct __sk_buff;
#define DP_STAGE_DECLARE(fn)                                                                 \
	__attribute__((noinline)) int fn##_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s,  \
					       struct tlsmon_flow *f, __u32 dir);            \
	__attribute__((noinline)) int fn##_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s, \
					       struct tlsmon_flow *f, __u32 dir)
DP_STAGE_DECLARE(dp_record);
DP_STAGE_DECLARE(dp_blob_ship);
DP_STAGE_DECLARE(dp_blob_chunk);
DP_STAGE_DECLARE(dp_hs_walk);
DP_STAGE_DECLARE(dp_hs_msg);
DP_STAGE_DECLARE(dp_hello_ship);
DP_STAGE_DECLARE(dp_quic_stage);
DP_STAGE_DECLARE(dp_pkt_ship);

/*
 * np_parse() as a separately verified function per hook, and each of its
 * layers (np_layer) as one more: the headers' many shapes (VLAN, PPPoE, IPv6
 * extensions, tunnels) leave a parser in many verifier states, and inlined,
 * each of them would walk the rest of the program (or the next layer) again.
 * The results are in m, the TCP header's offset in m->poff.
 */
struct np_meta;
__attribute__((noinline)) int dp_parse_xdp(struct xdp_md *ctx, struct np_meta *m, __u32 len,
					   __u32 flags);
__attribute__((noinline)) int dp_parse_skb(struct __sk_buff *ctx, struct np_meta *m, __u32 len,
					   __u32 flags);
#define dp_net_parse(pk, hook, m, len, flags)                                             \
	((hook) == TLSMON_HOOK_XDP ? dp_parse_xdp((struct xdp_md *)(pk)->ctx, (m), (len), (flags)) \
				   : dp_parse_skb((struct __sk_buff *)(pk)->ctx, (m), (len), (flags)))

#define DP_STAGE(fn, pk, hook, s, f, dir)                                                      \
	((hook) == TLSMON_HOOK_XDP ? fn##_xdp((struct xdp_md *)(pk)->ctx, (s), (f), (dir))     \
				   : fn##_skb((struct __sk_buff *)(pk)->ctx, (s), (f), (dir)))

/* fail: what the stage returns when the verifier's NULL checks fail (never at run time) */
#define DP_STAGE_DEFINE(fn, fail)                                                             \
	__attribute__((noinline)) int fn##_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s,   \
					       struct tlsmon_flow *f, __u32 dir)             \
	{                                                                                     \
		struct dp_pkt pk = { .ctx = ctx };                                            \
                                                                                              \
		if (!ctx || !s || !f)                                                         \
			return fail;                                                          \
		return fn(&pk, TLSMON_HOOK_XDP, s, f, dir);                                   \
	}                                                                                     \
	__attribute__((noinline)) int fn##_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s, \
					       struct tlsmon_flow *f, __u32 dir)             \
	{                                                                                     \
		struct dp_pkt pk = { .ctx = ctx };                                            \
                                                                                              \
		if (!ctx || !s || !f)                                                         \
			return fail;                                                          \
		return fn(&pk, TLSMON_HOOK_TC_EGRESS, s, f, dir);                             \
	}

#endif /* TLSMON_ENV_BPF_H */
