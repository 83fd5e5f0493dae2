/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet datapath: pre-filter, header parsing, flow tracking, the
 * record walk, blob shipping and event emission.  Compiled into the XDP/TC
 * programs (bpf/tlsmon.bpf.c) and, unchanged, into the userspace replay used
 * by offline mode and by the differential test (user/source/dp_user.c).
 *
 * The includer defines its environment first:
 *   dp_load(pk, hook, off, dst, n)     copy n frame bytes at off; <0 on failure
 *   dp_frame_len(pk, hook)             the frame's length (past data_end when
 *                                      the frame is not linear)
 *   dp_now(pk)                         timestamp in ns
 *   dp_emit(ev, size)                  submit an event; <0 when it was lost
 *   dp_reserve(size)                   an event written in place: size bytes
 *                                      (a constant) or NULL when full;
 *   dp_commit(ev, size), dp_discard(ev)
 *                                      submit it (h.size is its size, size
 *                                      what dp_reserve took) or not
 *   dp_array(map, idx)                 element idx of the array synacks,
 *                                      quic_slots, counters or scratch; NULL
 *                                      past its end
 *   dp_hint_at(idx)                    slot idx (taken modulo
 *                                      TLSMON_HINT_SLOTS) of the hint array
 *   dp_slot(idx)                       slot idx of the flow table (struct
 *                                      tlsmon_flow_slot), NULL past its end
 *   DP_CFG(field)                      a field of struct tlsmon_dp_cfg
 *   DP_STAGE(fn, pk, hook, s, f, dir)  call the stage fn (dp_record,
 *                                      dp_blob_ship, dp_blob_chunk, dp_hs_walk,
 *                                      dp_hs_msg,
 *                                      dp_hello_ship): in BPF a separately
 *                                      verified function per hook
 * and may define:
 *   dp_load_hdr(pk, hook, off, dst, n) dp_load() of a record header (n a
 *                                      constant; default: dp_load)
 *   dp_prefetch_set(h)                 start loading the flow table's set for
 *                                      hash h, which a lookup will soon read
 *                                      (default: nothing)
 * and calls dp_handle() with a struct dp_pkt for every frame.
 *
 *   dp_base.h       counters, scratch, event headers and submission
 *   dp_flow.h       key, hash, hints, SYN-ACKs, flow creation and end
 *   dp_prefilter.h  the first look at a frame
 *   dp_quic.h       QUIC long-header datagrams, shipped whole
 *   dp_blob.h       raw bytes for userspace reassembly
 *   dp_record.h     the record walk, hellos shipped whole
 *   dp_pkt.h        --pcap-dir: the frames of tracked flows
 */
#ifndef TLSMON_DP_H
#define TLSMON_DP_H

#include "tlsmon_dp_types.h"
#include "dp_base.h"
#include "dp_flow.h"
#include "dp_prefilter.h"
#include "dp_blob.h"
#include "dp_record.h"
#include "dp_pkt.h"

TLSP_INLINE void dp_flow_packet(const struct dp_pkt *pk, const int hook,
				struct tlsmon_scratch *s, const struct np_meta *m,
				struct tlsmon_flow *f, __u8 dir, __u64 now)
{
	const struct tlsmon_flow_key *k = &s->key;
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	struct tlsmon_ev_small *e;
	__u32 reason;

	f->last_ns = now;
	if (!ds->ttl)
		ds->ttl = m->ttl;
	ds->ip_id = m->ip_id;
	dp_fill_hdr(s, pk, now, m, dir);
	s->pkt_seq = m->seq;
	s->pkt_plen = m->plen;
	s->pkt_poff = m->poff;
	if (DP_CFG(pkt_max))	/* rodata: off, the verifier drops the call */
		DP_STAGE(dp_pkt_ship, pk, hook, s, f, dir);
	if (m->tcp_flags & NP_TCP_RST) {
		/* the TCP_RST event says the flow ended too */
		dp_flow_end_at(s, f, TLSMON_EV_TCP_RST, TLSMON_END_RST, m->seq);
		return;
	}
	if (m->plen) {
		reason = dp_payload(pk, hook, s, f, dir);
		/* --pcap-dir: the frame waited for a HELLO the walk did not send */
		if (DP_CFG(pkt_max) && s->pkt_defer)
			DP_STAGE(dp_pkt_ship, pk, hook, s, f, dir | DP_PKT_LATE);
		if (reason) {
			dp_flow_end(s, k, f, reason, m->seq);
			return;
		}
	}
	if (m->tcp_flags & NP_TCP_FIN) {
		/*
		 * Bytes before the FIN are missing: lost before us, their
		 * retransmission (a fatal alert, say) is still to come and says
		 * more than the close.  Follow the flow until it comes (its
		 * record may end the flow) or the flow goes idle.  Else the
		 * TCP_FIN event says the flow ended too.
		 */
		if (dp_gap_before(ds, m->seq + m->plen)) {
			e = dp_small(s, TLSMON_EV_TCP_FIN, m->seq + m->plen);
			dp_submit(e, sizeof(*e));
			return;
		}
		dp_flow_end_at(s, f, TLSMON_EV_TCP_FIN, TLSMON_END_FIN, m->seq + m->plen);
		return;
	}
	if (dp_settled(f))
		dp_flow_end(s, k, f, TLSMON_END_SETTLED, m->seq + m->plen);
}

/*
 * The datapath for a frame the pre-filter let through.  The parsed headers
 * live in the per-CPU scratch area (an array slot, no hash-map work) to keep
 * the BPF stack small for the separately verified functions called below.
 */
TLSP_INLINE void dp_handle_full(const struct dp_pkt *pk, const int hook)
{
	struct tlsmon_scratch *s;
	struct np_meta *m;
	struct tlsmon_flow *f;
	__u8 *pre;
	__u64 now;
	__u32 h, *hint, n, len;
	int r, hello = 0, sender_is_a;
	__u8 flags, dir;

	s = dp_scratch(hook);
	if (!s)
		return;
	m = &s->meta;
	pre = s->pre;
	dp_count(TLSMON_C_PACKETS, 1);
	/* asked for only now: in XDP the frame's length is a helper call */
	len = dp_frame_len(pk, hook);
	s->pkt_flen = len;	/* for --pcap-dir, which would ask again */
	r = dp_net_parse(pk, hook, m, len, (DP_CFG(decap) ? NP_F_DECAP : 0) | NP_F_UDP);
	if (r == NP_UDP) {
		dp_quic_found(pk, hook, s, len);
		return;
	}
	if (r != NP_TCP) {
		if (r == NP_FRAGMENT)
			dp_count(TLSMON_C_FRAGMENTS, 1);
		else if (r == NP_MALFORMED)
			dp_count(TLSMON_C_MALFORMED, 1);
		return;
	}
	flags = m->tcp_flags;
	/* Fast path: no payload and nothing that ends or starts a connection. */
	if (m->plen == 0 && !(flags & (NP_TCP_RST | NP_TCP_FIN | NP_TCP_SYN)))
		return;
	if (m->poff > len || m->plen > len - m->poff) {
		dp_count(TLSMON_C_MALFORMED, 1);
		return;
	}
	if (!dp_port_allowed(m)) {
		dp_count(TLSMON_C_PORT_FILTERED, 1);
		return;
	}
	h = dp_flow_hash(m);
	dp_prefetch_set(h);
	s->hash = h;
	if ((flags & (NP_TCP_SYN | NP_TCP_ACK)) == (NP_TCP_SYN | NP_TCP_ACK))
		dp_note_synack(m, h);
	if (m->plen) {
		dp_count(TLSMON_C_TCP_PAYLOAD, 1);
		n = m->plen < DP_HELLO_PEEK ? m->plen : DP_HELLO_PEEK;
		if (n == DP_HELLO_PEEK ? dp_load_hdr(pk, hook, m->poff, pre, DP_HELLO_PEEK) < 0
				       : dp_load(pk, hook, m->poff, pre, n) < 0)
			return;
		hello = dp_hello_start(pre, n);
	}
	if (DP_CFG(pkt_max) && (flags & NP_TCP_SYN) && !m->plen)	/* --pcap-dir */
		dp_pkt_syn(pk, hook, s, m);
	if (!hello) {
		hint = dp_hint_slot(h & (TLSMON_HINT_SLOTS - 1));
		if (!hint || dp_hint_get(hint) == 0)
			return;
	}
	/* Slow path: this packet may belong to a handshake.  One clock read. */
	now = dp_now(pk);
	if (hello == 1)
		dp_flow_warm(h);
	sender_is_a = dp_make_key(m, &s->key);
	dp_count(TLSMON_C_FLOW_LOOKUPS, 1);
	f = dp_flow_lookup(&s->key, h);
	if (f && (flags & NP_TCP_SYN) && !(flags & NP_TCP_ACK)) {
		dp_fill_hdr(s, pk, now, m,
			    sender_is_a == f->client_is_a ? TLSMON_DIR_C2S : TLSMON_DIR_S2C);
		dp_flow_end(s, &s->key, f, TLSMON_END_REUSED, m->seq);
		f = 0;
		if (!hello)
			return;	/* the lookup found the flow: not a stale hint */
	}
	if (!f) {
		if (!hello) {
			dp_count(TLSMON_C_HINT_STALE, 1);
			return;
		}
		f = dp_flow_create(s, now, sender_is_a, hello == 1);
		if (!f)
			return;
	}
	dir = sender_is_a == f->client_is_a ? TLSMON_DIR_C2S : TLSMON_DIR_S2C;
	dp_flow_packet(pk, hook, s, m, f, dir, now);
}

/* The rest of a frame's way, once the pre-filter said r (DP_PRE_*). */
TLSP_INLINE void dp_handle_pre(const struct dp_pkt *pk, const int hook, int r)
{
	if (r == DP_PRE_DONE)
		return;
	if (r == DP_PRE_QUIC) {
		dp_quic(pk, hook);
		return;
	}
	dp_handle_full(pk, hook);
}

/* The whole datapath for one frame: the pre-filter, then the rest. */
TLSP_INLINE void dp_handle(const struct dp_pkt *pk, const int hook)
{
	dp_handle_pre(pk, hook,
		      pk->data ? dp_prefilter(pk->data, pk->data_end) : DP_PRE_FULL);
}

#endif /* TLSMON_DP_H */
