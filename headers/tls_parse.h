/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS record and handshake parser, compiled both into the BPF programs
 * (clang -target bpf) and into the collector (gcc).  Plain C: no libc, no BPF
 * helpers.  Input is a byte buffer b and a window [off, end); every length
 * read from the wire is checked against the end of its container before use,
 * and every loop has a constant bound.
 *
 * Return values: 0 on success, -enum tls_err on malformed input.  On error
 * the output struct holds zeros, never partial garbage: callers report the
 * error code instead of the fields.
 *
 * Verifier notes (the BPF verifier walks every loop iteration):
 *  - a loop body has one path; conditional counters are computed, not branched;
 *  - whatever a loop's exit test refines must be dead after the loop, so the
 *    exits of different iterations are the same state: counts are stored to
 *    the output inside the loop, and loops test an unlinked copy of their
 *    bound (TLSP_UNLINK), never the caller's variable;
 *  - state that would tell paths apart lives in the caller's workspace memory.
 */
#ifndef TLSMON_TLS_PARSE_H
#define TLSMON_TLS_PARSE_H

#include <linux/types.h>
#include "tls_proto.h"
#include "tlsmon.h"

#ifdef __bpf__
#define TLSP_INLINE static __attribute__((always_inline)) inline
#else
#define TLSP_INLINE static inline
#endif

/*
 * Largest window the parser reads.  In BPF the buffer is a per-CPU scratch
 * area of TLSP_MAX_LEN + TLSP_SLACK bytes and offsets are masked with
 * TLSP_MAX_LEN - 1 so the verifier can bound every access; the mask never
 * changes a value because off < end <= TLSP_MAX_LEN is checked first.
 */
#ifndef TLSP_MAX_LEN
#ifdef __bpf__
#define TLSP_MAX_LEN 4096u
#else
#define TLSP_MAX_LEN (1u << 24)
#endif
#endif
#define TLSP_SLACK 8u

/*
 * TLSP_NORM: offsets carried from one loop iteration to the next are masked to
 * a fixed range (a no-op: they never exceed 2 * TLSP_MAX_LEN) so that states
 * reached through different paths look alike to the verifier and are pruned.
 */
/*
 * TLSP_UNLINK: give a copied count its own identity for the verifier (an ALU
 * no-op it cannot see through), so refining the copy in a loop's exit test
 * does not refine the original, which may still be live.
 */
#ifdef __bpf__
#define TLSP_CLAMP(off) ((off) & (TLSP_MAX_LEN - 1))
#define TLSP_NORM(off) ((off) & (2 * TLSP_MAX_LEN - 1))
#define TLSP_UNLINK(v) asm volatile("%[x] |= 0" : [x] "+r"(v))
/* hide a value from the compiler so a mask it could prove useless stays */
#define TLSP_OPAQUE(v) asm volatile("" : "+r"(v))
#define TLSP_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define TLSP_CLAMP(off) (off)
#define TLSP_NORM(off) (off)
#define TLSP_UNLINK(v) ((void)0)
#define TLSP_OPAQUE(v) ((void)0)
#define TLSP_NO_UNROLL
#endif

enum tls_err {
	TLS_OK = 0,
	TLS_ERR_SHORT = 1,	/* data ends before the message does */
	TLS_ERR_NOT_TLS,	/* not a TLS record or not the message expected */
	TLS_ERR_LENGTH,		/* a length field disagrees with its container */
	TLS_ERR_SESSION_ID,	/* session id longer than 32 bytes */
	TLS_ERR_CIPHERS,	/* cipher_suites empty or odd */
	TLS_ERR_COMPRESSION,	/* compression_methods empty */
	TLS_ERR_EXTENSIONS,	/* extension block or header inconsistent */
	TLS_ERR_SNI,		/* server_name body malformed */
	TLS_ERR_ALPN,		/* ALPN body malformed */
	TLS_ERR_EXT_BODY,	/* another extension body malformed */
	TLS_ERR_TOO_LONG,	/* window larger than the parser accepts */
	TLS_ERR_SSLV2,		/* SSLv2 CLIENT-HELLO malformed */
	TLS_ERR_MAX
};

struct tls_record {
	__u8 type;
	__u8 sslv2;		/* SSLv2-format record (2-byte header) */
	__u16 version;
	__u16 len;		/* body length */
	__u16 hdr_len;		/* 5, or 2 for SSLv2 */
};

TLSP_INLINE __u8 tlsp_u8(const __u8 *b, __u32 off)
{
	return b[TLSP_CLAMP(off)];
}

TLSP_INLINE __u16 tlsp_u16(const __u8 *b, __u32 off)
{
	const __u8 *p = b + TLSP_CLAMP(off);

	return (__u16)((p[0] << 8) | p[1]);
}

TLSP_INLINE __u32 tlsp_u24(const __u8 *b, __u32 off)
{
	const __u8 *p = b + TLSP_CLAMP(off);

	return ((__u32)p[0] << 16) | ((__u32)p[1] << 8) | p[2];
}

TLSP_INLINE __u32 tlsp_u32(const __u8 *b, __u32 off)
{
	const __u8 *p = b + TLSP_CLAMP(off);

	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

TLSP_INLINE int tls_is_grease(__u16 v)
{
	return TLS_IS_GREASE(v);
}

/* Could these three bytes start a TLS record?  Cheap enough for the fast path. */
TLSP_INLINE int tls_record_plausible(__u8 type, __u8 major, __u8 minor)
{
	return type >= TLS_CT_CHANGE_CIPHER_SPEC && type <= TLS_CT_HEARTBEAT && major == 3 &&
	       minor <= 4;
}

/* An SSL 2.0-compatible CLIENT-HELLO (RFC 6101 E.2): 2-byte header, type 1. */
TLSP_INLINE int tls_is_sslv2_client_hello(const __u8 *b, __u32 off, __u32 end)
{
	__u8 b0, maj;

	if (off > end || end - off < 5)
		return 0;
	b0 = tlsp_u8(b, off);
	maj = tlsp_u8(b, off + 3);
	return (b0 & 0x80) && tlsp_u8(b, off + 2) == TLS_HS_CLIENT_HELLO &&
	       (maj == 3 || (maj == 0 && tlsp_u8(b, off + 4) == 2));
}

/* Record header at off.  -TLS_ERR_SHORT when fewer than 5 bytes are there. */
TLSP_INLINE int tls_parse_record_hdr(const __u8 *b, __u32 off, __u32 end, struct tls_record *r)
{
	r->type = 0;
	r->sslv2 = 0;
	r->version = 0;
	r->len = 0;
	r->hdr_len = TLS_RECORD_HDR_LEN;
	if (end > TLSP_MAX_LEN || off > end)
		return -TLS_ERR_TOO_LONG;
	if (tls_is_sslv2_client_hello(b, off, end)) {
		r->type = TLS_CT_HANDSHAKE;
		r->sslv2 = 1;
		r->version = TLS_V_SSL2;
		r->len = ((tlsp_u8(b, off) & 0x7f) << 8) | tlsp_u8(b, off + 1);
		r->hdr_len = 2;
		return 0;
	}
	if (end - off < TLS_RECORD_HDR_LEN)
		return -TLS_ERR_SHORT;
	r->type = tlsp_u8(b, off);
	r->version = tlsp_u16(b, off + 1);
	r->len = tlsp_u16(b, off + 3);
	if (!tls_record_plausible(r->type, r->version >> 8, r->version & 0xff))
		return -TLS_ERR_NOT_TLS;
	/* Empty fragments are legal only for application data (RFC 5246 6.2.1). */
	if (r->len > TLS_MAX_RECORD_LEN || (r->len == 0 && r->type != TLS_CT_APPLICATION_DATA))
		return -TLS_ERR_NOT_TLS;
	return 0;
}

/* Handshake message header: type and 24-bit length. */
TLSP_INLINE int tls_parse_hs_hdr(const __u8 *b, __u32 off, __u32 end, __u8 *type, __u32 *len)
{
	if (end > TLSP_MAX_LEN || off > end)
		return -TLS_ERR_TOO_LONG;
	if (end - off < TLS_HS_HDR_LEN)
		return -TLS_ERR_SHORT;
	*type = tlsp_u8(b, off);
	*len = tlsp_u24(b, off + 1);
	return 0;
}

/*
 * Where the bodies of the extensions parsed after the walk sit.  This is a
 * workspace the caller provides: in BPF it lives in map memory, whose contents
 * the verifier does not track, so which extensions a hello carries does not
 * multiply the states it explores.  Spans are re-checked when read back.
 */
enum tlsp_slot {
	TLSP_SP_NONE = 0,	/* not kept */
	TLSP_SP_SNI,
	TLSP_SP_ALPN,
	TLSP_SP_VERSIONS,
	TLSP_SP_GROUPS,
	TLSP_SP_KEY_SHARE,
	TLSP_SP_SIGALGS,
	TLSP_SP_ECPF,
	TLSP_SP_TICKET,
	TLSP_SP_PADDING,
	TLSP_SP_PSK,
	TLSP_SP_N
};

struct tlsp_ws {
	__u64 seen;		/* one bit per extension type met (types < 64) */
	__u32 pos;		/* see tlsp_forget() */
	__u32 pad;
	__u32 seen_big;		/* the same for the few types >= 64 we know */
	__u32 present;		/* 1 << slot for every span kept */
	__u32 off[TLSP_SP_N];
	__u32 len[TLSP_SP_N];
};

struct tlsp_span {
	__u32 off;
	__u32 len;
};

/*
 * What an extension type below 64 means to the walk.  A table, not a switch:
 * one path per iteration for the verifier, and one place to read.
 */
struct tlsp_ext_info {
	__u32 ch_flag;		/* TLS_CHF_* set when a ClientHello carries it */
	__u16 sh_flag;		/* TLS_SHF_* set when a ServerHello carries it */
	__u8 slot;		/* enum tlsp_slot: body parsed after the walk */
	__u8 pad;
};

#define TLSP_EXT_TABLE_N 64
static const struct tlsp_ext_info tlsp_ext_table[TLSP_EXT_TABLE_N] __attribute__((unused)) = {
	[TLS_EXT_SERVER_NAME] = { 0, 0, TLSP_SP_SNI, 0 },
	[TLS_EXT_STATUS_REQUEST] = { TLS_CHF_STATUS_REQUEST, TLS_SHF_STATUS_REQUEST, 0, 0 },
	[TLS_EXT_SUPPORTED_GROUPS] = { 0, 0, TLSP_SP_GROUPS, 0 },
	[TLS_EXT_EC_POINT_FORMATS] = { 0, 0, TLSP_SP_ECPF, 0 },
	[TLS_EXT_SIGNATURE_ALGORITHMS] = { 0, 0, TLSP_SP_SIGALGS, 0 },
	[TLS_EXT_ALPN] = { 0, 0, TLSP_SP_ALPN, 0 },
	[TLS_EXT_PADDING] = { TLS_CHF_PADDING, 0, TLSP_SP_PADDING, 0 },
	[TLS_EXT_EXTENDED_MASTER_SECRET] = { TLS_CHF_EMS, TLS_SHF_EMS, 0, 0 },
	[TLS_EXT_SESSION_TICKET] = { TLS_CHF_SESSION_TICKET, TLS_SHF_SESSION_TICKET, TLSP_SP_TICKET, 0 },
	[TLS_EXT_KEY_SHARE_DRAFT] = { 0, 0, TLSP_SP_KEY_SHARE, 0 },
	[TLS_EXT_PRE_SHARED_KEY] = { TLS_CHF_PSK, 0, TLSP_SP_PSK, 0 },
	[TLS_EXT_EARLY_DATA] = { TLS_CHF_EARLY_DATA, 0, 0, 0 },
	[TLS_EXT_SUPPORTED_VERSIONS] = { 0, 0, TLSP_SP_VERSIONS, 0 },
	[TLS_EXT_POST_HANDSHAKE_AUTH] = { TLS_CHF_POST_HS_AUTH, 0, 0, 0 },
	[TLS_EXT_KEY_SHARE] = { 0, 0, TLSP_SP_KEY_SHARE, 0 },
};

/*
 * An offset passed through memory: in BPF the verifier then knows nothing of
 * it but the checks that follow, so the many paths into a loop (one per
 * session-id length, say) arrive as one state.  A no-op in meaning.
 */
TLSP_INLINE __u32 tlsp_forget(struct tlsp_ws *ws, __u32 off)
{
#ifdef __bpf__
	volatile __u32 *p = &ws->pos;

	*p = off;
	return *p;
#else
	(void)ws;
	return off;
#endif
}

TLSP_INLINE void tlsp_ws_reset(struct tlsp_ws *ws)
{
	__u32 i;

	ws->seen = 0;
	ws->seen_big = 0;
	ws->present = 0;
	for (i = 0; i < TLSP_SP_N; i++) {
		ws->off[i] = 0;
		ws->len[i] = 0;
	}
}

/* A span read back from the workspace, re-checked against the window: 1 if kept. */
TLSP_INLINE int tlsp_span_get(const struct tlsp_ws *ws, __u32 slot, __u32 end,
			      struct tlsp_span *out)
{
	if (slot >= TLSP_SP_N || !(ws->present & (1u << slot)))
		return 0;
	out->off = ws->off[slot];
	out->len = ws->len[slot];
	if (out->off > end || out->len > end - out->off)
		return -TLS_ERR_EXTENSIONS;
	return 1;
}

/*
 * Walk an extension block [off, end): record every type (up to max_exts
 * stored, all counted), set the presence flags, flag repeats, and keep the
 * spans of the first occurrence of each body parsed afterwards.
 */
#define TLSP_EXT_WALK_MAX 256

TLSP_INLINE int tlsp_walk_exts(const __u8 *b, __u32 off, __u32 end, const int is_sh,
			       __u16 *exts, __u32 max_exts, __u16 *n_exts, __u32 *flags_out,
			       struct tlsp_ws *ws)
{
	/* in memory, not in a register: its bits must not tell paths apart */
	volatile __u32 *flags = flags_out;
	struct tlsp_ext_info e;
	__u32 i, len, flag, slot, dup, idx;
	__u16 type;

	tlsp_ws_reset(ws);
	off = tlsp_forget(ws, off);
	TLSP_UNLINK(end);	/* end is the caller's too: tests here must not refine it */
	TLSP_NO_UNROLL
	for (i = 0; i < TLSP_EXT_WALK_MAX; i++) {
		off = TLSP_NORM(off);
		if (off >= end)
			break;
		if (end - off < 4)
			return -TLS_ERR_EXTENSIONS;
		type = tlsp_u16(b, off);
		len = tlsp_u16(b, off + 2);
		off = TLSP_NORM(off + 4);
		if (off > end || len > end - off)
			return -TLS_ERR_EXTENSIONS;
		if (i < max_exts)
			exts[i] = type;
		else
			*flags |= is_sh ? TLS_SHF_TRUNC_EXTS : TLS_CHF_TRUNC_EXTS;
		*n_exts = i + 1;
		flag = 0;
		slot = 0;
		dup = 0;
		if (type < TLSP_EXT_TABLE_N) {
			idx = type;
			TLSP_OPAQUE(idx);
			e = tlsp_ext_table[idx & (TLSP_EXT_TABLE_N - 1)];
			flag = is_sh ? e.sh_flag : e.ch_flag;
			slot = e.slot;
			dup = (ws->seen >> type) & 1;
			ws->seen |= 1ull << type;
		} else if (type == TLS_EXT_RENEGOTIATION_INFO) {
			flag = is_sh ? TLS_SHF_RENEG_INFO : TLS_CHF_RENEG_INFO;
			dup = ws->seen_big & 1;
			ws->seen_big |= 1;
		} else if (type == TLS_EXT_ENCRYPTED_CLIENT_HELLO || type == TLS_EXT_ESNI_DRAFT) {
			flag = is_sh ? 0 : TLS_CHF_ECH;
			dup = (ws->seen_big >> 1) & 1;
			ws->seen_big |= 2;
		}
		*flags |= flag;
		if (dup)
			*flags |= is_sh ? TLS_SHF_DUP_EXT : TLS_CHF_DUP_EXT;
		else if (slot && slot < TLSP_SP_N) {
			ws->off[slot] = off;
			ws->len[slot] = len;
			ws->present |= 1u << slot;
		}
		off += len;
	}
	if (off < end)
		return -TLS_ERR_EXTENSIONS;	/* more than TLSP_EXT_WALK_MAX: not TLS */
	return 0;
}

TLSP_INLINE int tlsp_ch_sni(const __u8 *b, struct tlsp_span s, struct tls_client_hello *ch,
			    struct tlsp_ws *ws)
{
	__u32 p, pend, list, nlen, i, j, n, host = 0;
	__u8 type;

	if (s.len < 2)
		return -TLS_ERR_SNI;
	list = tlsp_u16(b, s.off);
	if (list + 2 != s.len || list < 3)
		return -TLS_ERR_SNI;
	p = s.off + 2;
	pend = s.off + s.len;
	/* Find the first host_name; the copy is done once, after the walk. */
	TLSP_NO_UNROLL
	for (i = 0; i < 8; i++) {
		p = TLSP_NORM(p);
		if (p > pend || pend - p < 3)
			return -TLS_ERR_SNI;
		type = tlsp_u8(b, p);
		nlen = tlsp_u16(b, p + 1);
		p += 3;
		if (nlen > pend - p || nlen == 0)
			return -TLS_ERR_SNI;
		if (type == 0 && !host) {
			host = 1;
			ws->pos = p;
			ch->sni_len = nlen;
		}
		p += nlen;
		if (p == pend)
			break;
	}
	/* more names than the walk reads (RFC 6066 allows one per type): said so */
	if (p != pend)
		ch->flags |= TLS_CHF_TRUNC_SNI;
	ch->flags |= TLS_CHF_SNI;
	if (!host) {
		/* The extension is there either way; JA4 and diagnosis key on that. */
		ch->flags |= TLS_CHF_SNI_NOT_HOST;
		return 0;
	}
	p = ws->pos;
	n = ch->sni_len;
	TLSP_UNLINK(pend);
	if (p > pend || n > pend - p)
		return -TLS_ERR_SNI;
	if (n > TLSMON_SNI_MAX) {
		n = TLSMON_SNI_MAX;
		ch->flags |= TLS_CHF_TRUNC_SNI;
	}
	TLSP_NO_UNROLL
	for (j = 0; j < TLSMON_SNI_MAX; j++) {
		if (j >= n)
			break;
		ch->sni[j] = tlsp_u8(b, p + j);
	}
	return 0;
}

TLSP_INLINE int tlsp_ch_alpn(const __u8 *b, struct tlsp_span s, struct tls_client_hello *ch)
{
	__u32 p, pend, list, nlen, i, n;

	if (s.len < 2)
		return -TLS_ERR_ALPN;
	list = tlsp_u16(b, s.off);
	if (list + 2 != s.len || list < 2)
		return -TLS_ERR_ALPN;
	ch->flags |= TLS_CHF_ALPN;
	ch->alpn_len = list;
	n = list;
	TLSP_UNLINK(n);
	if (n > TLSMON_ALPN_MAX) {
		n = TLSMON_ALPN_MAX;
		ch->flags |= TLS_CHF_TRUNC_ALPN;
	}
	TLSP_NO_UNROLL
	for (i = 0; i < TLSMON_ALPN_MAX; i++) {
		if (i >= n)
			break;
		ch->alpn[i] = tlsp_u8(b, s.off + 2 + i);
	}
	p = s.off + 2;
	pend = s.off + s.len;
	TLSP_NO_UNROLL
	for (i = 0; i < 128; i++) {
		p = TLSP_NORM(p);
		if (p >= pend)
			return -TLS_ERR_ALPN;
		nlen = tlsp_u8(b, p);
		if (nlen == 0 || nlen + 1 > pend - p)
			return -TLS_ERR_ALPN;
		if (i == 0) {
			ch->alpn0_len = nlen;
			ch->alpn0_first = tlsp_u8(b, p + 1);
			ch->alpn0_last = tlsp_u8(b, p + nlen);
		}
		ch->alpn_count = i + 1;
		p += 1 + nlen;
		if (p == pend)
			break;
	}
	if (p != pend)	/* more names than the walk bound: not validated */
		ch->flags |= TLS_CHF_TRUNC_ALPN;
	return 0;
}

/* A list of 16-bit values behind a 1- or 2-byte length; stores up to max. */
#define TLSP_U16_LIST(b, s, lenbytes, arr, max, count, trunc_flag, ch)                   \
	({                                                                                \
		int __r = 0;                                                              \
		__u32 __list, __n, __i;                                                   \
		if ((s).len < (lenbytes)) {                                               \
			__r = -TLS_ERR_EXT_BODY;                                          \
		} else {                                                                  \
			__list = (lenbytes) == 1 ? tlsp_u8(b, (s).off) : tlsp_u16(b, (s).off); \
			if (__list + (lenbytes) != (s).len || (__list & 1) || __list == 0) \
				__r = -TLS_ERR_EXT_BODY;                                  \
		}                                                                         \
		if (!__r) {                                                               \
			__n = __list / 2;                                                 \
			(count) = __n > 255 ? 255 : __n;                                  \
			if (__n > (max))                                                  \
				(ch)->flags |= (trunc_flag);                              \
			TLSP_UNLINK(__n);                                                 \
			TLSP_NO_UNROLL                                                    \
			for (__i = 0; __i < (max); __i++) {                               \
				if (__i >= __n)                                           \
					break;                                            \
				(arr)[__i] = tlsp_u16(b, (s).off + (lenbytes) + 2 * __i); \
			}                                                                 \
		}                                                                         \
		__r;                                                                      \
	})

TLSP_INLINE int tlsp_ch_key_share(const __u8 *b, struct tlsp_span s, struct tls_client_hello *ch)
{
	__u32 p, pend, list, klen, i;

	if (s.len < 2)
		return -TLS_ERR_EXT_BODY;
	list = tlsp_u16(b, s.off);
	if (list + 2 != s.len)
		return -TLS_ERR_EXT_BODY;
	p = s.off + 2;
	pend = s.off + s.len;
	TLSP_NO_UNROLL
	for (i = 0; i < 32; i++) {
		p = TLSP_NORM(p);
		if (p == pend)
			break;
		if (p > pend || pend - p < 4)
			return -TLS_ERR_EXT_BODY;
		klen = tlsp_u16(b, p + 2);
		/* key_exchange<1..2^16-1> (RFC 8446 4.2.8): never empty */
		if (klen == 0 || klen > pend - p - 4)
			return -TLS_ERR_EXT_BODY;
		if (i < TLSMON_MAX_KEY_SHARES)
			ch->key_shares[i] = tlsp_u16(b, p);
		else
			ch->flags |= TLS_CHF_TRUNC_KEY_SHARES;
		ch->n_key_shares = i + 1;
		p += 4 + klen;
	}
	if (p != pend)
		ch->flags |= TLS_CHF_TRUNC_KEY_SHARES;
	return 0;
}

TLSP_INLINE int tlsp_ch_ecpf(const __u8 *b, struct tlsp_span s, struct tls_client_hello *ch)
{
	__u32 list, i;

	if (s.len < 1)
		return -TLS_ERR_EXT_BODY;
	list = tlsp_u8(b, s.off);
	if (list + 1 != s.len || list == 0)
		return -TLS_ERR_EXT_BODY;
	ch->n_ecpf = list;
	if (list > TLSMON_MAX_ECPF)
		ch->flags |= TLS_CHF_TRUNC_ECPF;
	TLSP_UNLINK(list);
	TLSP_NO_UNROLL
	for (i = 0; i < TLSMON_MAX_ECPF; i++) {
		if (i >= list)
			break;
		ch->ecpf[i] = tlsp_u8(b, s.off + 1 + i);
	}
	return 0;
}

TLSP_INLINE int tlsp_ch_ext_bodies(const __u8 *b, __u32 end, struct tlsp_ws *sp,
				   struct tls_client_hello *ch)
{
	struct tlsp_span x;
	int r;

	r = tlsp_span_get(sp, TLSP_SP_SNI, end, &x);
	if (r > 0)
		r = tlsp_ch_sni(b, x, ch, sp);
	if (r < 0)
		return r;
	r = tlsp_span_get(sp, TLSP_SP_ALPN, end, &x);
	if (r > 0)
		r = tlsp_ch_alpn(b, x, ch);
	if (r < 0)
		return r;
	r = tlsp_span_get(sp, TLSP_SP_VERSIONS, end, &x);
	if (r > 0)
		r = TLSP_U16_LIST(b, x, 1, ch->versions, TLSMON_MAX_VERSIONS, ch->n_versions,
				  TLS_CHF_TRUNC_VERSIONS, ch);
	if (r < 0)
		return r;
	r = tlsp_span_get(sp, TLSP_SP_GROUPS, end, &x);
	if (r > 0)
		r = TLSP_U16_LIST(b, x, 2, ch->groups, TLSMON_MAX_GROUPS, ch->n_groups,
				  TLS_CHF_TRUNC_GROUPS, ch);
	if (r < 0)
		return r;
	r = tlsp_span_get(sp, TLSP_SP_SIGALGS, end, &x);
	if (r > 0)
		r = TLSP_U16_LIST(b, x, 2, ch->sigalgs, TLSMON_MAX_SIGALGS, ch->n_sigalgs,
				  TLS_CHF_TRUNC_SIGALGS, ch);
	if (r < 0)
		return r;
	r = tlsp_span_get(sp, TLSP_SP_KEY_SHARE, end, &x);
	if (r > 0)
		r = tlsp_ch_key_share(b, x, ch);
	if (r < 0)
		return r;
	r = tlsp_span_get(sp, TLSP_SP_ECPF, end, &x);
	if (r > 0)
		r = tlsp_ch_ecpf(b, x, ch);
	if (r < 0)
		return r;
	r = tlsp_span_get(sp, TLSP_SP_TICKET, end, &x);
	if (r > 0) {
		ch->ticket_len = x.len;
		if (x.len)
			ch->flags |= TLS_CHF_TICKET_NONEMPTY;
	}
	r = tlsp_span_get(sp, TLSP_SP_PADDING, end, &x);
	if (r > 0)
		ch->padding_len = x.len;
	return r < 0 ? r : 0;
}

/* The BPF backend cannot expand a memset this large; a bounded loop it can. */
#ifdef __bpf__
#define TLSP_ZERO(ptr)                                                              \
	do {                                                                        \
		volatile __u64 *__z = (volatile __u64 *)(ptr); /* no memset idiom */ \
		__u32 __i;                                                          \
		_Static_assert(sizeof(*(ptr)) % 8 == 0, "zeroed by words");        \
		TLSP_NO_UNROLL                                                      \
		for (__i = 0; __i < sizeof(*(ptr)) / 8; __i++)                      \
			__z[__i] = 0;                                               \
	} while (0)
#else
#define TLSP_ZERO(ptr) __builtin_memset((ptr), 0, sizeof(*(ptr)))
#endif

TLSP_INLINE void tlsp_zero_ch(struct tls_client_hello *ch)
{
	TLSP_ZERO(ch);
}

TLSP_INLINE void tlsp_zero_sh(struct tls_server_hello *sh)
{
	TLSP_ZERO(sh);
}

/* Cipher-suite list: stored up to the bound, SCSVs flagged. */
TLSP_INLINE void tlsp_ch_ciphers(const __u8 *b, __u32 off, __u32 n, struct tls_client_hello *ch)
{
	__u32 i;
	__u16 v;

	ch->n_ciphers = n;
	if (n > TLSMON_MAX_CIPHERS)
		ch->flags |= TLS_CHF_TRUNC_CIPHERS;
	TLSP_UNLINK(n);
	TLSP_NO_UNROLL
	for (i = 0; i < TLSMON_MAX_CIPHERS; i++) {
		if (i >= n)
			break;
		v = tlsp_u16(b, off + 2 * i);
		ch->ciphers[i] = v;
		if (v == TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
			ch->flags |= TLS_CHF_SCSV_RENEG;
		else if (v == TLS_FALLBACK_SCSV)
			ch->flags |= TLS_CHF_SCSV_FALLBACK;
	}
}

TLSP_INLINE void tlsp_copy_sid(const __u8 *b, __u32 off, __u32 n, __u8 *dst)
{
	__u32 i;

	TLSP_UNLINK(n);
	TLSP_NO_UNROLL
	for (i = 0; i < 32; i++) {
		if (i >= n)
			break;
		dst[i] = tlsp_u8(b, off + i);
	}
}

/*
 * Parse stages.  In BPF each stage is a separately verified function, so its
 * cost to the verifier does not depend on the code around it; there b must be
 * the start of a TLSP_MAX_LEN + TLSP_SLACK buffer (struct tlsp_bpf_buf).
 * Elsewhere they are plain calls.
 */
#ifdef __bpf__
struct tlsp_bpf_buf {
	__u8 buf[TLSP_MAX_LEN + TLSP_SLACK];
};

__attribute__((noinline)) int tlsp_ch_walk_g(struct tlsp_bpf_buf *in, struct tlsp_ws *ws,
					     struct tls_client_hello *ch, __u32 off, __u32 end)
{
	if (!in || !ws || !ch || end > TLSP_MAX_LEN)
		return -TLS_ERR_TOO_LONG;
	return tlsp_walk_exts(in->buf, off, end, 0, ch->exts, TLSMON_MAX_EXTS, &ch->n_exts,
			      &ch->flags, ws);
}

__attribute__((noinline)) int tlsp_ch_bodies_g(struct tlsp_bpf_buf *in, struct tlsp_ws *ws,
					       struct tls_client_hello *ch, __u32 end)
{
	if (!in || !ws || !ch || end > TLSP_MAX_LEN)
		return -TLS_ERR_TOO_LONG;
	return tlsp_ch_ext_bodies(in->buf, end, ws, ch);
}

#define TLSP_CH_WALK(b, off, end, ch, ws) \
	tlsp_ch_walk_g((struct tlsp_bpf_buf *)(b), (ws), (ch), (off), (end))
#define TLSP_CH_BODIES(b, end, ch, ws) tlsp_ch_bodies_g((struct tlsp_bpf_buf *)(b), (ws), (ch), (end))
#else
#define TLSP_CH_WALK(b, off, end, ch, ws) \
	tlsp_walk_exts((b), (off), (end), 0, (ch)->exts, TLSMON_MAX_EXTS, &(ch)->n_exts, &(ch)->flags, (ws))
#define TLSP_CH_BODIES(b, end, ch, ws) tlsp_ch_ext_bodies((b), (end), (ws), (ch))
#endif

TLSP_INLINE int tlsp_parse_ch_body(const __u8 *b, __u32 off, __u32 msg_end,
				   struct tls_client_hello *ch, struct tlsp_ws *sp)
{
	__u32 sid, cs, comp, ext;
	int r;

	/* legacy_version(2) random(32) session_id<0..32> */
	if (msg_end - off < 35)
		return -TLS_ERR_LENGTH;
	ch->legacy_version = tlsp_u16(b, off);
	off += 34;
	sid = tlsp_u8(b, off++);
	if (sid > 32)
		return -TLS_ERR_SESSION_ID;
	if (sid > msg_end - off)
		return -TLS_ERR_LENGTH;
	ch->session_id_len = sid;
	off += sid;
	tlsp_copy_sid(b, off - sid, sid, ch->session_id);
	/* cipher_suites<2..2^16-2> */
	if (msg_end - off < 2)
		return -TLS_ERR_LENGTH;
	cs = tlsp_u16(b, off);
	off += 2;
	if (cs == 0 || (cs & 1))
		return -TLS_ERR_CIPHERS;
	if (cs > msg_end - off)
		return -TLS_ERR_LENGTH;
	tlsp_ch_ciphers(b, off, cs / 2, ch);
	off += cs;
	/* legacy_compression_methods<1..2^8-1> */
	if (msg_end - off < 1)
		return -TLS_ERR_LENGTH;
	comp = tlsp_u8(b, off++);
	if (comp == 0)
		return -TLS_ERR_COMPRESSION;
	if (comp > msg_end - off)
		return -TLS_ERR_LENGTH;
	ch->n_compression = comp;
	off += comp;
	if (off == msg_end)	/* no extensions: SSL 3.0 style hello */
		return 0;
	if (msg_end - off < 2)
		return -TLS_ERR_EXTENSIONS;
	ext = tlsp_u16(b, off);
	off += 2;
	if (ext != msg_end - off)
		return -TLS_ERR_EXTENSIONS;
	ch->flags |= TLS_CHF_EXTS_BLOCK;
	r = TLSP_CH_WALK(b, off, msg_end, ch, sp);
	if (r < 0)
		return r;
	return TLSP_CH_BODIES(b, msg_end, ch, sp);
}

/*
 * ClientHello handshake message at off (its 4-byte header first).
 * record_version is copied into the result for the fingerprints; ws is
 * scratch space for the parser.
 */
TLSP_INLINE int tls_parse_client_hello(const __u8 *b, __u32 off, __u32 end, __u16 record_version,
				       struct tls_client_hello *ch, struct tlsp_ws *ws)
{
	__u32 len;
	__u8 type;
	int r;

	tlsp_zero_ch(ch);
	r = tls_parse_hs_hdr(b, off, end, &type, &len);
	if (r)
		return r;
	if (type != TLS_HS_CLIENT_HELLO)
		return -TLS_ERR_NOT_TLS;
	off += TLS_HS_HDR_LEN;
	if (len > end - off)
		return -TLS_ERR_SHORT;
	ch->hs_len = len;
	ch->record_version = record_version;
	r = tlsp_parse_ch_body(b, off, off + len, ch, ws);
	if (r) {
		tlsp_zero_ch(ch);
		return r;
	}
	return 0;
}

/*
 * SSL 2.0-compatible CLIENT-HELLO record at off (2-byte header first).
 * Cipher specs with a TLS equivalent (first byte 0) are stored as TLS suites.
 */
TLSP_INLINE int tls_parse_sslv2_client_hello(const __u8 *b, __u32 off, __u32 end,
					     struct tls_client_hello *ch)
{
	__u32 rec, cs, sid, chal, i, n = 0, p, is_tls;

	tlsp_zero_ch(ch);
	if (end > TLSP_MAX_LEN || off > end)
		return -TLS_ERR_TOO_LONG;
	if (!tls_is_sslv2_client_hello(b, off, end))
		return -TLS_ERR_NOT_TLS;
	rec = ((tlsp_u8(b, off) & 0x7f) << 8) | tlsp_u8(b, off + 1);
	off += 2;
	if (rec > end - off)
		return -TLS_ERR_SHORT;
	if (rec < 9)
		return -TLS_ERR_SSLV2;
	cs = tlsp_u16(b, off + 3);
	sid = tlsp_u16(b, off + 5);
	chal = tlsp_u16(b, off + 7);
	if (cs == 0 || cs % 3 || sid > 32 || chal < 16 || chal > 32 ||
	    9 + cs + sid + chal != rec)
		goto bad;
	ch->flags = TLS_CHF_SSLV2;
	ch->record_version = TLS_V_SSL2;
	ch->legacy_version = tlsp_u16(b, off + 1);
	ch->hs_len = rec;
	p = off + 9;
	/*
	 * Single path per iteration (the verifier explores every iteration):
	 * the store always happens, the count advances only for TLS suites.
	 */
	TLSP_NO_UNROLL
	for (i = 0; i < TLSMON_MAX_CIPHERS; i++) {
		if (i >= cs / 3)
			break;
		/* 1 when the first byte is 0, without a branch */
		is_tls = ((__u32)tlsp_u8(b, p + 3 * i) - 1) >> 31;
		ch->ciphers[n & (TLSMON_MAX_CIPHERS - 1)] = tlsp_u16(b, p + 3 * i + 1);
		n += is_tls;
	}
	if (n < TLSMON_MAX_CIPHERS)
		ch->ciphers[n] = 0;
	if (cs / 3 > TLSMON_MAX_CIPHERS)
		ch->flags |= TLS_CHF_TRUNC_CIPHERS;
	ch->n_sslv2_only = (cs / 3 > TLSMON_MAX_CIPHERS ? TLSMON_MAX_CIPHERS : cs / 3) - n;
	ch->n_ciphers = n;
	ch->session_id_len = sid;
	tlsp_copy_sid(b, p + cs, sid, ch->session_id);
	ch->n_compression = 1;
	return 0;
bad:
	tlsp_zero_ch(ch);
	return -TLS_ERR_SSLV2;
}

TLSP_INLINE int tlsp_is_hrr_random(const __u8 *b, __u32 off)
{
	/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3 */
	return tlsp_u32(b, off) == 0xcf21ad74 && tlsp_u32(b, off + 4) == 0xe59a6111 &&
	       tlsp_u32(b, off + 8) == 0xbe1d8c02 && tlsp_u32(b, off + 12) == 0x1e65b891 &&
	       tlsp_u32(b, off + 16) == 0xc2a21116 && tlsp_u32(b, off + 20) == 0x7abb8c5e &&
	       tlsp_u32(b, off + 24) == 0x079e09e2 && tlsp_u32(b, off + 28) == 0xc8a8339c;
}

/* The ServerHello extension bodies kept by the walk. */
TLSP_INLINE int tlsp_sh_ext_bodies(const __u8 *b, __u32 end, const struct tlsp_ws *ws,
				   struct tls_server_hello *sh)
{
	struct tlsp_span x;
	__u32 list, n, i;
	int r;

	r = tlsp_span_get(ws, TLSP_SP_VERSIONS, end, &x);
	if (r > 0) {
		if (x.len != 2)
			return -TLS_ERR_EXT_BODY;
		sh->flags |= TLS_SHF_SUPPORTED_VERSIONS;
		sh->selected_version = tlsp_u16(b, x.off);
	} else if (r < 0) {
		return r;
	}
	/* ServerHello: group + key; HelloRetryRequest: the group alone */
	r = tlsp_span_get(ws, TLSP_SP_KEY_SHARE, end, &x);
	if (r > 0) {
		if (x.len < 2)
			return -TLS_ERR_EXT_BODY;
		sh->flags |= TLS_SHF_KEY_SHARE;
		sh->key_share_group = tlsp_u16(b, x.off);
	} else if (r < 0) {
		return r;
	}
	r = tlsp_span_get(ws, TLSP_SP_PSK, end, &x);
	if (r > 0) {
		if (x.len != 2)
			return -TLS_ERR_EXT_BODY;
		sh->flags |= TLS_SHF_PSK;
		sh->psk_identity = tlsp_u16(b, x.off);
	} else if (r < 0) {
		return r;
	}
	r = tlsp_span_get(ws, TLSP_SP_ALPN, end, &x);
	if (r < 0)
		return r;
	if (r == 0)
		return 0;
	/* exactly one protocol name (RFC 7301 3.1) */
	if (x.len < 4)
		return -TLS_ERR_ALPN;
	list = tlsp_u16(b, x.off);
	n = tlsp_u8(b, x.off + 2);
	if (list + 2 != x.len || n + 1 != list || n == 0)
		return -TLS_ERR_ALPN;
	sh->flags |= TLS_SHF_ALPN;
	sh->alpn_len = n;
	TLSP_UNLINK(n);
	if (n > TLSMON_SH_ALPN_MAX) {
		n = TLSMON_SH_ALPN_MAX;
		sh->flags |= TLS_SHF_TRUNC_ALPN;
	}
	TLSP_NO_UNROLL
	for (i = 0; i < TLSMON_SH_ALPN_MAX; i++) {
		if (i >= n)
			break;
		sh->alpn[i] = tlsp_u8(b, x.off + 3 + i);
	}
	return 0;
}

#ifdef __bpf__
__attribute__((noinline)) int tlsp_sh_walk_g(struct tlsp_bpf_buf *in, struct tlsp_ws *ws,
					     struct tls_server_hello *sh, __u32 off, __u32 end)
{
	int r;

	if (!in || !ws || !sh || end > TLSP_MAX_LEN)
		return -TLS_ERR_TOO_LONG;
	r = tlsp_walk_exts(in->buf, off, end, 1, sh->exts, TLSMON_SH_MAX_EXTS, &sh->n_exts,
			   &sh->flags, ws);
	if (r < 0)
		return r;
	return tlsp_sh_ext_bodies(in->buf, end, ws, sh);
}

#define TLSP_SH_EXTS(b, off, end, sh, ws) \
	tlsp_sh_walk_g((struct tlsp_bpf_buf *)(b), (ws), (sh), (off), (end))
#else
TLSP_INLINE int tlsp_sh_exts(const __u8 *b, __u32 off, __u32 end, struct tls_server_hello *sh,
			     struct tlsp_ws *ws)
{
	int r = tlsp_walk_exts(b, off, end, 1, sh->exts, TLSMON_SH_MAX_EXTS, &sh->n_exts,
			       &sh->flags, ws);

	return r < 0 ? r : tlsp_sh_ext_bodies(b, end, ws, sh);
}

#define TLSP_SH_EXTS(b, off, end, sh, ws) tlsp_sh_exts((b), (off), (end), (sh), (ws))
#endif

TLSP_INLINE int tlsp_parse_sh_body(const __u8 *b, __u32 off, __u32 msg_end,
				   struct tls_server_hello *sh, struct tlsp_ws *ws)
{
	__u32 sid, ext;
	__u16 v;

	if (msg_end - off < 34)
		return -TLS_ERR_LENGTH;
	v = tlsp_u16(b, off);
	sh->legacy_version = v;
	if (tlsp_is_hrr_random(b, off + 2))
		sh->flags |= TLS_SHF_HRR;
	off += 34;
	if (v == TLS_V_TLS13 || ((v & 0xff00) == 0x7f00 && (v & 0xff) < 22)) {
		/*
		 * TLS 1.3 drafts before 22: no session id, no compression.  RFC 8446
		 * fixes legacy_version at 0x0303, so 0x0304 here is such a draft.
		 */
		sh->flags |= TLS_SHF_DRAFT_FORMAT;
		if (msg_end - off < 2)
			return -TLS_ERR_LENGTH;
		sh->cipher = tlsp_u16(b, off);
		off += 2;
	} else {
		if (msg_end - off < 1)
			return -TLS_ERR_LENGTH;
		sid = tlsp_u8(b, off++);
		if (sid > 32)
			return -TLS_ERR_SESSION_ID;
		if (msg_end - off < sid + 3)
			return -TLS_ERR_LENGTH;
		sh->session_id_len = sid;
		off += sid;
		tlsp_copy_sid(b, off - sid, sid, sh->session_id);
		sh->cipher = tlsp_u16(b, off);
		sh->compression = tlsp_u8(b, off + 2);
		off += 3;
	}
	if (off == msg_end)
		return 0;
	if (msg_end - off < 2)
		return -TLS_ERR_EXTENSIONS;
	ext = tlsp_u16(b, off);
	off += 2;
	if (ext != msg_end - off)
		return -TLS_ERR_EXTENSIONS;
	sh->flags |= TLS_SHF_EXTS_BLOCK;
	return TLSP_SH_EXTS(b, off, msg_end, sh, ws);
}

/* ServerHello (or HelloRetryRequest) handshake message at off, header first. */
TLSP_INLINE int tls_parse_server_hello(const __u8 *b, __u32 off, __u32 end, __u16 record_version,
				       struct tls_server_hello *sh, struct tlsp_ws *ws)
{
	__u32 len;
	__u8 type;
	int r;

	tlsp_zero_sh(sh);
	r = tls_parse_hs_hdr(b, off, end, &type, &len);
	if (r)
		return r;
	if (type != TLS_HS_SERVER_HELLO)
		return -TLS_ERR_NOT_TLS;
	off += TLS_HS_HDR_LEN;
	if (len > end - off)
		return -TLS_ERR_SHORT;
	sh->hs_len = len;
	sh->record_version = record_version;
	r = tlsp_parse_sh_body(b, off, off + len, sh, ws);
	if (r) {
		tlsp_zero_sh(sh);
		return r;
	}
	return 0;
}

/* The version a hello settles on: supported_versions wins over the legacy field. */
TLSP_INLINE __u16 tls_sh_version(const struct tls_server_hello *sh)
{
	return sh->selected_version ? sh->selected_version : sh->legacy_version;
}

#endif /* TLSMON_TLS_PARSE_H */
