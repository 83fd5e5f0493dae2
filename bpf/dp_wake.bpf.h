/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When a ring buffer record wakes its reader.  The datapath's rule
 * (tlsmon_env.bpf.h), also used by the benchmark's replay producer
 * (bench/ringgen.bpf.c) so that the reader it measures is woken as tlsmon's
 * is.
 *
 * A wakeup per event costs the reader more than the event: below w bytes
 * waiting, the event goes in silently and the reader collects it at its
 * next poll timeout (user/source/bpf_dp.c); the event whose bytes reach w
 * wakes it, and past that one event per further w does (the reader's epoll
 * is level-triggered: one that is awake and draining needs no more).  A
 * crossing missed by two CPUs racing is caught at the next one, w later.
 * ring: the ring buffer map; w: the wake threshold in bytes, 0 for the
 * kernel's own rule (wake when the reader has caught up); n: at least the
 * record's bytes in the ring (header included); counted: whether the
 * ring's available data already counts them.
 */
#ifndef TLSMON_DP_WAKE_BPF_H
#define TLSMON_DP_WAKE_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __always_inline __u64 dp_wake_rule(void *ring, __u64 w, __u64 n, int counted)
{
	__u64 avail;

	if (!w)
		return 0;
	avail = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	if (!counted)
		avail += n;
	if (avail < w)
		return BPF_RB_NO_WAKEUP;
	return avail / w != (avail > n ? avail - n : 0) / w ? BPF_RB_FORCE_WAKEUP
							    : BPF_RB_NO_WAKEUP;
}

/* A ring record's bytes in the ring: its header (BPF_RINGBUF_HDR_SZ) and alignment. */
#define DP_RB_BYTES(size) ((((__u64)(size)) + 8 + 7) & ~7ull)

#endif
