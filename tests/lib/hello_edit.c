// SPDX-License-Identifier: BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hello_edit.h"

static const char *const what_names[HX_WHAT_N] = {
	[HX_RECORD] = "record", [HX_HS] = "handshake", [HX_SID] = "session_id",
	[HX_CIPHERS] = "cipher_suites", [HX_COMP] = "compression_methods",
	[HX_EXTS] = "extensions block", [HX_EXT] = "extension", [HX_SNI_LIST] = "server_name list",
	[HX_SNI_NAME] = "server_name name", [HX_ALPN_LIST] = "ALPN list",
	[HX_ALPN_NAME] = "ALPN name", [HX_VERSIONS] = "supported_versions",
	[HX_GROUPS] = "supported_groups", [HX_SIGALGS] = "signature_algorithms",
	[HX_ECPF] = "ec_point_formats", [HX_KS_LIST] = "key_share list",
	[HX_KS_KEY] = "key_share key_exchange",
};

const char *hx_what_name(int what)
{
	return what >= 0 && what < HX_WHAT_N ? what_names[what] : "?";
}

static void hx_die(const struct hx *h, const char *why, uint32_t pos)
{
	fprintf(stderr, "hello_edit: %s at offset %u of a %u-byte hello\n", why, pos, h->len);
	abort();
}

static uint32_t rd(const struct hx *h, uint32_t pos, uint32_t w)
{
	uint32_t v = 0, i;

	if (pos + w > h->len)
		hx_die(h, "length field past the end", pos);
	for (i = 0; i < w; i++)
		v = (v << 8) | h->b[pos + i];
	return v;
}

void hx_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static int add(struct hx *h, int what, int parent, int ext, uint32_t lpos, uint32_t w)
{
	struct hx_span *s;
	uint32_t lim = parent < 0 ? h->len : h->s[parent].end;

	if (h->n == HX_SPANS)
		hx_die(h, "too many length fields", lpos);
	s = &h->s[h->n];
	s->what = what;
	s->parent = parent;
	s->ext = ext;
	s->lpos = lpos;
	s->w = w;
	s->start = lpos + w;
	s->end = s->start + rd(h, lpos, w);
	if (s->end > lim)
		hx_die(h, "vector runs past its container", lpos);
	return h->n++;
}

/* The vectors inside an extension body, as far as the parser reads them. */
static void walk_ext(struct hx *h, int e, int type)
{
	struct hx_span x = h->s[e];
	uint32_t r;
	int l, k;

	switch (type) {
	case 0:		/* server_name: list of (type, name) */
		if (h->sh)
			return;
		l = add(h, HX_SNI_LIST, e, type, x.start, 2);
		for (r = h->s[l].start; r < h->s[l].end; r = h->s[k].end)
			k = add(h, HX_SNI_NAME, l, type, r + 1, 2);
		break;
	case 16:	/* ALPN: list of names */
		l = add(h, HX_ALPN_LIST, e, type, x.start, 2);
		for (r = h->s[l].start; r < h->s[l].end; r = h->s[k].end)
			k = add(h, HX_ALPN_NAME, l, type, r, 1);
		break;
	case 43:
		if (!h->sh)
			add(h, HX_VERSIONS, e, type, x.start, 1);
		break;
	case 10:
		if (!h->sh)
			add(h, HX_GROUPS, e, type, x.start, 2);
		break;
	case 13:
		if (!h->sh)
			add(h, HX_SIGALGS, e, type, x.start, 2);
		break;
	case 11:	/* a ServerHello's point formats are not read */
		if (!h->sh)
			add(h, HX_ECPF, e, type, x.start, 1);
		break;
	case 40:
	case 51:	/* key_share: list of (group, key_exchange) */
		if (h->sh)
			return;
		l = add(h, HX_KS_LIST, e, type, x.start, 2);
		for (r = h->s[l].start; r < h->s[l].end; r = h->s[k].end)
			k = add(h, HX_KS_KEY, l, type, r + 2, 2);
		break;
	}
}

void hx_walk(struct hx *h)
{
	int rec, hs, ex, e;
	uint32_t p, v;

	h->n = 0;
	rec = add(h, HX_RECORD, -1, -1, 3, 2);
	hs = add(h, HX_HS, rec, -1, 6, 3);
	p = 9 + 2 + 32;
	v = rd(h, 9, 2);
	if (h->sh && (v == 0x0304 || (v >> 8) == 0x7f))
		hx_die(h, "draft ServerHello layout not supported", 9);
	p = h->s[add(h, HX_SID, hs, -1, p, 1)].end;
	if (!h->sh) {
		p = h->s[add(h, HX_CIPHERS, hs, -1, p, 2)].end;
		p = h->s[add(h, HX_COMP, hs, -1, p, 1)].end;
	} else {
		p += 3;
	}
	if (p == h->s[hs].end)
		return;
	ex = add(h, HX_EXTS, hs, -1, p, 2);
	if (h->s[ex].end != h->s[hs].end)
		hx_die(h, "extensions block does not end the message", p);
	for (p = h->s[ex].start; p < h->s[ex].end; p = h->s[e].end) {
		int type = rd(h, p, 2);

		e = add(h, HX_EXT, ex, type, p + 2, 2);
		walk_ext(h, e, type);
	}
}

void hx_load(struct hx *h, const uint8_t *b, uint32_t len, int is_sh)
{
	if (len > HX_MAX)
		hx_die(h, "hello too large", len);
	memcpy(h->b, b, len);
	h->len = len;
	h->sh = is_sh;
	hx_walk(h);
}

int hx_find(const struct hx *h, int what, int ext, int nth)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->s[i].what == what && (ext < 0 || h->s[i].ext == ext) && nth-- == 0)
			return i;
	return -1;
}

int hx_ext(const struct hx *h, int type, int nth)
{
	return hx_find(h, HX_EXT, type, nth);
}

uint32_t hx_get_len(const struct hx *h, int i)
{
	return rd(h, h->s[i].lpos, h->s[i].w);
}

void hx_set_len(struct hx *h, int i, uint32_t v)
{
	uint32_t k, w = h->s[i].w;

	for (k = 0; k < w; k++)
		h->b[h->s[i].lpos + k] = (v >> (8 * (w - 1 - k))) & 0xff;
}

void hx_splice_nowalk(struct hx *h, int i, uint32_t pos, uint32_t del, const void *ins,
		      uint32_t n)
{
	int64_t d = (int64_t)n - del, v;
	int j;

	if (i < 0 || pos < h->s[i].start || pos + del > h->s[i].end)
		hx_die(h, "edit outside its vector", pos);
	if (h->len + d > HX_MAX)
		hx_die(h, "edit makes the hello too large", pos);
	memmove(h->b + pos + n, h->b + pos + del, h->len - pos - del);
	if (n)
		memcpy(h->b + pos, ins, n);
	h->len += d;
	for (j = i; j >= 0; j = h->s[j].parent) {
		v = (int64_t)hx_get_len(h, j) + d;
		if (v < 0 || v >= (1ll << (8 * h->s[j].w)))
			hx_die(h, "length does not fit its field", h->s[j].lpos);
		hx_set_len(h, j, v);
	}
}

void hx_splice(struct hx *h, int i, uint32_t pos, uint32_t del, const void *ins, uint32_t n)
{
	hx_splice_nowalk(h, i, pos, del, ins, n);
	hx_walk(h);
}

void hx_empty(struct hx *h, int i)
{
	hx_splice_nowalk(h, i, h->s[i].start, h->s[i].end - h->s[i].start, NULL, 0);
}

void hx_add_ext(struct hx *h, uint16_t type, const void *body, uint32_t n)
{
	int ex = hx_find(h, HX_EXTS, -1, 0);
	uint8_t *buf = malloc(n + 4);

	if (ex < 0)
		hx_die(h, "no extensions block", 0);
	hx_put16(buf, type);
	hx_put16(buf + 2, n);
	if (n)
		memcpy(buf + 4, body, n);
	hx_splice(h, ex, h->s[ex].end, 0, buf, n + 4);
	free(buf);
}
