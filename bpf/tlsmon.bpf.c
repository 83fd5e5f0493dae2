// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tlsmon datapath: XDP on ingress, TC (clsact) on egress or ingress.  All
 * three hand the frame to dp_handle() from headers/tlsmon_dp.h; they never
 * drop or modify a packet.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "tlsmon_env.bpf.h"
#include "tlsmon_dp.h"

DP_STAGE_DEFINE(dp_record, DP_REC_STOP)
DP_STAGE_DEFINE(dp_blob_ship, 0)
DP_STAGE_DEFINE(dp_blob_chunk, 0)
DP_STAGE_DEFINE(dp_hs_walk, 0)
DP_STAGE_DEFINE(dp_hs_msg, 0)
DP_STAGE_DEFINE(dp_hello_ship, 0)
DP_STAGE_DEFINE(dp_quic_stage, 0)
DP_STAGE_DEFINE(dp_pkt_ship, 0)

/* np_parse() and its layers, verified apart per hook (see tlsmon_env.bpf.h) */
#define DP_PARSE_DEFINE(sfx, ctx_type, hook)                                                  \
	__attribute__((noinline)) int dp_parse_##sfx(ctx_type *ctx, struct np_meta *m, __u32 len, \
						     __u32 flags)                                 \
	{                                                                                     \
		if (!ctx || !m)                                                               \
			return NP_MALFORMED;                                                  \
		return np_parse_at(ctx, hook, (void *)(long)ctx->data,                        \
				   (void *)(long)ctx->data_end, len, m, flags);               \
	}                                                                                     \
	__attribute__((noinline)) int dp_layer_##sfx(ctx_type *ctx, struct np_meta *m, __u32 len, \
						     __u32 flags, __u32 next)                     \
	{                                                                                     \
		if (!ctx || !m)                                                               \
			return -NP_MALFORMED;                                                 \
		return np_layer((void *)(long)ctx->data, (void *)(long)ctx->data_end, len, m,  \
				flags, next);                                                 \
	}
DP_PARSE_DEFINE(xdp, struct xdp_md, TLSMON_HOOK_XDP)
DP_PARSE_DEFINE(skb, struct __sk_buff, TLSMON_HOOK_TC_EGRESS)

/*
 * Past dp_prefilter_fast(): a function of its own, so that the fast path,
 * most packets', pays for none of the rest's registers and stack in the
 * program's prologue and epilogue.
 */
__attribute__((noinline)) int tlsmon_xdp_full(struct xdp_md *ctx)
{
	struct dp_pkt pk = {
		.ctx = ctx,
		.hook = TLSMON_HOOK_XDP,
	};
	int r;

	if (!ctx)
		return 0;
	pk.data = (void *)(long)ctx->data;
	pk.data_end = (void *)(long)ctx->data_end;
	r = dp_prefilter(pk.data, pk.data_end);
	if (r == DP_PRE_DONE)
		return 0;
	/* read only now: the kernel turns it into three dependent loads (rxq, dev, ifindex) */
	pk.ifindex = ctx->ingress_ifindex;
	dp_handle_pre(&pk, TLSMON_HOOK_XDP, r);
	return 0;
}

/*
 * Frags-aware: jumbo frames and multi-buffer packets reach us whole.  The
 * commonest frames end in dp_prefilter_fast(), whose few values stay in
 * scratch registers: the entry saves none in its prologue.
 */
SEC("xdp.frags")
int tlsmon_xdp(struct xdp_md *ctx)
{
	if (!dp_prefilter_fast((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		tlsmon_xdp_full(ctx);
	return XDP_PASS;
}

static __always_inline int tlsmon_tc(struct __sk_buff *skb, const int hook)
{
	struct dp_pkt pk = {
		.ctx = skb,
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
		.ifindex = skb->ifindex,
		.hook = hook,
	};

	dp_handle(&pk, hook);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tlsmon_tc_egress(struct __sk_buff *skb)
{
	return tlsmon_tc(skb, TLSMON_HOOK_TC_EGRESS);
}

SEC("tc")
int tlsmon_tc_ingress(struct __sk_buff *skb)
{
	return tlsmon_tc(skb, TLSMON_HOOK_TC_INGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
