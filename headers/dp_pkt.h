/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath, --pcap-dir: the frames of a tracked flow sent to userspace
 * (PKT events) for the capture of a failed handshake (user/output/out_pcap.c).
 *
 * Off (pkt_max 0, the default) it costs nothing: pkt_max is BPF rodata, so
 * the verifier drops the call as dead code, and the userspace build tests
 * one byte per packet of a tracked flow.  On, it is one ring record per
 * frame of a tracked flow, at most pkt_max per flow (the rest counted in
 * TLSMON_C_PKT_CUT): the frame's headers and pkt_snap payload bytes, or the
 * whole frame (up to TLSMON_PKT_MAX, flagged when longer) when a hello or an
 * alert record starts its payload, or a hello begun earlier goes on in it,
 * so that a capture shows them whole.  A payload that is just one hello
 * record holding just a hello goes in the HELLO event that ships the
 * message (its head_len bytes): one ring record for the frame and its
 * hello.  When the walk ships no such HELLO after all (or the hello is not
 * all of the record), the frame goes whole after the walk (DP_PKT_LATE);
 * when its headers are too long to ride along, as its headers only
 * (TLSMON_PKT_F_HELLO), and userspace joins the two.
 * SYNs and SYN-ACKs are sent too (dp_pkt_syn), before their flow exists:
 * userspace keeps them aside until a flow of theirs comes.  Bare ACKs never
 * reach it: the pre-filter keeps them off the slow path, on or off.
 */
#ifndef TLSMON_DP_PKT_H
#define TLSMON_DP_PKT_H

#include "dp_base.h"
#include "dp_prefilter.h"

/* A hello or an alert record starts the payload (s->pre: its first bytes). */
TLSP_INLINE int dp_pkt_whole(const struct tlsmon_scratch *s)
{
	const __u8 *p = s->pre;
	__u32 n = s->pkt_plen < DP_HELLO_PEEK ? s->pkt_plen : DP_HELLO_PEEK;

	if (n >= 3 && p[0] == TLS_CT_ALERT && p[1] == 3)
		return 1;
	return dp_hello_start(p, n) != 0;
}

/*
 * The payload is one handshake record (5-byte header) that starts with a
 * hello, whose bytes the record walk takes next (dp_payload), and the frame
 * (s->pkt_flen bytes) ends with it.  Not an RST (the walk does not run).
 * The record's length when so, else 0.  Whether the hello is all of the
 * record is told later: dp_hello_ship takes the frame along only then, and
 * dp_pkt_hello_whole() checks it for a frame that goes apart.
 */
TLSP_INLINE __u32 dp_pkt_hello_rec(const struct tlsmon_scratch *s, const struct tlsmon_flow *f,
				   __u32 dir)
{
	const struct tlsmon_dir_state *ds = &f->d[dir & 1];
	const __u8 *p = s->pre;
	__u32 rl;

	/*
	 * Only bytes the record walk takes next become a HELLO event: a
	 * retransmission, data after a gap or a side no longer followed
	 * goes whole.
	 */
	if ((ds->flags & (TLSMON_DS_LOST | TLSMON_DS_BLOB)) || ds->hole_start != ds->hole_end ||
	    ((ds->flags & TLSMON_DS_SYNCED) && ds->next_seq != s->pkt_seq) ||
	    (s->meta.tcp_flags & NP_TCP_RST) || s->pkt_poff + s->pkt_plen != s->pkt_flen)
		return 0;
	if (s->pkt_plen < 9 || p[0] != TLS_CT_HANDSHAKE || p[1] != 3 ||
	    (p[5] != TLS_HS_CLIENT_HELLO && p[5] != TLS_HS_SERVER_HELLO))
		return 0;
	rl = (__u32)p[3] << 8 | p[4];
	if (s->pkt_plen != 5 + rl || rl > TLSMON_HELLO_MAX)
		return 0;
	return rl;
}

/* The hello is all of its record (rl bytes): 1; 0: not, or its length could not be read. */
TLSP_INLINE int dp_pkt_hello_whole(const struct dp_pkt *pk, const int hook,
				   const struct tlsmon_scratch *s, __u32 rl)
{
	__u8 b[4] = {};
	__u32 ml;

	if (dp_load(pk, hook, s->pkt_poff + 6, b, 3) < 0)
		return 0;
	ml = (__u32)b[0] << 16 | (__u32)b[1] << 8 | b[2];
	return rl == 4 + ml;
}

/* dir's flags for dp_pkt_ship: no flow (a SYN), f is not one and has no budget; */
#define DP_PKT_NOFLOW 0x100u
/* after the walk, the frame deferred to a HELLO that did not come: whole, budget taken */
#define DP_PKT_LATE 0x200u

/*
 * The segment goes on with a record begun in an earlier one that the side
 * ships for reassembly (a ClientHello longer than a segment): whole too.
 * Not the certificates' window (TLSMON_DS_BLOB_CERT).
 */
TLSP_INLINE int dp_pkt_goes_on(const struct tlsmon_flow *f, __u32 dir)
{
	if (dir & DP_PKT_NOFLOW)
		return 0;
	return (f->d[dir & 1].flags & (TLSMON_DS_BLOB | TLSMON_DS_BLOB_CERT)) == TLSMON_DS_BLOB;
}

/*
 * The frame of this packet (s->hdr, s->pkt_*) as a PKT event.  A stage
 * (DP_STAGE): in BPF verified once apart, so that the flow path does not
 * carry the reservation's size classes.  Reserved by size class, as the
 * helpers want a constant size; h.size says what was filled.
 */
TLSP_INLINE int dp_pkt_ship(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			    struct tlsmon_flow *f, __u32 dir)
{
	struct tlsmon_ev_pkt *e = 0;
	__u32 len = s->pkt_flen, n, cap = 0, snap = DP_CFG(pkt_snap), rl;
	__u8 flags = 0;

	s->pkt_defer = 0;
	if (dir & DP_PKT_NOFLOW) {
		flags = TLSMON_PKT_F_SYN;
	} else if (dir & DP_PKT_LATE) {
		/* counted in the flow's budget when it was deferred */
	} else if (f->pkts >= DP_CFG(pkt_max)) {
		dp_count(TLSMON_C_PKT_CUT, 1);
		return 0;
	} else {
		f->pkts++;
	}
	n = len;
	if (dir & DP_PKT_LATE) {
		/* whole: it starts with a hello */
	} else if (dp_pkt_goes_on(f, dir)) {
		/* whole */
	} else if (!(dir & DP_PKT_NOFLOW) && (rl = dp_pkt_hello_rec(s, f, dir))) {
		if (s->pkt_poff + 5 <= TLSMON_HELLO_HEAD_MAX) {
			s->pkt_defer = 1;	/* dp_hello_ship takes it along */
			return 0;
		}
		/* headers too long to ride: they go apart, else the frame whole */
		if (dp_pkt_hello_whole(pk, hook, s, rl)) {
			n = s->pkt_poff + 5;
			flags |= TLSMON_PKT_F_HELLO;
		}
	} else if (s->pkt_plen > snap && !dp_pkt_whole(s)) {
		n = s->pkt_poff + snap;
	}
	if (n > len)
		n = len;
	if (n > TLSMON_PKT_MAX) {
		n = TLSMON_PKT_MAX;
		flags |= TLSMON_PKT_F_CUT;
	}
	TLSP_OPAQUE(n);
	if (n <= 256) {
		e = dp_reserve(TLSMON_PKT_HDR + 256);
		cap = 256;
	} else if (n <= 1536) {
		e = dp_reserve(TLSMON_PKT_HDR + 1536);
		cap = 1536;
	} else if (n <= TLSMON_PKT_MAX) {
		e = dp_reserve(TLSMON_PKT_HDR + TLSMON_PKT_MAX);
		cap = TLSMON_PKT_MAX;
	}
	if (!e) {
		dp_count(TLSMON_C_RB_FAIL, 1);
		return 0;
	}
	if (n < 1 || n > cap || dp_load(pk, hook, 0, e->data, n) < 0) {
		dp_discard(e);
		dp_count(TLSMON_C_LOAD_FAIL, 1);
		return 0;
	}
	e->h = s->hdr;
	e->h.type = TLSMON_EV_PKT;
	e->h.size = TLSMON_PKT_HDR + n;
	e->frame_len = len;
	e->len = n;
	e->flags = flags;
	e->index = flags & TLSMON_PKT_F_SYN ? 0 : f->pkts - 1;
	dp_commit(e, TLSMON_PKT_HDR + cap);
	dp_count(TLSMON_C_EVENTS, 1);
	dp_count(TLSMON_C_PKT_SHIPPED, 1);
	return 0;
}

/* A SYN or SYN-ACK (m), tracked or not: the sender is the client unless ACK is set. */
TLSP_INLINE void dp_pkt_syn(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			    const struct np_meta *m)
{
	__u32 dir = m->tcp_flags & NP_TCP_ACK ? TLSMON_DIR_S2C : TLSMON_DIR_C2S;

	dp_fill_hdr(s, pk, dp_now(pk), m, dir);
	s->pkt_seq = m->seq;
	s->pkt_plen = m->plen;
	s->pkt_poff = m->poff;
	/* no flow: any memory of its size passes the stage's check */
	DP_STAGE(dp_pkt_ship, pk, hook, s, (struct tlsmon_flow *)s, dir | DP_PKT_NOFLOW);
}

#endif /* TLSMON_DP_PKT_H */
