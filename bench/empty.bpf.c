// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The reference for per-packet costs: an XDP program that does nothing.
 * Same section as tlsmon_xdp ("xdp.frags") so BPF_PROG_TEST_RUN treats both
 * alike; whatever it costs is the harness, which every ratio divides out.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int bench_empty(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
