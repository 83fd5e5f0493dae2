/* SPDX-License-Identifier: BSD-3-Clause */
/* The UDP datagram of an Ethernet frame, as the QUIC tests read captures. */
#ifndef TLSMON_TEST_UDP_H
#define TLSMON_TEST_UDP_H

#include <stddef.h>
#include <stdint.h>

struct udp {
	int family;		/* 4 or 6 */
	const uint8_t *src, *dst;	/* 4 or 16 bytes */
	uint16_t sp, dp;
	const uint8_t *p;	/* payload */
	size_t n;
};

/*
 * Ethernet (one VLAN tag) -> IPv4 (unfragmented) or IPv6 (no extension
 * headers) -> UDP: 0, or -1 when the frame is not such a datagram whole.
 */
int udp_of(const uint8_t *e, size_t len, struct udp *u);

#endif
