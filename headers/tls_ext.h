/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS parser, part 2 of 4: the extension block both hellos share -- the
 * walk over it and the workspace that keeps the bodies parsed after the walk
 * (each hello's own bodies: tls_client_hello.h, tls_server_hello.h).
 */
#ifndef TLSMON_TLS_EXT_H
#define TLSMON_TLS_EXT_H

#include "tlsmon.h"
#include "tls_record.h"

/*
 * TLSP_STAGE(fn, b, ...): call the parse stage fn (a hello's extensions), a
 * plain call.  The parser was once verified into the BPF programs, each stage
 * a separately verified function; it now runs in the collector only (the
 * datapath frames records and ships the hellos' bytes: dp_record.h), and
 * keeps the verifier-friendly shape its BPF past gave it.
 */
#ifndef TLSP_STAGE
#ifdef __bpf__
#error "the TLS parser runs in the collector: the datapath ships hellos (dp_record.h)"
#endif
#define TLSP_STAGE(fn, b, off, end, hello, ws) fn((b), (off), (end), (hello), (ws))
#endif

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

#endif /* TLSMON_TLS_EXT_H */
