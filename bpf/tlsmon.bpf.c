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

/* Frags-aware: jumbo frames and multi-buffer packets reach us whole. */
SEC("xdp.frags")
int tlsmon_xdp(struct xdp_md *ctx)
{
	struct dp_pkt pk = {
		.ctx = ctx,
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
		.ifindex = ctx->ingress_ifindex,
		.hook = TLSMON_HOOK_XDP,
	};

	dp_handle(&pk, TLSMON_HOOK_XDP);
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
