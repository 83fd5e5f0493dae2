/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS parser, part 1 of 4 (tls_parse.h includes them all): what every
 * message parser shares -- the byte readers, the verifier-shaping macros, the
 * record and handshake headers.
 *
 * Plain C, compiled both into the BPF programs (clang -target bpf) and into
 * the collector (gcc): no libc, no BPF helpers.  Input is a byte buffer b and
 * a window [off, end); every length read from the wire is checked against the
 * end of its container before use, and every loop has a constant bound.
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
 * The macros below are no-ops outside BPF.
 */
#ifndef TLSMON_TLS_RECORD_H
#define TLSMON_TLS_RECORD_H

#include <linux/types.h>
#include "tls_proto.h"

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

/* A session id (0..32 bytes) into its fixed-size field. */
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

/* A ServerHello random that says HelloRetryRequest, at b[off, off + 32). */
TLSP_INLINE int tlsp_is_hrr_random(const __u8 *b, __u32 off)
{
	/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3 */
	return tlsp_u32(b, off) == 0xcf21ad74 && tlsp_u32(b, off + 4) == 0xe59a6111 &&
	       tlsp_u32(b, off + 8) == 0xbe1d8c02 && tlsp_u32(b, off + 12) == 0x1e65b891 &&
	       tlsp_u32(b, off + 16) == 0xc2a21116 && tlsp_u32(b, off + 20) == 0x7abb8c5e &&
	       tlsp_u32(b, off + 24) == 0x079e09e2 && tlsp_u32(b, off + 28) == 0xc8a8339c;
}

#endif /* TLSMON_TLS_RECORD_H */
