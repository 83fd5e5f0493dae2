// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The floor under the hello rows of bench_pkt: an XDP program that does
 * only what any datapath that ships a hello to userspace must do.  It finds
 * the hello at the offsets of an untagged IPv4/TCP frame, reads the clock
 * once, reserves a ring buffer record of the hello's size class (tlsmon's
 * classes, behind a header as large as tlsmon's), copies the hello into it
 * in one bpf_xdp_load_bytes(), and submits it without a wakeup.  No flow
 * state, no record walk, no counter but its failures.  What it costs over
 * the empty program is the part of a hello row no design of the datapath
 * can remove on this machine; what tlsmon costs over it is the datapath's.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#define FLOOR_HDR 80		/* as TLSMON_HELLO_HDR */
#define FLOOR_MAX 4096		/* as TLSMON_HELLO_MAX */

struct floor_ev {
	__u64 ts_ns;
	__u32 len;		/* bytes of the hello in data */
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 pad[FLOOR_HDR - 24];
	__u8 data[FLOOR_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);	/* tlsmon's default */
} floor_events SEC(".maps");

/* records that could not be reserved or filled: a run that loses one is not timed */
__u64 floor_lost;

#define FLOOR_RES(c)                                                    \
	do {                                                            \
		e = bpf_ringbuf_reserve(&floor_events, FLOOR_HDR + (c), 0); \
		cap = (c);                                              \
	} while (0)

SEC("xdp.frags")
int bench_floor(struct xdp_md *ctx)
{
	const __u8 *d = (const __u8 *)(long)ctx->data;
	const void *end = (const void *)(long)ctx->data_end;
	const __u8 *ip, *tcp, *p;
	struct floor_ev *e = 0;
	__u32 ihl, doff, poff, n, cap = 0;

	if ((const void *)(d + ETH_HLEN + 20) > end || d[12] != 0x08 || d[13] != 0x00)
		return XDP_PASS;
	ip = d + ETH_HLEN;
	ihl = (ip[0] & 15) * 4;
	if (ihl < 20 || (const void *)(ip + ihl + 20) > end || ip[9] != 6)
		return XDP_PASS;
	tcp = ip + ihl;
	doff = (tcp[12] >> 4) * 4;
	poff = ETH_HLEN + ihl + doff;
	p = d + poff;
	if (doff < 20 || (const void *)(p + 9) > end)
		return XDP_PASS;
	/* a handshake record that opens with a ClientHello or a ServerHello */
	if (p[0] != 22 || (p[5] != 1 && p[5] != 2))
		return XDP_PASS;
	n = 4 + (((__u32)p[6] << 16) | ((__u32)p[7] << 8) | p[8]);
	if (n <= 256)
		FLOOR_RES(256);
	else if (n <= 512)
		FLOOR_RES(512);
	else if (n <= 1024)
		FLOOR_RES(1024);
	else if (n <= 2048)
		FLOOR_RES(2048);
	else if (n <= FLOOR_MAX)
		FLOOR_RES(FLOOR_MAX);
	if (!e) {
		__sync_fetch_and_add(&floor_lost, 1);
		return XDP_PASS;
	}
	if (n > cap || bpf_xdp_load_bytes(ctx, poff + 5, e->data, n)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		__sync_fetch_and_add(&floor_lost, 1);
		return XDP_PASS;
	}
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->len = n;
	__builtin_memcpy(&e->saddr, ip + 12, 4);
	__builtin_memcpy(&e->daddr, ip + 16, 4);
	__builtin_memcpy(&e->sport, tcp, 2);
	__builtin_memcpy(&e->dport, tcp + 2, 2);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
