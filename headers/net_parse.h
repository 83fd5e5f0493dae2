/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet / VLAN / IPv4 / IPv6 / TCP header parsing for the datapath, shared
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
#include "tls_parse.h"

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

#define NP_BSWAP16(x) ((__u16)((((x) & 0xff) << 8) | (((x) >> 8) & 0xff)))
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define np_ntohs(x) NP_BSWAP16((__u16)(x))
#define np_ntohl(x) __builtin_bswap32((__u32)(x))
#else
#define np_ntohs(x) ((__u16)(x))
#define np_ntohl(x) ((__u32)(x))
#endif

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
	const struct tcphdr *th = (const struct tcphdr *)p;
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
	m->tcp_flags = ((const __u8 *)th)[13];
	m->poff = (__u32)(p - (const __u8 *)data) + doff;
	m->plen = l4_len - doff;
	/* A SYN occupies one sequence number before its data (TCP Fast Open). */
	if (m->tcp_flags & NP_TCP_SYN)
		m->seq += 1;
	return NP_TCP;
}

TLSP_INLINE int np_ipv4(const void *data, const void *data_end, const __u8 *p, __u32 frame_left,
			struct np_meta *m)
{
	const struct iphdr *iph = (const struct iphdr *)p;
	__u32 ihl, tot;

	if ((const void *)(iph + 1) > data_end)
		return NP_MALFORMED;
	if (iph->version != 4)
		return NP_MALFORMED;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return NP_MALFORMED;
	if (iph->protocol != IPPROTO_TCP)
		return NP_NOT_TCP;
	/* MF set or a non-zero offset */
	if (np_ntohs(iph->frag_off) & 0x3fff)
		return NP_FRAGMENT;
	tot = np_ntohs(iph->tot_len);
	/* TSO/GSO packets seen at TC egress may carry tot_len 0 (BIG TCP). */
	if (tot == 0 || tot > frame_left)
		tot = frame_left;
	if (tot < ihl)
		return NP_MALFORMED;
	m->family = 4;
	m->ttl = iph->ttl;
	m->ip_id = np_ntohs(iph->id);
	np_v4_mapped(m->saddr, &iph->saddr);
	np_v4_mapped(m->daddr, &iph->daddr);
	p += ihl;
	return np_tcp(data, data_end, p, tot - ihl, m);
}

TLSP_INLINE int np_ipv6(const void *data, const void *data_end, const __u8 *p, __u32 frame_left,
			struct np_meta *m)
{
	const struct ipv6hdr *ip6 = (const struct ipv6hdr *)p;
	const struct ipv6_opt_np *opt;
	__u32 left, hl;
	__u8 nh;
	int i;

	if ((const void *)(ip6 + 1) > data_end)
		return NP_MALFORMED;
	if (ip6->version != 6)
		return NP_MALFORMED;
	left = np_ntohs(ip6->payload_len);
	if (frame_left < sizeof(*ip6))
		return NP_MALFORMED;
	if (left == 0 || left > frame_left - sizeof(*ip6))
		left = frame_left - sizeof(*ip6);	/* jumbogram / GSO */
	m->family = 6;
	m->ttl = ip6->hop_limit;
	m->ip_id = 0;
	__builtin_memcpy(m->saddr, &ip6->saddr, 16);
	__builtin_memcpy(m->daddr, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	p += sizeof(*ip6);
	for (i = 0; i < IPV6_EXT_MAX_CHAIN; i++) {
		switch (nh) {
		case IPPROTO_TCP:
			return np_tcp(data, data_end, p, left, m);
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			opt = (const struct ipv6_opt_np *)p;
			if ((const void *)(opt + 1) > data_end)
				return NP_MALFORMED;
			hl = (opt->hdrlen + 1) * 8;
			if (hl > left)
				return NP_MALFORMED;
			nh = opt->nexthdr;
			p += hl;
			left -= hl;
			break;
		case IPPROTO_FRAGMENT:
			return NP_FRAGMENT;
		default:
			return NP_NOT_TCP;
		}
	}
	return NP_NOT_TCP;
}

/*
 * Parse an Ethernet frame [data, data_end) of frame_len bytes in total (the
 * frame may continue past data_end in non-linear buffers).
 */
TLSP_INLINE int np_parse_eth(const void *data, const void *data_end, __u32 frame_len,
			     struct np_meta *m)
{
	const struct ethhdr *eth = (const struct ethhdr *)data;
	const struct vlan_hdr_np *vh;
	const __u8 *p;
	__u16 proto;
	int i;

	if ((const void *)(eth + 1) > data_end)
		return NP_MALFORMED;
	proto = np_ntohs(eth->h_proto);
	p = (const __u8 *)(eth + 1);
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vh = (const struct vlan_hdr_np *)p;
		if ((const void *)(vh + 1) > data_end)
			return NP_MALFORMED;
		proto = np_ntohs(vh->proto);
		p = (const __u8 *)(vh + 1);
	}
	if ((__u32)(p - (const __u8 *)data) > frame_len)
		return NP_MALFORMED;
	if (proto == ETH_P_IP)
		return np_ipv4(data, data_end, p, frame_len - (__u32)(p - (const __u8 *)data), m);
	if (proto == ETH_P_IPV6)
		return np_ipv6(data, data_end, p, frame_len - (__u32)(p - (const __u8 *)data), m);
	return NP_NOT_TCP;
}

#endif /* TLSMON_NET_PARSE_H */
