// SPDX-License-Identifier: BSD-3-Clause
#include "udp.h"

static uint16_t be16(const uint8_t *b)
{
	return b[0] << 8 | b[1];
}

int udp_of(const uint8_t *e, size_t len, struct udp *u)
{
	size_t off = 14, ulen;
	uint16_t type;

	if (len < 14)
		return -1;
	type = be16(e + 12);
	if (type == 0x8100 && len >= 18) {
		type = be16(e + 16);
		off = 18;
	}
	if (type == 0x0800) {
		if (len < off + 20 || (e[off] >> 4) != 4 || e[off + 9] != 17 ||
		    (be16(e + off + 6) & 0x3fff))
			return -1;
		u->family = 4;
		u->src = e + off + 12;
		u->dst = e + off + 16;
		off += (e[off] & 15) * 4;
	} else if (type == 0x86dd) {
		if (len < off + 40 || e[off + 6] != 17)
			return -1;
		u->family = 6;
		u->src = e + off + 8;
		u->dst = e + off + 24;
		off += 40;
	} else {
		return -1;
	}
	if (len < off + 8)
		return -1;
	ulen = be16(e + off + 4);
	if (ulen < 8 || off + ulen > len)
		return -1;
	u->sp = be16(e + off);
	u->dp = be16(e + off + 2);
	u->p = e + off + 8;
	u->n = ulen - 8;
	return 0;
}
