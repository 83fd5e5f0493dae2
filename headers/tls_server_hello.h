/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS parser, part 4 of 4: the ServerHello (and HelloRetryRequest) and
 * the bodies of its extensions.
 */
#ifndef TLSMON_TLS_SERVER_HELLO_H
#define TLSMON_TLS_SERVER_HELLO_H

#include "tls_ext.h"

TLSP_INLINE void tlsp_zero_sh(struct tls_server_hello *sh)
{
	TLSP_ZERO(sh);
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

/* The extension block: the walk, then the bodies it kept.  A parse stage (TLSP_STAGE). */
TLSP_INLINE int tlsp_sh_exts(const __u8 *b, __u32 off, __u32 end, struct tls_server_hello *sh,
			     struct tlsp_ws *ws)
{
	int r = tlsp_walk_exts(b, off, end, 1, sh->exts, TLSMON_SH_MAX_EXTS, &sh->n_exts,
			       &sh->flags, ws);

	return r < 0 ? r : tlsp_sh_ext_bodies(b, end, ws, sh);
}

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
	return TLSP_STAGE(tlsp_sh_exts, b, off, msg_end, sh, ws);
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

#endif /* TLSMON_TLS_SERVER_HELLO_H */
