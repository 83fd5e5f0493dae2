// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A producer for the ring buffer benchmark that costs next to nothing per
 * event: it re-submits events the real datapath produced (the templates,
 * filled by userspace) into tlsmon's own ring buffer (the loader reuses its
 * map), so the consumer side is what limits the rate.  Each event gets the
 * current time, as the datapath's would, so the collector's timeouts behave,
 * and wakes the reader by the datapath's own rule (dp_wake.bpf.h): with the
 * kernel's rule instead, a reader that keeps up is woken by nearly every
 * event, and the wakeups, not the reader, bound the rate.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tlsmon.h"
#include "../bpf/dp_wake.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct tlsmon_ev_small);
} templates SEC(".maps");

/* Set by userspace: templates in use, events per run, the wake threshold. */
__u32 n_templates;
__u32 per_run;
__u64 wake_bytes;
/* Kept here: the next template, and what happened to the events. */
__u32 cursor;
__u64 submitted;
__u64 failed;

struct emit_ctx {
	__u64 now;
};

static long emit_one(__u32 i, void *arg)
{
	struct emit_ctx *c = arg;
	struct tlsmon_ev_small *e;
	__u32 idx;

	(void)i;
	if (!n_templates)
		return 1;
	idx = cursor++ % n_templates;
	e = bpf_map_lookup_elem(&templates, &idx);
	if (!e)
		return 1;
	e->h.ts_ns = c->now;
	if (bpf_ringbuf_output(&events, e, sizeof(*e),
			       dp_wake_rule(&events, wake_bytes, DP_RB_BYTES(sizeof(*e)), 0)))
		failed++;
	else
		submitted++;
	return 0;
}

SEC("xdp")
int ringgen(struct xdp_md *ctx)
{
	struct emit_ctx c = { .now = bpf_ktime_get_boot_ns() };

	(void)ctx;
	bpf_loop(per_run, emit_one, &c, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
