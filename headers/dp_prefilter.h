/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath, pre-filter: most packets on a busy host leave on their first
 * bytes, before any parse into scratch space or counter.
 */
#ifndef TLSMON_DP_PREFILTER_H
#define TLSMON_DP_PREFILTER_H

#include "dp_base.h"
#include "dp_flow.h"

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
 * A look at the first bytes before anything else (no parse into scratch, no
 * counter): an untagged Ethernet frame whose plain IPv4 or IPv6 header
 * carries neither TCP nor a tunnel tlsmon reads; TCP with no payload and
 * none of SYN, FIN, RST; or such TCP whose payload does not start a hello on
 * a flow the hint array does not know (the one map touched).  Returns 1 when
 * the packet needs nothing more; every other frame (VLAN, PPPoE, IPv6
 * extension headers, fragments, tunnels, short or odd ones) takes the full
 * path, which counts what it skips.  Most packets on a busy host end here.
 */
TLSP_INLINE int dp_prefilter(const void *data, const void *data_end, int decap)
{
	const __u8 *p = (const __u8 *)data, *q;
	__u32 ihl, tot, doff, port, a[8], x, *hint;
	__u8 proto, tf, v6 = 0;

	if ((const void *)(p + 14 + 40) > data_end)
		return 0;
	if (p[12] == 0x08 && p[13] == 0x00) {
		if ((p[14] >> 4) != 4)
			return 0;
		ihl = (p[14] & 15) * 4;
		tot = (__u32)p[16] << 8 | p[17];
		proto = p[23];
		if (ihl < 20 || tot < ihl)
			return 0;
		if ((p[20] & 0x3f) || p[21])	/* a fragment: counted by the full path */
			return proto != IPPROTO_TCP;
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		if ((p[14] >> 4) != 6)
			return 0;
		ihl = 40;
		tot = 40 + ((__u32)p[18] << 8 | p[19]);
		proto = p[20];
		v6 = 1;
	} else {
		return 0;
	}
	if (proto == IPPROTO_TCP) {
		q = p + 14 + ihl;
		if ((const void *)(q + 20) > data_end)
			return 0;
		doff = (q[12] >> 4) * 4;
		tf = q[13];
		if (doff < 20 || (tf & (NP_TCP_SYN | NP_TCP_FIN | NP_TCP_RST)) || tot < ihl + doff)
			return 0;
		if (tot == ihl + doff)
			return 1;	/* no payload */
		/* payload: a hello starts the full path, and so does a flow we track */
		if (tot - ihl - doff < 6 || (const void *)(q + doff + 6) > data_end ||
		    dp_hello_start(q + doff, 6))
			return 0;
		if (!v6) {	/* IPv4, with or without options */
			__builtin_memcpy(a, p + 26, 8);	/* source and destination */
			x = a[0] ^ a[1];
		} else {
			__builtin_memcpy(a, p + 22, 32);	/* IPv6 source and destination */
			x = a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4] ^ a[5] ^ a[6] ^ a[7];
		}
		hint = dp_hint_slot(dp_hash_mix(x, (__u16)(q[0] << 8 | q[1]),
						(__u16)(q[2] << 8 | q[3])) &
				    (TLSMON_HINT_SLOTS - 1));
		return hint && dp_hint_get(hint) == 0;
	}
	if (!decap)
		return proto != 0 && proto != 43 && proto != 44 && proto != 60;
	if (proto == IPPROTO_UDP) {
		p += 14 + ihl;
		if ((const void *)(p + 4) > data_end)
			return 0;
		port = (__u32)p[2] << 8 | p[3];
		return port != NP_UDP_VXLAN && port != NP_UDP_GENEVE && port != NP_UDP_GTPU;
	}
	/* IPv6 extension headers and IP-in-IP take the full parse */
	return proto != 0 && proto != 43 && proto != 44 && proto != 60 && proto != IPPROTO_IPIP &&
	       proto != IPPROTO_IPV6;
}

#endif /* TLSMON_DP_PREFILTER_H */
