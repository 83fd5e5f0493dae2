// SPDX-License-Identifier: BSD-3-Clause
/* Test frames, byte by byte.  Checksums stay zero on purpose: see pkt.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "pkt.h"

struct wr {
	uint8_t *b;
	size_t n, cap;
	int full;
};

static uint8_t *wr_take(struct wr *w, size_t n)
{
	uint8_t *p;

	if (w->full || n > w->cap - w->n) {
		w->full = 1;
		return NULL;
	}
	p = w->b + w->n;
	memset(p, 0, n);
	w->n += n;
	return p;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static size_t tcp_opts_len(const struct pkt_tcp_opts *o)
{
	size_t n = 0;

	n += o->mss ? 4 : 0;
	n += o->sack_ok ? 2 : 0;
	n += o->ts ? 10 : 0;
	n += o->wscale_on ? 3 : 0;
	return (n + 3) & ~(size_t)3;
}

/* MSS, SACK-permitted, timestamps, window scale, then NOPs to a 4-byte boundary */
static void tcp_opts_put(uint8_t *p, size_t room, const struct pkt_tcp_opts *o)
{
	size_t i = 0;

	if (o->mss) {
		p[i++] = 2;
		p[i++] = 4;
		put16(p + i, o->mss);
		i += 2;
	}
	if (o->sack_ok) {
		p[i++] = 4;
		p[i++] = 2;
	}
	if (o->ts) {
		p[i++] = 8;
		p[i++] = 10;
		put32(p + i, o->tsval);
		put32(p + i + 4, o->tsecr);
		i += 8;
	}
	if (o->wscale_on) {
		p[i++] = 3;
		p[i++] = 3;
		p[i++] = o->wscale;
	}
	while (i < room)
		p[i++] = 1;	/* NOP */
}

static int l4_put(struct wr *w, const struct pkt_spec *s)
{
	uint8_t *p;
	size_t ol;

	if (s->udp) {
		p = wr_take(w, 8);
		if (!p)
			return -1;
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, 8 + s->len);
		return 0;
	}
	ol = tcp_opts_len(&s->opt);
	p = wr_take(w, 20 + ol);
	if (!p)
		return -1;
	put16(p, s->sport);
	put16(p + 2, s->dport);
	put32(p + 4, s->seq);
	put32(p + 8, s->ack);
	p[12] = ((20 + ol) / 4) << 4;
	p[13] = s->tcp_flags;
	put16(p + 14, s->win ? s->win : 65535);
	tcp_opts_put(p + 20, ol, &s->opt);
	return 0;
}

static size_t l4_len(const struct pkt_spec *s)
{
	return (s->udp ? 8 : 20 + tcp_opts_len(&s->opt)) + s->len;
}

static int ip4_put(struct wr *w, const struct pkt_spec *s)
{
	size_t ol = (s->ip_opts_len + 3) & ~(size_t)3;
	uint8_t *p = wr_take(w, 20 + ol);

	if (!p || ol > 40)
		return -1;
	p[0] = 0x40 | (uint8_t)((20 + ol) / 4);
	put16(p + 2, 20 + ol + l4_len(s));
	put16(p + 4, s->ip_id);
	put16(p + 6, (s->ip_more_frags ? 0x2000 : 0) | (s->ip_frag_off & 0x1fff));
	p[8] = s->ttl;
	p[9] = s->udp ? IPPROTO_UDP : IPPROTO_TCP;
	memcpy(p + 12, s->src, 4);
	memcpy(p + 16, s->dst, 4);
	if (s->ip_opts_len)
		memcpy(p + 20, s->ip_opts, s->ip_opts_len);	/* the rest is EOL (0) */
	return 0;
}

static size_t ext6_len(const struct pkt_ext6 *e)
{
	return e->type == IPPROTO_FRAGMENT ? 8 : (e->units + 1) * 8u;
}

static int ip6_put(struct wr *w, const struct pkt_spec *s)
{
	size_t plen = l4_len(s);
	uint8_t *p = wr_take(w, 40), *x;
	int i;

	if (!p)
		return -1;
	for (i = 0; i < s->n_ext6; i++)
		plen += ext6_len(&s->ext6[i]);
	p[0] = 0x60;
	put16(p + 4, plen);
	p[6] = s->n_ext6 ? s->ext6[0].type : s->udp ? IPPROTO_UDP : IPPROTO_TCP;
	p[7] = s->ttl;
	memcpy(p + 8, s->src, 16);
	memcpy(p + 24, s->dst, 16);
	for (i = 0; i < s->n_ext6; i++) {
		const struct pkt_ext6 *e = &s->ext6[i];
		size_t n = ext6_len(e);

		x = wr_take(w, n);
		if (!x)
			return -1;
		x[0] = i + 1 < s->n_ext6 ? s->ext6[i + 1].type : s->udp ? IPPROTO_UDP : IPPROTO_TCP;
		if (e->type == IPPROTO_FRAGMENT) {
			put16(x + 2, (uint16_t)(e->frag_off << 3) | (e->more ? 1 : 0));
			put32(x + 4, e->frag_id);
			continue;
		}
		x[1] = e->units;
		if (e->type == IPPROTO_ROUTING) {
			x[2] = 4;	/* segment routing header, segments left 0: passed over */
			continue;
		}
		/* HBH / dest-opts: one PadN option filling the header */
		x[2] = 1;
		x[3] = n - 4;
	}
	return 0;
}

size_t pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s)
{
	static const uint8_t dmac[6] = { 2, 0, 0, 0, 0, 2 }, smac[6] = { 2, 0, 0, 0, 0, 1 };
	struct wr w = { .b = buf, .cap = cap };
	uint8_t *p;
	int i;

	p = wr_take(&w, 12);
	if (!p)
		return 0;
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	for (i = 0; i < s->n_vlans && i < PKT_MAX_VLANS; i++) {
		p = wr_take(&w, 4);
		if (!p)
			return 0;
		put16(p, s->vlan[i].tpid);
		put16(p + 2, s->vlan[i].vid & 0x0fff);
	}
	p = wr_take(&w, 2);
	if (!p)
		return 0;
	put16(p, s->family == 6 ? 0x86dd : 0x0800);
	if ((s->family == 6 ? ip6_put(&w, s) : ip4_put(&w, s)) < 0 || l4_put(&w, s) < 0)
		return 0;
	p = s->len ? wr_take(&w, s->len) : NULL;
	if (s->len && !p)
		return 0;
	if (p)
		memcpy(p, s->payload, s->len);
	return w.full ? 0 : w.n;
}

void pkt_ip4(uint8_t dst[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(dst, 0, 16);
	dst[0] = a;
	dst[1] = b;
	dst[2] = c;
	dst[3] = d;
}

int pkt_ip6(uint8_t dst[16], const char *text)
{
	return inet_pton(AF_INET6, text, dst) == 1 ? 0 : -1;
}

int pkt_addr_rec(uint8_t dst[16], const char *text)
{
	memset(dst, 0, 16);
	if (inet_pton(AF_INET, text, dst + 12) == 1) {
		dst[10] = dst[11] = 0xff;
		return 0;
	}
	return pkt_ip6(dst, text);
}
