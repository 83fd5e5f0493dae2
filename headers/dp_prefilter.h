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

/* What dp_prefilter() says of a frame. */
#define DP_PRE_FULL 0		/* the full path */
#define DP_PRE_DONE 1		/* nothing more to do */
#define DP_PRE_QUIC 2		/* a QUIC long-header datagram: dp_quic() */

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
	const struct np_udp *uh;
	const __u8 *l4, *pl;
	__u32 ihl, l4_len, doff, a[8], x, *hint;
	__u16 eth_proto;
	__u8 proto, vihl;

	/* one bound for both fixed IP headers: no field below is checked again */
	if ((const void *)(d + DP_PREFILTER_MIN_LEN) > data_end)
		return 0;
	eth_proto = dp_wire16(d + DP_ETH_PROTO);
	if (eth_proto == np_htons(ETH_P_IP)) {
		vihl = d[DP_ETH_LEN];
		proto = d[DP_ETH_LEN + 9];
		/* version 4 and a header of 20 to 60 bytes, in one compare */
		if ((__u8)(vihl - 0x45) > 0x0a)
			return 0;
		ihl = (vihl & 15) * 4;
		l4_len = np_ntohs(dp_wire16(d + DP_ETH_LEN + 2)) - ihl;
		if ((__s32)l4_len < 0)
			return 0;
		/* MF set or a non-zero offset: a fragment, counted by the full path */
		if (dp_wire16(d + DP_ETH_LEN + 6) & np_htons(0x3fff))
			return proto != IPPROTO_TCP;
		l4 = d + DP_ETH_LEN + ihl;
	} else if (eth_proto == np_htons(ETH_P_IPV6)) {
		if ((d[DP_ETH_LEN] >> 4) != 6)
			return 0;
		l4_len = np_ntohs(dp_wire16(d + DP_ETH_LEN + 4));
		proto = d[DP_ETH_LEN + 6];
		l4 = d + DP_ETH_LEN + sizeof(struct ipv6hdr);
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP) {
		if (dp_quic_peek(l4, data_end, l4_len))
			return DP_PRE_QUIC;
		if (!DP_CFG(decap))
			return 1;
		uh = (const struct np_udp *)l4;
		if ((const void *)(&uh->dest + 1) > data_end)	/* the ports are all it reads */
			return 0;
		return uh->dest != np_htons(NP_UDP_VXLAN) && uh->dest != np_htons(NP_UDP_GENEVE) &&
		       uh->dest != np_htons(NP_UDP_GTPU);
	}
	if (proto == IPPROTO_TCP) {
		if ((const void *)(l4 + sizeof(np_tcphdr)) > data_end)
			return 0;
		doff = (l4[12] >> 4) * 4;
		if (doff < sizeof(np_tcphdr) ||
		    (l4[NP_TCP_FLAGS_OFF] & (NP_TCP_SYN | NP_TCP_FIN | NP_TCP_RST)) || l4_len < doff)
			return 0;
		if (l4_len == doff)
			return 1;	/* no payload */
		/* payload: a hello starts the full path, and so does a flow we track */
		pl = l4 + doff;
		if (l4_len - doff < DP_HELLO_PEEK || (const void *)(pl + DP_HELLO_PEEK) > data_end ||
		    dp_hello_start(pl, DP_HELLO_PEEK))
			return 0;
		if (eth_proto == np_htons(ETH_P_IP)) {	/* with or without options */
			__builtin_memcpy(a, d + DP_ETH_LEN + 12, 8);	/* source and destination */
			x = a[0] ^ a[1];
		} else {
			__builtin_memcpy(a, d + DP_ETH_LEN + 8, 32);	/* source and destination */
			x = a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4] ^ a[5] ^ a[6] ^ a[7];
		}
		hint = dp_hint_slot(dp_hash_mix(x, np_ntohs(dp_wire16(l4)), np_ntohs(dp_wire16(l4 + 2))) &
				    (TLSMON_HINT_SLOTS - 1));
		return hint && dp_hint_get(hint) == 0;
	}
	if (!DP_CFG(decap))
		return !dp_ipv6_ext(proto);
	/* IPv6 extension headers and IP-in-IP take the full parse */
	return !dp_ipv6_ext(proto) && proto != IPPROTO_IPIP && proto != IPPROTO_IPV6;
}

#endif /* TLSMON_DP_PREFILTER_H */
