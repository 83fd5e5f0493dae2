// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tlsmon datapath: XDP on ingress, TC (clsact) on egress or ingress.  All
 * three share dp_handle() from headers/tlsmon_dp.h; they never drop or
 * modify a packet.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "tlsmon_env.bpf.h"
#include "tlsmon_dp.h"

__attribute__((noinline)) int dp_ship_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s,
					  struct tlsmon_flow *f, struct tlsmon_dir_state *ds)
{
	struct dp_pkt pk = { .ctx = ctx };

	if (!ctx || !s || !f || !ds)
		return 0;
	return dp_blob_ship_impl(&pk, TLSMON_HOOK_XDP, s, f, ds);
}

__attribute__((noinline)) int dp_ship_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s,
					  struct tlsmon_flow *f, struct tlsmon_dir_state *ds)
{
	struct dp_pkt pk = { .ctx = ctx };

	if (!ctx || !s || !f || !ds)
		return 0;
	return dp_blob_ship_impl(&pk, TLSMON_HOOK_TC_EGRESS, s, f, ds);
}

/*
 * Separately verified wrappers (see tlsmon_env.bpf.h): the environment
 * dispatches to these per hook; each takes the real context.
 */
__attribute__((noinline)) int dp_headers_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s)
{
	struct dp_pkt pk;

	if (!ctx || !s)
		return NP_MALFORMED;
	pk.data = (void *)(long)ctx->data;
	pk.data_end = (void *)(long)ctx->data_end;
	pk.len = bpf_xdp_get_buff_len(ctx);
	return dp_parse_headers_impl(&pk, s);
}

__attribute__((noinline)) int dp_headers_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s)
{
	struct dp_pkt pk;

	if (!ctx || !s)
		return NP_MALFORMED;
	pk.data = (void *)(long)ctx->data;
	pk.data_end = (void *)(long)ctx->data_end;
	pk.len = ctx->len;
	return dp_parse_headers_impl(&pk, s);
}

__attribute__((noinline)) int dp_record_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s,
					    struct tlsmon_flow *f, __u32 dir)
{
	struct dp_pkt pk = { .ctx = ctx };

	if (!ctx || !s || !f)
		return DP_REC_STOP;
	return dp_record_impl(&pk, TLSMON_HOOK_XDP, s, f, dir);
}

__attribute__((noinline)) int dp_record_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s,
					    struct tlsmon_flow *f, __u32 dir)
{
	struct dp_pkt pk = { .ctx = ctx };

	if (!ctx || !s || !f)
		return DP_REC_STOP;
	return dp_record_impl(&pk, TLSMON_HOOK_TC_EGRESS, s, f, dir);
}

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

	/* most packets end here, before even the frame's length is asked for */
	if (dp_prefilter(pk.data, pk.data_end, DP_CFG(decap)))
		return XDP_PASS;
	pk.len = bpf_xdp_get_buff_len(ctx);
	dp_handle_full(&pk, TLSMON_HOOK_XDP);
	return XDP_PASS;
}

static __always_inline int tlsmon_tc(struct __sk_buff *skb, const int hook)
{
	struct dp_pkt pk = {
		.ctx = skb,
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
		.len = skb->len,
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
