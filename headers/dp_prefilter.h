/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath, pre-filter: most packets on a busy host leave on their first
 * bytes, before any parse into scratch space or counter.
 */
#ifndef TLSMON_DP_PREFILTER_H
#define TLSMON_DP_PREFILTER_H

#include "dp_base.h"
#include "dp_flow.h"
#include "dp_quic.h"

/* Payload bytes a hello is recognised by: a record header and the handshake type. */
#define DP_HELLO_PEEK 6

/* Does the payload start like a hello that should start tracking? 1: client, 2: server */
TLSP_INLINE int dp_hello_start(const __u8 *p, __u32 n)
{
	if (n >= 3 && p[0] == TLS_CT_HANDSHAKE && p[1] == 3 && p[2] <= 4) {
		if (n < 6 || p[5] == TLS_HS_CLIENT_HELLO)
			return 1;
		if (p[5] == TLS_HS_SERVER_HELLO)
			return 2;
		return 0;
	}
	if (n >= 5 && (p[0] & 0x80) && p[2] == TLS_HS_CLIENT_HELLO &&
	    (p[3] == 3 || (p[3] == 0 && p[4] == 2)))
		return 1;
	return 0;
}

/*
 * The pre-filter reads no frame shorter than an Ethernet and an IPv6 header
 * (the full path takes those, and counts them): one bound covers the fixed
 * part of either IP header.
 */
#define DP_PREFILTER_MIN_LEN (sizeof(struct ethhdr) + sizeof(struct ipv6hdr))
#define DP_ETH_LEN 14		/* an untagged Ethernet header */
#define DP_ETH_PROTO 12		/* its EtherType */

/* IPv6 extension headers: only the full parse walks them. */
TLSP_INLINE int dp_ipv6_ext(__u8 proto)
{
	return proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING || proto == IPPROTO_FRAGMENT ||
	       proto == IPPROTO_DSTOPTS;
}

/*
 * Does the hint array know no flow of these addresses (ip: the source's
 * first byte, IPv4 or IPv6) and ports (the TCP header's first bytes)?
 */
TLSP_INLINE int dp_hint_none(const __u8 *ip, const int v6, const __u8 *ports)
{
	__u32 x = dp_wire32(ip) ^ dp_wire32(ip + 4), *hint, h;

	/* source and destination: the words of both, as dp_hash() folds them */
	if (v6)
		x ^= dp_wire32(ip + 8) ^ dp_wire32(ip + 12) ^ dp_wire32(ip + 16) ^
		     dp_wire32(ip + 20) ^ dp_wire32(ip + 24) ^ dp_wire32(ip + 28);
	h = dp_hash_mix(x, np_ntohs(dp_wire16(ports)), np_ntohs(dp_wire16(ports + 2)));
	hint = dp_hint_slot(h & (TLSMON_HINT_SLOTS - 1));
	if (hint && dp_hint_get(hint) == 0)
		return 1;
	/* a flow of this hash is tracked: its set is read once the frame is parsed */
	dp_prefetch_set(h);
	return 0;
}

/*
 * The pre-filter past the IP header: UDP or TCP at l4, l4_len bytes of IP
 * payload; ip is where the addresses start (v6: IPv6's).  1: nothing more
 * to do; DP_PRE_QUIC; 0: the full path.
 */
TLSP_INLINE int dp_prefilter_l4(const __u8 *l4, const void *data_end, __u32 l4_len, __u8 proto,
				const __u8 *ip, const int v6)
{
	const __u8 *pl;
	__u32 doff;
	__u16 port;

	if (proto == IPPROTO_UDP) {
		if (dp_quic_peek(l4, data_end, l4_len))
			return DP_PRE_QUIC;
		if (!DP_CFG(decap))
			return 1;
		if ((const void *)(l4 + 4) > data_end)	/* the ports are all it reads */
			return 0;
		port = dp_wire16(l4 + 2);
		return port != np_htons(NP_UDP_VXLAN) && port != np_htons(NP_UDP_GENEVE) &&
		       port != np_htons(NP_UDP_GTPU);
	}
	if (proto != IPPROTO_TCP || (const void *)(l4 + sizeof(np_tcphdr)) > data_end)
		return 0;
	/* the flags first: one value fewer held while they are tested */
	if (l4[NP_TCP_FLAGS_OFF] & (NP_TCP_SYN | NP_TCP_FIN | NP_TCP_RST))
		return 0;
	doff = (l4[12] >> 4) * 4;
	if (doff < sizeof(np_tcphdr) || l4_len < doff)
		return 0;
	if (l4_len == doff)
		return 1;	/* no payload */
	/* payload: a hello starts the full path, and so does a flow we track */
	pl = l4 + doff;
	if (l4_len - doff < DP_HELLO_PEEK || (const void *)(pl + DP_HELLO_PEEK) > data_end ||
	    dp_hello_start(pl, DP_HELLO_PEEK))
		return 0;
	return dp_hint_none(ip, v6, l4);
}

/* Offsets in an untagged Ethernet frame */
#define DP_IP4_TOT (DP_ETH_LEN + 2)		/* IPv4 total length */
#define DP_IP4_FRAG (DP_ETH_LEN + 6)		/* flags and fragment offset */
#define DP_IP4_PROTO (DP_ETH_LEN + 9)		/* protocol */
#define DP_IP4_ADDRS (DP_ETH_LEN + 12)		/* source and destination */
#define DP_IP6_PLEN (DP_ETH_LEN + 4)		/* IPv6 payload length */
#define DP_IP6_NEXT (DP_ETH_LEN + 6)		/* next header */
#define DP_IP6_ADDRS (DP_ETH_LEN + 8)

/*
 * The commonest frames, on fixed offsets: an untagged Ethernet frame with a
 * 20-byte IPv4 header (not a fragment) or an IPv6 header without extension
 * headers, carrying UDP or TCP.  What dp_prefilter() says of such a frame,
 * but 0 (ask dp_prefilter(), which decides every frame) for all others and
 * where the answer would be DP_PRE_QUIC.  XDP's entry runs it first: with
 * offsets known, its values fit in scratch registers, so the entry saves
 * none in its prologue (tests/unit/test_prefilter.c holds it to
 * dp_prefilter()).
 */
TLSP_INLINE int dp_prefilter_fast(const __u8 *d, const void *data_end)
{
	__u32 tot;
	int r;

	if ((const void *)(d + DP_PREFILTER_MIN_LEN) > data_end)
		return 0;
	if (dp_wire16(d + DP_ETH_PROTO) == np_htons(ETH_P_IP)) {
		tot = np_ntohs(dp_wire16(d + DP_IP4_TOT));
		if (d[DP_ETH_LEN] != 0x45 || tot < 20)
			return 0;
		/*
		 * A fragment: not for TCP.  UDP may go on, as dp_prefilter()
		 * says 1 of every UDP fragment, whatever its bytes read as.
		 */
		if (d[DP_IP4_PROTO] != IPPROTO_UDP &&
		    (dp_wire16(d + DP_IP4_FRAG) & np_htons(0x3fff)))
			return 0;
		r = dp_prefilter_l4(d + DP_ETH_LEN + 20, data_end, tot - 20, d[DP_IP4_PROTO],
				    d + DP_IP4_ADDRS, 0);
	} else if (dp_wire16(d + DP_ETH_PROTO) == np_htons(ETH_P_IPV6)) {
		if ((d[DP_ETH_LEN] >> 4) != 6)
			return 0;
		r = dp_prefilter_l4(d + DP_ETH_LEN + 40, data_end,
				    np_ntohs(dp_wire16(d + DP_IP6_PLEN)), d[DP_IP6_NEXT],
				    d + DP_IP6_ADDRS, 1);
	} else {
		return 0;
	}
	return r == 1;
}

/*
 * A look at the first bytes before anything else (no parse into scratch, no
 * counter): an untagged Ethernet frame whose plain IPv4 or IPv6 header
 * carries neither TCP nor a tunnel tlsmon reads; TCP with no payload and
 * none of SYN, FIN, RST; or such TCP whose payload does not start a hello on
 * a flow the hint array does not know (the one map touched).  Returns 1 when
 * the packet needs nothing more, 2 for UDP that starts a QUIC long header we
 * read (dp_quic.h; other UDP costs a bounds check and a byte or five compared);
 * every other frame (VLAN, PPPoE, IPv6
 * extension headers, fragments, tunnels, short or odd ones) takes the full
 * path, which counts what it skips.  Most packets on a busy host end here.
 */
TLSP_INLINE int dp_prefilter(const void *data, const void *data_end)
{
	const __u8 *d = (const __u8 *)data;
	const __u8 *l4;
	__u32 ihl, l4_len;
	__u8 proto, vihl;
	int v6 = 0;

	/* one bound for both fixed IP headers: no field below is checked again */
	if ((const void *)(d + DP_PREFILTER_MIN_LEN) > data_end)
		return 0;
	if (dp_wire16(d + DP_ETH_PROTO) == np_htons(ETH_P_IP)) {
		vihl = d[DP_ETH_LEN];
		proto = d[DP_IP4_PROTO];
		/* version 4 and a header of 20 to 60 bytes, in one compare */
		if ((__u8)(vihl - 0x45) > 0x0a)
			return 0;
		ihl = (vihl & 15) * 4;
		l4_len = np_ntohs(dp_wire16(d + DP_IP4_TOT)) - ihl;
		if ((__s32)l4_len < 0)
			return 0;
		/* MF set or a non-zero offset: a fragment, counted by the full path */
		if (dp_wire16(d + DP_IP4_FRAG) & np_htons(0x3fff))
			return proto != IPPROTO_TCP;
		l4 = d + DP_ETH_LEN + ihl;
	} else if (dp_wire16(d + DP_ETH_PROTO) == np_htons(ETH_P_IPV6)) {
		if ((d[DP_ETH_LEN] >> 4) != 6)
			return 0;
		l4_len = np_ntohs(dp_wire16(d + DP_IP6_PLEN));
		proto = d[DP_IP6_NEXT];
		l4 = d + DP_ETH_LEN + sizeof(struct ipv6hdr);
		v6 = 1;
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP || proto == IPPROTO_TCP)
		return dp_prefilter_l4(l4, data_end, l4_len, proto,
				       d + (v6 ? DP_IP6_ADDRS : DP_IP4_ADDRS), v6);
	if (!DP_CFG(decap))
		return !dp_ipv6_ext(proto);
	/* IPv6 extension headers and IP-in-IP take the full parse */
	return !dp_ipv6_ext(proto) && proto != IPPROTO_IPIP && proto != IPPROTO_IPV6;
}

#endif /* TLSMON_DP_PREFILTER_H */
