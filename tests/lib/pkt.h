/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small frame builder for datapath tests: Ethernet with 0-2 VLAN tags,
 * IPv4 (with options) or IPv6 (with a chain of extension headers), then TCP
 * (with options) or UDP, then the payload.
 *
 * Checksums (IPv4 header, TCP, UDP) are left zero: the datapath never checks
 * them and BPF_PROG_TEST_RUN does not either.  Do not feed these frames to a
 * real stack.
 */
#ifndef TLSMON_TEST_PKT_H
#define TLSMON_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 4096
#define PKT_MAX_VLANS 2
#define PKT_MAX_EXT6 6

/* TCP flags, as on the wire */
#define PKT_FIN 0x01
#define PKT_SYN 0x02
#define PKT_RST 0x04
#define PKT_PSH 0x08
#define PKT_ACK 0x10

struct pkt_vlan {
	uint16_t tpid;		/* 0x8100 (802.1Q) or 0x88a8 (802.1ad) */
	uint16_t vid;
};

/* One IPv6 extension header. */
struct pkt_ext6 {
	uint8_t type;		/* IPPROTO_HOPOPTS, _ROUTING, _DSTOPTS, _FRAGMENT */
	uint8_t units;		/* HBH/routing/dest-opts: length in 8-byte units minus 1 */
	uint16_t frag_off;	/* fragment: offset in 8-byte units */
	uint8_t more;		/* fragment: M flag */
	uint32_t frag_id;
};

/* TCP options: each one present when its field is set. */
struct pkt_tcp_opts {
	uint16_t mss;
	uint8_t sack_ok;
	uint8_t ts;		/* timestamps, with tsval/tsecr */
	uint32_t tsval, tsecr;
	uint8_t wscale_on;
	uint8_t wscale;
};

struct pkt_spec {
	int family;			/* 4 or 6 */
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	int n_vlans;
	struct pkt_vlan vlan[PKT_MAX_VLANS];
	uint8_t ttl;			/* TTL or hop limit */
	uint16_t ip_id;			/* IPv4 only */
	uint8_t ip_more_frags;		/* IPv4: MF flag */
	uint16_t ip_frag_off;		/* IPv4: offset in 8-byte units */
	const uint8_t *ip_opts;		/* IPv4 options; padded with EOL to 4 bytes */
	size_t ip_opts_len;
	int n_ext6;
	struct pkt_ext6 ext6[PKT_MAX_EXT6];
	int udp;			/* a UDP datagram instead of TCP */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t win;
	struct pkt_tcp_opts opt;
	const uint8_t *payload;
	size_t len;
};

/* Builds the frame into buf; returns its length, or 0 when it does not fit in cap. */
size_t pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s);

/* Address helpers: a.b.c.d, or an IPv6 address in text. */
void pkt_ip4(uint8_t dst[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d);
int pkt_ip6(uint8_t dst[16], const char *text);
/* An address as records keep it, IPv4 mapped into IPv6: "10.0.0.1" or IPv6 text.  0 or -1. */
int pkt_addr_rec(uint8_t dst[16], const char *text);

#endif
