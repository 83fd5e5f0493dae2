/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS parser, part 3 of 4: the ClientHello (TLS, and SSL 2.0-compatible)
 * and the bodies of its extensions.
 */
#ifndef TLSMON_TLS_CLIENT_HELLO_H
#define TLSMON_TLS_CLIENT_HELLO_H

#include "tls_ext.h"

TLSP_INLINE void tlsp_zero_ch(struct tls_client_hello *ch)
{
	TLSP_ZERO(ch);
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

/* The extension block: the walk, then the bodies it kept.  A parse stage (TLSP_STAGE). */
TLSP_INLINE int tlsp_ch_exts(const __u8 *b, __u32 off, __u32 end, struct tls_client_hello *ch,
			     struct tlsp_ws *ws)
{
	int r = tlsp_walk_exts(b, off, end, 0, ch->exts, TLSMON_MAX_EXTS, &ch->n_exts, &ch->flags,
			       ws);

	return r < 0 ? r : tlsp_ch_ext_bodies(b, end, ws, ch);
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

TLSP_INLINE int tlsp_parse_ch_body(const __u8 *b, __u32 off, __u32 msg_end,
				   struct tls_client_hello *ch, struct tlsp_ws *sp)
{
	__u32 sid, cs, comp, ext;

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
	return TLSP_STAGE(tlsp_ch_exts, b, off, msg_end, ch, sp);
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

#endif /* TLSMON_TLS_CLIENT_HELLO_H */
