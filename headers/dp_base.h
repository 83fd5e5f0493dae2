/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath's base, built on the environment (tlsmon_dp.h lists what the
 * includer defines): counters, scratch space, event headers and submission.
 */
#ifndef TLSMON_DP_BASE_H
#define TLSMON_DP_BASE_H

#include "tlsmon_dp_types.h"

/*
 * A function the BPF verifier checks once, on its own (a global function),
 * and not once per call site or loop iteration; in userspace a plain one.
 */
#ifdef __bpf__
#define TLSMON_SUBPROG __attribute__((noinline))
#else
#define TLSMON_SUBPROG static
#endif

/*
 * 16- and 32-bit fields as they are on the wire (network order).  One load in BPF,
 * where a packet load may be unaligned; a byte-wise (packed) struct
 * field costs a load per byte and a shift and an or for each but the first.
 */
TLSP_INLINE __u16 dp_wire16(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u16 *)p;
#else
	__u16 v;

	__builtin_memcpy(&v, p, 2);
	return v;
#endif
}

TLSP_INLINE __u32 dp_wire32(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u32 *)p;
#else
	__u32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
#endif
}

#ifndef dp_load_hdr
#define dp_load_hdr dp_load
#endif

TLSP_INLINE void dp_count(__u32 c, __u64 n)
{
	__u64 *v = dp_array(counters, c);

	if (v)
		*v += n;
}

/* Per hook: XDP and TC may run nested on one CPU. */
TLSP_INLINE struct tlsmon_scratch *dp_scratch(int hook)
{
	return dp_array(scratch, hook == TLSMON_HOOK_XDP ? 0 : 1);
}

/* Signed distance a - b in sequence space. */
TLSP_INLINE __s32 dp_seq_diff(__u32 a, __u32 b)
{
	return (__s32)(a - b);
}

/* The header's ends, the client first (dir: the sender's side), and IP fields from m. */
TLSP_INLINE void dp_hdr_tuple(struct tlsmon_ev_hdr *h, const struct np_meta *m, __u8 dir)
{
	if (dir == TLSMON_DIR_C2S) {
		__builtin_memcpy(h->caddr, m->saddr, 16);
		__builtin_memcpy(h->saddr, m->daddr, 16);
		h->cport = m->sport;
		h->sport = m->dport;
	} else {
		__builtin_memcpy(h->caddr, m->daddr, 16);
		__builtin_memcpy(h->saddr, m->saddr, 16);
		h->cport = m->dport;
		h->sport = m->sport;
	}
	h->family = m->family;
	h->ttl = m->ttl;
	h->ip_id = m->ip_id;
}

TLSP_INLINE void dp_fill_hdr(struct tlsmon_scratch *s, const struct dp_pkt *pk, __u64 now,
			     const struct np_meta *m, __u8 dir)
{
	struct tlsmon_ev_hdr *h = &s->hdr;

	h->version = TLSMON_EVENT_VERSION;
	h->type = 0;
	h->dir = dir;
	h->hook = pk->hook;
	h->ifindex = pk->ifindex;
	h->ts_ns = now;
	dp_hdr_tuple(h, m, dir);
	h->seq = m->seq;
	h->size = 0;
	h->tcp_flags = m->tcp_flags;
	h->origin = 0;
}

/* <0: the event was lost (and counted). */
TLSP_INLINE int dp_submit(void *ev, __u32 size)
{
	if (dp_emit(ev, size) < 0) {
		dp_count(TLSMON_C_RB_FAIL, 1);
		return -1;
	}
	dp_count(TLSMON_C_EVENTS, 1);
	return 0;
}

/* Small events share one layout; the caller sets the type-specific fields after. */
TLSP_INLINE struct tlsmon_ev_small *dp_small(struct tlsmon_scratch *s, __u8 type, __u32 seq)
{
	struct tlsmon_ev_small *e = &s->ev.sm;

	e->h = s->hdr;
	e->h.type = type;
	e->h.seq = seq;
	e->h.size = sizeof(*e);
	e->content_type = 0;
	e->hs_type = 0;
	e->level = 0;
	e->desc = 0;
	e->index = 0;
	e->flags = 0;
	e->rec_len = 0;
	e->msg_len = 0;
	e->reason = 0;
	return e;
}

TLSP_INLINE void dp_parse_error(struct tlsmon_scratch *s, int err, __u8 ct, __u8 hs, __u32 seq)
{
	struct tlsmon_ev_small *e = dp_small(s, TLSMON_EV_PARSE_ERROR, seq);

	e->content_type = ct;
	e->hs_type = hs;
	e->reason = (__u32)(-err);
	dp_count(TLSMON_C_PARSE_ERRORS, 1);
	dp_submit(e, sizeof(*e));
}

#endif /* TLSMON_DP_BASE_H */
