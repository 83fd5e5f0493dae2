/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Editing real hellos for negative tests.  A hello (record header + one
 * ClientHello or ServerHello) is loaded with the position of every length
 * field it carries; an edit inside one vector rewrites that vector's length
 * and the lengths of everything enclosing it, so a crafted variant differs
 * from the real bytes in exactly the one way the test intends.
 *
 * The layout walk is this file's own, kept independent of headers/tls_parse.h
 * on purpose: it only reads well-formed hellos and aborts on anything else.
 */
#ifndef TLSMON_TEST_HELLO_EDIT_H
#define TLSMON_TEST_HELLO_EDIT_H

#include <stddef.h>
#include <stdint.h>

#define HX_MAX (1u << 17)
#define HX_SPANS 1024

/* What a length field measures. */
enum hx_what {
	HX_RECORD,
	HX_HS,		/* handshake message (24-bit) */
	HX_SID,
	HX_CIPHERS,
	HX_COMP,
	HX_EXTS,	/* the extensions block */
	HX_EXT,		/* one extension's body */
	HX_SNI_LIST,
	HX_SNI_NAME,
	HX_ALPN_LIST,
	HX_ALPN_NAME,
	HX_VERSIONS,
	HX_GROUPS,
	HX_SIGALGS,
	HX_ECPF,
	HX_KS_LIST,
	HX_KS_KEY,	/* one key share's key_exchange */
	HX_WHAT_N
};

struct hx_span {
	int what;	/* enum hx_what */
	int parent;	/* enclosing span, -1 for the record */
	int ext;	/* type of the extension it lies in, -1 outside */
	uint32_t lpos;	/* offset of the length field */
	uint32_t w;	/* its width: 1, 2 or 3 bytes */
	uint32_t start;	/* the body it measures: [start, end) */
	uint32_t end;
};

struct hx {
	uint8_t b[HX_MAX];
	uint32_t len;
	int sh;		/* a ServerHello */
	int n;
	struct hx_span s[HX_SPANS];
};

const char *hx_what_name(int what);

/* Load a hello and walk it; aborts the test run if it is not well formed. */
void hx_load(struct hx *h, const uint8_t *b, uint32_t len, int is_sh);
/* Re-walk after edits that kept the hello well formed. */
void hx_walk(struct hx *h);

/* Index of the nth span of a kind (ext -1: in any extension), or -1. */
int hx_find(const struct hx *h, int what, int ext, int nth);
/* Index of the HX_EXT span of the nth extension of this type, or -1. */
int hx_ext(const struct hx *h, int type, int nth);

uint32_t hx_get_len(const struct hx *h, int i);
/* Overwrite span i's length field, nothing else. */
void hx_set_len(struct hx *h, int i, uint32_t v);

/*
 * Replace the del bytes at pos (inside span i's body) with n bytes of ins
 * and grow or shrink span i and every span enclosing it by n - del.
 * The spans are re-walked unless the edit broke the layout (nowalk).
 */
void hx_splice(struct hx *h, int i, uint32_t pos, uint32_t del, const void *ins, uint32_t n);
void hx_splice_nowalk(struct hx *h, int i, uint32_t pos, uint32_t del, const void *ins,
		      uint32_t n);
/* Empty span i's body; the spans are left as they were (an empty list may
 * not walk). */
void hx_empty(struct hx *h, int i);
/* Append an extension (type, body) at the end of the extensions block. */
void hx_add_ext(struct hx *h, uint16_t type, const void *body, uint32_t n);

void hx_put16(uint8_t *p, uint16_t v);

#endif
