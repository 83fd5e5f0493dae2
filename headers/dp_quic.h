/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath, QUIC: UDP datagrams that start with a long-header Initial,
 * Retry or Version Negotiation packet of a version tlsmon reads go to
 * userspace whole (bounded), the first TLSMON_QUIC_PER_CONN of each
 * connection; the collector decrypts and parses them (user/pipe/quic.c).
 * The pre-filter finds them by content on any port (dp_quic_peek), so every
 * other UDP datagram costs a few instructions and no map operation.  Plain
 * Ethernet with IPv4 (unfragmented) or IPv6 without extension headers is
 * read from a copy of its headers (dp_quic_parse); every other frame (VLAN
 * tags, PPPoE, IPv6 extension headers, the tunnels --decap reads) takes the
 * full parse like TCP (net_parse.h, NP_F_UDP), and a UDP datagram it finds
 * is looked at the same way, five bytes (dp_quic_found): no map operation.
 */
#ifndef TLSMON_DP_QUIC_H
#define TLSMON_DP_QUIC_H

#include "dp_base.h"
#include "dp_flow.h"

#define DP_UDP_HDR_LEN 8
/* Bytes of a UDP payload the pre-filter reads: first byte and version. */
#define DP_QUIC_PEEK 5

/*
 * Does this UDP payload start a long-header packet we ship?  Version
 * Negotiation (version 0; its other bits are arbitrary), or a v1/v2 packet
 * whose type is Initial or Retry (the type bits differ by version, RFC 9369
 * 3.2).  Not the fixed bit: peers that agreed to grease it (RFC 9287;
 * ngtcp2 does) clear it at random, the version says enough.  0-RTT and
 * Handshake packets, short headers and other versions: no.
 */
/*
 * The long-header bit.  Widened and hidden from the compiler, which would
 * otherwise test the byte's sign, three instructions in BPF instead of one.
 */
TLSP_INLINE int dp_quic_lh(const __u8 *p)
{
	__u32 b = p[0];

	TLSP_OPAQUE(b);
	return b >= 0x80;
}

TLSP_INLINE int dp_quic_long(const __u8 *p)
{
	__u32 v;
	__u8 type;

	if (!dp_quic_lh(p))
		return 0;
	v = dp_wire32(p + 1);	/* the version, compared in network order */
	type = p[0] & 0x30;
	if (v == 0)
		return 1;
	if (v == np_ntohl(TLSMON_QUIC_V1))
		return type == 0x00 || type == 0x30;
	if (v == np_ntohl(TLSMON_QUIC_V2))
		return type == 0x10 || type == 0x00;
	return 0;
}

/*
 * The pre-filter's look at a UDP header at l4 (l4_len bytes of IP payload):
 * the long-header bit first, as most UDP is not a long header.
 */
TLSP_INLINE int dp_quic_peek(const __u8 *l4, const void *data_end, __u32 l4_len)
{
	const __u8 *p = l4 + DP_UDP_HDR_LEN;

	/* the long-header bit alone first: most UDP leaves on it */
	if ((const void *)(p + 1) > data_end || !dp_quic_lh(p))
		return 0;
	if ((const void *)(p + DP_QUIC_PEEK) > data_end || l4_len < DP_UDP_HDR_LEN + DP_QUIC_PEEK)
		return 0;
	return dp_quic_long(p);
}

TLSP_INLINE __u16 dp_be16(const __u8 *b)
{
	return (__u16)(b[0] << 8 | b[1]);
}

/*
 * The headers of a datagram the pre-filter let through, from their copy
 * b[0, n) (n <= DP_QUIC_HDRS_MAX): 0, or -1 when they do not hold.
 */
TLSP_INLINE int dp_quic_parse(const __u8 *b, __u32 n, struct np_meta *m)
{
	__u32 l3 = 14, l4, ihl, l4_len, ulen;
	__u16 proto;

	if (n < l3 + 40)
		return -1;
	proto = dp_be16(b + 12);
	if (proto == ETH_P_IP) {
		ihl = (b[l3] & 15) * 4;
		if ((b[l3] >> 4) != 4 || ihl < 20 || b[l3 + 9] != IPPROTO_UDP ||
		    (dp_be16(b + l3 + 6) & 0x3fff) || dp_be16(b + l3 + 2) < ihl)
			return -1;
		l4_len = dp_be16(b + l3 + 2) - ihl;
		np_v4_mapped(m->saddr, b + l3 + 12);
		np_v4_mapped(m->daddr, b + l3 + 16);
		m->family = 4;
		m->ttl = b[l3 + 8];
		m->ip_id = dp_be16(b + l3 + 4);
		l4 = l3 + ihl;
	} else if (proto == ETH_P_IPV6) {
		if ((b[l3] >> 4) != 6 || b[l3 + 6] != IPPROTO_UDP)
			return -1;
		l4_len = dp_be16(b + l3 + 4);
		__builtin_memcpy(m->saddr, b + l3 + 8, 16);
		__builtin_memcpy(m->daddr, b + l3 + 24, 16);
		m->family = 6;
		m->ttl = b[l3 + 7];
		m->ip_id = 0;
		l4 = l3 + 40;
	} else {
		return -1;
	}
	if (l4 > DP_QUIC_HDRS_MAX - DP_UDP_HDR_LEN || l4 + DP_UDP_HDR_LEN > n)
		return -1;
	ulen = dp_be16(b + l4 + 4);
	if (ulen < DP_UDP_HDR_LEN + DP_QUIC_PEEK || ulen > l4_len)
		return -1;
	m->sport = dp_be16(b + l4);
	m->dport = dp_be16(b + l4 + 2);
	m->seq = 0;
	m->ack = 0;
	m->tcp_flags = 0;
	m->poff = l4 + DP_UDP_HDR_LEN;
	m->plen = ulen - DP_UDP_HDR_LEN;
	return 0;
}

/*
 * One more datagram of this connection: 1 while under its cap.  Racing
 * CPUs may let a datagram or two past: the cap bounds load, not a count.
 */
TLSP_INLINE int dp_quic_admit(__u32 h, __u64 now)
{
	struct tlsmon_quic_slot *q = dp_array(quic_slots, h & (TLSMON_QUIC_SLOTS - 1));
	__u32 tag = h | 1;

	if (!q)
		return 0;
	if (q->tag != tag || now - q->last_ns > TLSMON_QUIC_IDLE_NS) {
		if (q->tag && q->tag != tag && now - q->last_ns <= TLSMON_QUIC_IDLE_NS)
			dp_count(TLSMON_C_QUIC_EVICTED, 1);
		q->tag = tag;
		q->n = 0;
	}
	q->last_ns = now;
	if (q->n >= TLSMON_QUIC_PER_CONN) {
		dp_count(TLSMON_C_QUIC_CAPPED, 1);
		return 0;
	}
	q->n++;
	return 1;
}

/* The datagram into a ring buffer record of the smallest size class that holds it. */
TLSP_INLINE void dp_quic_ship(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s)
{
	const struct np_meta *m = &s->meta;
	struct tlsmon_ev_quic *e = 0;
	__u32 n = m->plen, cap = 0;

	if (n > TLSMON_QUIC_MAX) {
		n = TLSMON_QUIC_MAX;
		dp_count(TLSMON_C_QUIC_TRUNC, 1);
	}
	TLSP_OPAQUE(n);
	if (n <= 256) {
		e = dp_reserve(TLSMON_QUIC_HDR + 256);
		cap = 256;
	} else if (n <= 1536) {
		e = dp_reserve(TLSMON_QUIC_HDR + 1536);
		cap = 1536;
	} else if (n <= TLSMON_QUIC_MAX) {
		e = dp_reserve(TLSMON_QUIC_HDR + TLSMON_QUIC_MAX);
		cap = TLSMON_QUIC_MAX;
	}
	if (!e) {
		dp_count(TLSMON_C_RB_FAIL, 1);
		return;
	}
	if (n < 1 || n > cap || dp_load(pk, hook, m->poff, e->data, n) < 0) {
		dp_discard(e);
		dp_count(TLSMON_C_LOAD_FAIL, 1);
		return;
	}
	e->h = s->hdr;
	e->h.type = TLSMON_EV_QUIC;
	e->h.size = TLSMON_QUIC_HDR + n;
	e->len = n;
	e->dgram_len = m->plen;
	e->pad = 0;
	dp_commit(e, TLSMON_QUIC_HDR + cap);
	dp_count(TLSMON_C_EVENTS, 1);
	dp_count(TLSMON_C_QUIC_SHIPPED, 1);
}

/* How dp_quic_stage() finds the datagram's headers. */
#define DP_QUIC_FRAME 0		/* plain Ethernet: parsed here from a copy */
#define DP_QUIC_PARSED 1	/* in s->meta already: the full parse's */

/*
 * A datagram the pre-filter (DP_QUIC_FRAME) or the full parse
 * (DP_QUIC_PARSED) found QUIC: a stage (DP_STAGE), verified once apart from
 * dp_handle(), whose paths to it it would otherwise multiply (verifier
 * cost).  s->hdr holds the hook and interface; QUIC has no flow, f is
 * unused; the events go out as from the client (the pipe finds the roles).
 */
TLSP_INLINE int dp_quic_stage(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			      struct tlsmon_flow *f, __u32 how)
{
	struct np_meta *m = &s->meta;
	struct tlsmon_ev_hdr *h = &s->hdr;
	__u32 n = dp_frame_len(pk, hook);
	__u64 now;

	(void)f;
	if (n > DP_QUIC_HDRS_MAX)
		n = DP_QUIC_HDRS_MAX;
	TLSP_OPAQUE(n);
	if (how != DP_QUIC_PARSED &&
	    (n < 1 || n > DP_QUIC_HDRS_MAX || dp_load(pk, hook, 0, s->qh, n) < 0 ||
	     dp_quic_parse(s->qh, n, m))) {
		dp_count(TLSMON_C_MALFORMED, 1);
		return 0;
	}
	if (!dp_port_allowed(m)) {
		dp_count(TLSMON_C_PORT_FILTERED, 1);
		return 0;
	}
	now = dp_now(pk);
	if (!dp_quic_admit(dp_flow_hash(m), now))
		return 0;
	/* the sender as the client: the collector finds the roles */
	/* not dp_fill_hdr(): a stage's pk has no hook or ifindex (dp_quic() set them) */
	h->version = TLSMON_EVENT_VERSION;
	h->dir = TLSMON_DIR_C2S;
	h->ts_ns = now;
	dp_hdr_tuple(h, m, TLSMON_DIR_C2S);
	h->seq = 0;
	h->tcp_flags = 0;
	h->origin = 0;
	dp_quic_ship(pk, hook, s);
	return 0;
}

/* Past the pre-filter: counted, then the stage. */
TLSP_INLINE void dp_quic(const struct dp_pkt *pk, const int hook)
{
	struct tlsmon_scratch *s = dp_scratch(hook);

	if (!s)
		return;
	dp_count(TLSMON_C_PACKETS, 1);
	s->hdr.hook = pk->hook;
	s->hdr.ifindex = pk->ifindex;
	/* stages take a flow; QUIC has none: any memory of its size passes the check */
	DP_STAGE(dp_quic_stage, pk, hook, s, (struct tlsmon_flow *)s, DP_QUIC_FRAME);
}

/*
 * A UDP datagram the full parse found (np_parse(), NP_F_UDP: in a VLAN,
 * PPPoE, a tunnel, after IPv6 extension headers), frame_len bytes in all:
 * five bytes looked at, as the pre-filter does, and a QUIC one shipped.
 * The frame was counted.
 */
TLSP_INLINE void dp_quic_found(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			       __u32 frame_len)
{
	const struct np_meta *m = &s->meta;

	if (m->plen < DP_QUIC_PEEK || m->poff > frame_len || m->plen > frame_len - m->poff ||
	    dp_load(pk, hook, m->poff, s->pre, DP_QUIC_PEEK) < 0 || !dp_quic_long(s->pre))
		return;
	s->hdr.hook = pk->hook;
	s->hdr.ifindex = pk->ifindex;
	DP_STAGE(dp_quic_stage, pk, hook, s, (struct tlsmon_flow *)s, DP_QUIC_PARSED);
}

#endif /* TLSMON_DP_QUIC_H */
