/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet / VLAN / IPv4 / IPv6 / TCP (and, asked, UDP) header parsing for the datapath, shared
 * by the BPF programs and the userspace replay build.  Direct pointer access
 * with a check against data_end before every header, in the shape the BPF
 * verifier can follow.
 */
#ifndef TLSMON_NET_PARSE_H
#define TLSMON_NET_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include "tls_record.h"	/* TLSP_INLINE */

#ifndef VLAN_MAX_DEPTH
#define VLAN_MAX_DEPTH 2
#endif
#ifndef IPV6_EXT_MAX_CHAIN
#define IPV6_EXT_MAX_CHAIN 6
#endif

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

#define NP_TCP_FIN 0x01
#define NP_TCP_SYN 0x02
#define NP_TCP_RST 0x04
#define NP_TCP_PSH 0x08
#define NP_TCP_ACK 0x10

/* What the datapath needs of one TCP packet. */
struct np_meta {
	__u8 saddr[16];		/* IPv6, or IPv4-mapped */
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u32 seq;		/* sequence number of the first payload byte */
	__u32 ack;
	__u32 poff;		/* payload offset from the start of the frame */
	__u32 plen;		/* payload length (from the IP length, not the frame) */
	__u8 family;
	__u8 ttl;
	__u8 tcp_flags;
	__u8 pad;
	__u16 ip_id;
	__u16 pad2;
};

enum np_result {
	NP_TCP = 0,
	NP_NOT_TCP = 1,		/* not IP or not TCP: leave at once */
	NP_FRAGMENT = 2,	/* IP fragment: counted and skipped */
	NP_MALFORMED = 3,	/* header cut short or inconsistent */
	NP_UDP = 4,		/* with NP_F_UDP: a UDP datagram, not a tunnel we read */
};

struct vlan_hdr_np {
	__be16 tci;
	__be16 proto;
};

struct ipv6_opt_np {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag_np {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

/*
 * The header types the parser reads through.  A frame's own headers are
 * aligned (drivers and pcap_src start frames at NET_IP_ALIGN), but after a
 * tunnel's inner Ethernet header (VXLAN, Geneve) the IP header is 2 bytes
 * off: C then needs types of alignment 1, which the userspace build uses.
 * BPF keeps the plain structs and its code as it was (the loads are fine).
 */
#ifdef __bpf__
typedef struct iphdr np_iphdr;
typedef struct ipv6hdr np_ipv6hdr;
typedef struct tcphdr np_tcphdr;
typedef struct vlan_hdr_np np_vlanhdr;
#else
typedef struct iphdr __attribute__((aligned(1))) np_iphdr;
typedef struct ipv6hdr __attribute__((aligned(1))) np_ipv6hdr;
typedef struct tcphdr __attribute__((aligned(1))) np_tcphdr;
typedef struct vlan_hdr_np __attribute__((aligned(1))) np_vlanhdr;
#endif

#define NP_BSWAP16(x) ((__u16)((((x) & 0xff) << 8) | (((x) >> 8) & 0xff)))
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define np_ntohs(x) NP_BSWAP16((__u16)(x))
#define np_ntohl(x) __builtin_bswap32((__u32)(x))
#else
#define np_ntohs(x) ((__u16)(x))
#define np_ntohl(x) ((__u32)(x))
#endif
#define np_htons(x) np_ntohs(x)	/* folded at compile time for a constant */

/* The byte of a TCP header that holds its flags (CWR .. FIN), NP_TCP_* */
#define NP_TCP_FLAGS_OFF 13
#define np_tcp_flags(th) (((const __u8 *)(th))[NP_TCP_FLAGS_OFF])

TLSP_INLINE void np_v4_mapped(__u8 *dst, const void *src4)
{
	const __u8 *s = (const __u8 *)src4;
	int i;

	for (i = 0; i < 10; i++)
		dst[i] = 0;
	dst[10] = 0xff;
	dst[11] = 0xff;
	dst[12] = s[0];
	dst[13] = s[1];
	dst[14] = s[2];
	dst[15] = s[3];
}

TLSP_INLINE int np_tcp(const void *data, const void *data_end, const __u8 *p, __u32 l4_len,
		       struct np_meta *m)
{
	const np_tcphdr *th = (const np_tcphdr *)p;
	__u32 doff;

	if ((const void *)(th + 1) > data_end)
		return NP_MALFORMED;
	doff = th->doff * 4;
	if (doff < sizeof(*th) || doff > l4_len)
		return NP_MALFORMED;
	m->sport = np_ntohs(th->source);
	m->dport = np_ntohs(th->dest);
	m->seq = np_ntohl(th->seq);
	m->ack = np_ntohl(th->ack_seq);
	m->tcp_flags = np_tcp_flags(th);
	m->poff = (__u32)(p - (const __u8 *)data) + doff;
	m->plen = l4_len - doff;
	/* A SYN occupies one sequence number before its data (TCP Fast Open). */
	if (m->tcp_flags & NP_TCP_SYN)
		m->seq += 1;
	return NP_TCP;
}

/*
 * A UDP datagram at p, l4_len bytes of IP payload: its ports, and its
 * payload in m->poff and m->plen.  One whose length does not hold is no
 * datagram of ours (NP_NOT_TCP, as UDP was before NP_F_UDP).
 */
TLSP_INLINE int np_udp(const void *data, const void *data_end, const __u8 *p, __u32 l4_len,
		       struct np_meta *m)
{
	const __u8 *uh = p;
	__u32 ulen;

	if ((const void *)(uh + 8) > data_end)
		return NP_NOT_TCP;
	ulen = (__u32)uh[4] << 8 | uh[5];
	if (ulen < 8 || ulen > l4_len)
		return NP_NOT_TCP;
	m->sport = (__u16)(uh[0] << 8 | uh[1]);
	m->dport = (__u16)(uh[2] << 8 | uh[3]);
	m->seq = 0;
	m->ack = 0;
	m->tcp_flags = 0;
	m->poff = (__u32)(p - (const __u8 *)data) + 8;
	m->plen = ulen - 8;
	return NP_UDP;
}

/* How np_parse() continues after an IP header. */
#define NP_NEXT_TCP 1
#define NP_NEXT_ETH 2		/* Geneve, VXLAN: an inner Ethernet frame */
#define NP_NEXT_IP 3		/* IP in IP, GTP-U: an inner IP packet */
#define NP_NEXT_UDP 4		/* with NP_F_UDP */

#define NP_F_DECAP 1		/* look inside tunnels */
#define NP_F_UDP 2		/* UDP too (QUIC): NP_UDP, its payload in poff and plen */
#ifndef NP_MAX_LAYERS
#define NP_MAX_LAYERS 3		/* outer, one tunnel, and one more */
#endif

#define NP_MAX_HDR_OFF 1024	/* tunnel headers end within this */

#define NP_UDP_GTPU 2152
#define NP_UDP_GENEVE 6081
#define NP_UDP_VXLAN 4789

struct np_udp {
	__be16 source, dest, len, check;
};

/*
 * A tunnel inside UDP: the offset of the inner header in *inner and its kind,
 * or 0 when the datagram is not a tunnel we read.
 */
TLSP_INLINE int np_udp_tunnel(const void *data_end, const __u8 *p, __u32 left, const __u8 **inner)
{
	const struct np_udp *uh = (const struct np_udp *)p;
	const __u8 *q;
	__u16 port;
	__u32 hl;

	if ((const void *)(uh + 1) > data_end || left < sizeof(*uh))
		return 0;
	port = np_ntohs(uh->dest);
	q = p + sizeof(*uh);
	left -= sizeof(*uh);
	if (port == NP_UDP_VXLAN) {
		/* flags(1) reserved(3) VNI(3) reserved(1); I flag must be set */
		if ((const void *)(q + 8) > data_end || left < 8 || !(q[0] & 0x08))
			return 0;
		*inner = q + 8;
		return NP_NEXT_ETH;
	}
	if (port == NP_UDP_GENEVE) {
		/* ver(2b) opt_len(6b, 4-byte units) flags(1) protocol(2) VNI(3) rsvd(1) */
		if ((const void *)(q + 8) > data_end || left < 8 || (q[0] >> 6) != 0)
			return 0;
		hl = 8 + (q[0] & 0x3f) * 4;
		if (hl > left || q[2] != 0x65 || q[3] != 0x58)	/* Transparent Ethernet Bridging */
			return 0;
		*inner = q + hl;
		return NP_NEXT_ETH;
	}
	if (port == NP_UDP_GTPU) {
		/* version 1, PT 1, G-PDU (0xff); E/S/PN add 4 bytes, E chains extensions */
		if ((const void *)(q + 8) > data_end || left < 8 || (q[0] & 0xf0) != 0x30 ||
		    q[1] != 0xff)
			return 0;
		hl = 8;
		if (q[0] & 0x07) {
			__u32 i, n;

			if ((const void *)(q + 12) > data_end || left < 12)
				return 0;
			hl = 12;
			n = q[11];	/* next extension header type */
			for (i = 0; i < 4 && n; i++) {
				const __u8 *x = q + hl;

				if ((const void *)(x + 1) > data_end || hl + 1 > left)
					return 0;
				if (!x[0])
					return 0;
				hl += x[0] * 4;
				if (hl > left)
					return 0;
				x = q + hl - 1;
				if ((const void *)(x + 1) > data_end)
					return 0;
				n = x[0];
			}
			if (n)
				return 0;
		}
		*inner = q + hl;
		return NP_NEXT_IP;
	}
	return 0;
}

TLSP_INLINE int np_ipv4(const void *data_end, const __u8 *p, __u32 frame_left,
			struct np_meta *m, int flags, const __u8 **inner)
{
	const np_iphdr *iph = (const np_iphdr *)p;
	__u32 ihl, tot;

	if ((const void *)(iph + 1) > data_end)
		return -NP_MALFORMED;
	if (iph->version != 4)
		return -NP_MALFORMED;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return -NP_MALFORMED;
	if (iph->protocol != IPPROTO_TCP && !(flags & NP_F_DECAP) &&
	    !(iph->protocol == IPPROTO_UDP && (flags & NP_F_UDP)))
		return -NP_NOT_TCP;
	/* MF set or a non-zero offset */
	if (np_ntohs(iph->frag_off) & 0x3fff)
		return iph->protocol == IPPROTO_TCP ? -NP_FRAGMENT : -NP_NOT_TCP;
	tot = np_ntohs(iph->tot_len);
	/* TSO/GSO packets seen at TC egress may carry tot_len 0 (BIG TCP). */
	if (tot == 0 || tot > frame_left)
		tot = frame_left;
	if (tot < ihl)
		return -NP_MALFORMED;
	if (iph->protocol == IPPROTO_UDP) {
		int k = flags & NP_F_DECAP ? np_udp_tunnel(data_end, p + ihl, tot - ihl, inner) : 0;

		if (k)
			return k;
		if (!(flags & NP_F_UDP))
			return -NP_NOT_TCP;
	}
	switch (iph->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:	/* NP_F_UDP, not a tunnel: the datagram's own headers */
		m->family = 4;
		m->ttl = iph->ttl;
		m->ip_id = np_ntohs(iph->id);
		np_v4_mapped(m->saddr, &iph->saddr);
		np_v4_mapped(m->daddr, &iph->daddr);
		m->plen = tot - ihl;	/* the TCP segment's length, for np_parse() */
		*inner = p + ihl;
		return iph->protocol == IPPROTO_TCP ? NP_NEXT_TCP : NP_NEXT_UDP;
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
		*inner = p + ihl;
		return NP_NEXT_IP;
	}
	return -NP_NOT_TCP;
}

/*
 * Re-derive a header pointer from its offset passed through memory (m->poff
 * as scratch): in BPF the verifier then continues from one state whichever
 * path led here, so the costs of successive header loops add up instead of
 * multiplying.  Returns NULL past NP_MAX_HDR_OFF.
 */
TLSP_INLINE const __u8 *np_forget(struct np_meta *m, const void *data, const __u8 *p)
{
	__u32 off;

	m->poff = (__u32)(p - (const __u8 *)data);
	off = *(volatile __u32 *)&m->poff;
	if (off > NP_MAX_HDR_OFF)
		return 0;
	return (const __u8 *)data + off;
}

TLSP_INLINE int np_ipv6(const void *data, const void *data_end, const __u8 *p, __u32 frame_left,
			struct np_meta *m, int flags, const __u8 **inner)
{
	const np_ipv6hdr *ip6 = (const np_ipv6hdr *)p;
	const struct ipv6_opt_np *opt;
	__u32 left, hl;
	__u8 nh, hop;
	int i, k;

	if ((const void *)(ip6 + 1) > data_end)
		return -NP_MALFORMED;
	if (ip6->version != 6)
		return -NP_MALFORMED;
	left = np_ntohs(ip6->payload_len);
	if (frame_left < sizeof(*ip6))
		return -NP_MALFORMED;
	if (left == 0 || left > frame_left - sizeof(*ip6))
		left = frame_left - sizeof(*ip6);	/* jumbogram / GSO */
	nh = ip6->nexthdr;
	hop = ip6->hop_limit;
	__builtin_memcpy(m->saddr, &ip6->saddr, 16);
	__builtin_memcpy(m->daddr, &ip6->daddr, 16);
	p += sizeof(*ip6);
	/* hop-by-hop, routing and destination options; fragments are skipped */
	for (i = 0; i < IPV6_EXT_MAX_CHAIN; i++) {
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS)
			break;
		opt = (const struct ipv6_opt_np *)p;
		if ((const void *)(opt + 1) > data_end)
			return -NP_MALFORMED;
		hl = (opt->hdrlen + 1) * 8;
		if (hl > left)
			return -NP_MALFORMED;
		nh = opt->nexthdr;
		p += hl;
		left -= hl;
	}
	m->plen = left;
	p = np_forget(m, data, p);
	if (!p)
		return -NP_MALFORMED;
	left = *(volatile __u32 *)&m->plen;
	if (nh == IPPROTO_UDP) {
		k = flags & NP_F_DECAP ? np_udp_tunnel(data_end, p, left, inner) : 0;
		if (k)
			return k;
		if (!(flags & NP_F_UDP))
			return -NP_NOT_TCP;
	}
	switch (nh) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:	/* NP_F_UDP, not a tunnel: the datagram's own headers */
		m->family = 6;
		m->ttl = hop;
		m->ip_id = 0;
		/* m->plen: the TCP segment's length, for np_parse() */
		*inner = p;
		return nh == IPPROTO_TCP ? NP_NEXT_TCP : NP_NEXT_UDP;
	case IPPROTO_FRAGMENT:
		return -NP_FRAGMENT;
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
		if (!(flags & NP_F_DECAP))
			return -NP_NOT_TCP;
		*inner = p;
		return NP_NEXT_IP;
	}
	return -NP_NOT_TCP;
}

/*
 * Ethernet, up to two VLAN tags, PPPoE session: the ethertype after them, and
 * in *limit the length PPPoE gives its payload (0: none; the frame may carry
 * padding past it).
 */
TLSP_INLINE int np_l2(const void *data_end, const __u8 **pp, __u16 *proto_out, __u32 *limit)
{
	const struct ethhdr *eth = (const struct ethhdr *)*pp;
	const np_vlanhdr *vh;
	const __u8 *p;
	__u16 proto, ppp;
	int i;

	if ((const void *)(eth + 1) > data_end)
		return -NP_MALFORMED;
	proto = np_ntohs(eth->h_proto);
	p = (const __u8 *)(eth + 1);
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vh = (const np_vlanhdr *)p;
		if ((const void *)(vh + 1) > data_end)
			return -NP_MALFORMED;
		proto = np_ntohs(vh->proto);
		p = (const __u8 *)(vh + 1);
	}
	if (proto == ETH_P_PPP_SES) {
		/* PPPoE: ver/type(1) code(1) session(2) length(2), then PPP protocol(2) */
		if ((const void *)(p + 8) > data_end || p[0] != 0x11 || p[1] != 0)
			return -NP_NOT_TCP;
		ppp = (p[6] << 8) | p[7];
		*limit = (p[4] << 8) | p[5];
		*limit = *limit >= 2 ? *limit - 2 : 0;
		p += 8;
		proto = ppp == 0x0021 ? ETH_P_IP : ppp == 0x0057 ? ETH_P_IPV6 : 0;
	}
	*pp = p;
	*proto_out = proto;
	return 0;
}

/*
 * One layer of np_parse(): the headers from offset m->poff, of kind next
 * (NP_NEXT_ETH: an Ethernet frame, NP_NEXT_IP: an IP packet), down to what
 * follows them.  Returns its kind (NP_NEXT_TCP, _ETH, _IP) with its offset in
 * m->poff (and, for TCP, the segment's length in m->plen), or -NP_* when the
 * frame ends here.
 */
TLSP_INLINE int np_layer(const void *data, const void *data_end, __u32 frame_len,
			 struct np_meta *m, int flags, int next)
{
	const __u8 *p, *inner = 0;
	__u16 proto = 0;
	__u32 off, limit = 0, left;
	int r;

	off = *(volatile __u32 *)&m->poff;
	if (off > NP_MAX_HDR_OFF)
		return -NP_MALFORMED;
	p = (const __u8 *)data + off;
	if (next == NP_NEXT_ETH) {
		r = np_l2(data_end, &p, &proto, &limit);
		if (r)
			return r;
		p = np_forget(m, data, p);
		if (!p)
			return -NP_MALFORMED;
	} else {
		if ((const void *)(p + 1) > data_end)
			return -NP_MALFORMED;
		proto = (p[0] >> 4) == 4 ? ETH_P_IP : (p[0] >> 4) == 6 ? ETH_P_IPV6 : 0;
	}
	off = (__u32)(p - (const __u8 *)data);
	if (off > frame_len)
		return -NP_MALFORMED;
	left = frame_len - off;
	if (limit && limit < left)
		left = limit;
	if (proto == ETH_P_IP)
		r = np_ipv4(data_end, p, left, m, flags, &inner);
	else if (proto == ETH_P_IPV6)
		r = np_ipv6(data, data_end, p, left, m, flags, &inner);
	else
		return -NP_NOT_TCP;
	if (r < 0)
		return r;
	if (!np_forget(m, data, inner))
		return -NP_MALFORMED;
	return r;
}

/*
 * How np_parse_at() takes one layer.  The kernel's build makes it a
 * separately verified function per hook (ctx: the hook's context), so that
 * the layers' many header shapes are verified once and not once per layer
 * and per shape of the layer before.
 */
#ifndef NP_LAYER
#define NP_LAYER(ctx, hook, data, data_end, frame_len, m, flags, next) \
	np_layer((data), (data_end), (frame_len), (m), (flags), (next))
#endif

/*
 * Parse a frame [data, data_end) of frame_len bytes in total (the frame may
 * continue past data_end in non-linear buffers) down to TCP (or UDP, with
 * NP_F_UDP), through at most NP_MAX_LAYERS - 1 tunnels when flags has
 * NP_F_DECAP.  ctx and hook: the
 * program's context and hook, for NP_LAYER.
 */
TLSP_INLINE int np_parse_at(void *ctx, const int hook, const void *data, const void *data_end,
			    __u32 frame_len, struct np_meta *m, int flags)
{
	int next = NP_NEXT_ETH, layer;
	__u32 off, l4len;

	(void)ctx;
	(void)hook;
	m->poff = 0;
	for (layer = 0; layer < NP_MAX_LAYERS; layer++) {
		next = NP_LAYER(ctx, hook, data, data_end, frame_len, m, flags, next);
		if (next < 0)
			return -next;
		if (next == NP_NEXT_TCP || next == NP_NEXT_UDP) {
			off = *(volatile __u32 *)&m->poff;
			l4len = *(volatile __u32 *)&m->plen;
			if (off > NP_MAX_HDR_OFF || off > frame_len || l4len > frame_len - off)
				return NP_MALFORMED;
			if (next == NP_NEXT_UDP)
				return np_udp(data, data_end, (const __u8 *)data + off, l4len, m);
			return np_tcp(data, data_end, (const __u8 *)data + off, l4len, m);
		}
	}
	return NP_NOT_TCP;
}

#ifndef NP_LAYER_NEEDS_CTX
/* np_parse_at() where the layers need no context (userspace). */
TLSP_INLINE int np_parse(const void *data, const void *data_end, __u32 frame_len,
			 struct np_meta *m, int flags)
{
	return np_parse_at(0, 0, data, data_end, frame_len, m, flags);
}

/* Compatibility wrapper: an Ethernet frame, no tunnels. */
TLSP_INLINE int np_parse_eth(const void *data, const void *data_end, __u32 frame_len,
			     struct np_meta *m)
{
	return np_parse(data, data_end, frame_len, m, 0);
}
#endif

#endif /* TLSMON_NET_PARSE_H */
