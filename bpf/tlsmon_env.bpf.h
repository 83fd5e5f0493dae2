/* SPDX-License-Identifier: BSD-3-Clause */
/* The BPF side of the datapath environment (see headers/tlsmon_dp.h). */
#ifndef TLSMON_ENV_BPF_H
#define TLSMON_ENV_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tls_parse.bpf.h"
#include "tlsmon.h"
#include "tlsmon_dp_types.h"

struct dp_pkt {
	void *ctx;
	const void *data;
	const void *data_end;
	__u32 len;
	__u32 ifindex;
	__u8 hook;
};

/* Sizes are set by the loader before load (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tlsmon_flow_key);
	__type(value, struct tlsmon_flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TLSMON_HINT_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} hints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TLSMON_SYNACK_SLOTS);
	__type(key, __u32);
	__type(value, struct tlsmon_synack);
} synacks SEC(".maps");

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

static __always_inline struct tlsmon_scratch *dp_scratch(int hook)
{
	__u32 idx = hook == TLSMON_HOOK_XDP ? 0 : 1;

	return bpf_map_lookup_elem(&scratch, &idx);
}

static __always_inline void dp_count(__u32 c, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &c);

	if (v)
		*v += n;
}

/*
 * A wakeup per event costs the reader more than the event: below wake_bytes
 * waiting, the event goes in silently and the reader collects it at its
 * next poll timeout (user/bpf_dp.c); past it, the reader is woken at once.
 */
static __always_inline int dp_emit(void *ev, __u32 size)
{
	__u64 flags = 0;

	if (DP_CFG(wake_bytes))
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= DP_CFG(wake_bytes)
				? BPF_RB_FORCE_WAKEUP
				: BPF_RB_NO_WAKEUP;
	return bpf_ringbuf_output(&events, ev, size, flags);
}

static __always_inline struct tlsmon_flow *dp_flow_lookup(const struct tlsmon_flow_key *k)
{
	return bpf_map_lookup_elem(&flows, k);
}

static __always_inline int dp_flow_insert(const struct tlsmon_flow_key *k, const struct tlsmon_flow *v)
{
	return bpf_map_update_elem(&flows, k, v, BPF_ANY);
}

static __always_inline void dp_flow_delete(const struct tlsmon_flow_key *k)
{
	bpf_map_delete_elem(&flows, k);
}

static __always_inline __u32 *dp_hint_slot(__u32 idx)
{
	return bpf_map_lookup_elem(&hints, &idx);
}

static __always_inline __u32 dp_hint_get(__u32 *slot)
{
	return *(volatile __u32 *)slot;
}

static __always_inline void dp_hint_add(__u32 *slot, int v)
{
	__sync_fetch_and_add(slot, v);
}

static __always_inline struct tlsmon_synack *dp_synack_slot(__u32 idx)
{
	return bpf_map_lookup_elem(&synacks, &idx);
}

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

#define dp_load(pk, hook, off, dst, n)                                               \
	((hook) == TLSMON_HOOK_XDP ? dp_load_xdp((pk)->ctx, (off), (dst), (n))          \
				   : dp_load_skb((pk)->ctx, (off), (dst), (n)))

/* Per-record work and blob shipping: verified once per hook, not per iteration. */
struct xdp_md;
struct __sk_buff;
struct tlsmon_flow;
struct tlsmon_dir_state;
__attribute__((noinline)) int dp_ship_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s,
					  struct tlsmon_flow *f, struct tlsmon_dir_state *ds);
__attribute__((noinline)) int dp_ship_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s,
					  struct tlsmon_flow *f, struct tlsmon_dir_state *ds);
#define dp_blob_ship(pk, hook, s, f, ds)                                                    \
	((hook) == TLSMON_HOOK_XDP ? dp_ship_xdp((struct xdp_md *)(pk)->ctx, (s), (f), (ds)) \
				   : dp_ship_skb((struct __sk_buff *)(pk)->ctx, (s), (f), (ds)))
__attribute__((noinline)) int dp_headers_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s);
__attribute__((noinline)) int dp_headers_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s);
#define dp_parse_headers(pk, hook, s)                                              \
	((hook) == TLSMON_HOOK_XDP ? dp_headers_xdp((struct xdp_md *)(pk)->ctx, (s)) \
				   : dp_headers_skb((struct __sk_buff *)(pk)->ctx, (s)))
__attribute__((noinline)) int dp_record_xdp(struct xdp_md *ctx, struct tlsmon_scratch *s,
					    struct tlsmon_flow *f, __u32 dir);
__attribute__((noinline)) int dp_record_skb(struct __sk_buff *ctx, struct tlsmon_scratch *s,
					    struct tlsmon_flow *f, __u32 dir);
#define dp_record(pk, hook, s, f, dir)                                                      \
	((hook) == TLSMON_HOOK_XDP ? dp_record_xdp((struct xdp_md *)(pk)->ctx, (s), (f), (dir)) \
				   : dp_record_skb((struct __sk_buff *)(pk)->ctx, (s), (f), (dir)))

/* Separately verified BPF-to-BPF function (global, so verified once). */
#define TLSMON_SUBPROG __attribute__((noinline))

#endif /* TLSMON_ENV_BPF_H */
