// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>
#include "output/ev_json.h"
#include "output/out_json.h"
#include "model/record.h"
#include "pipe/ev.h"
#include "model/fingerprint.h"
#include "pipe/quic_track.h"
#include "pipe/reasm.h"
#include "lib/tls_names.h"
#include "tlsmon.h"
#include "tls_proto.h"

static const char *const end_names[TLSMON_END_MAX] = {
	[TLSMON_END_SETTLED] = "settled", [TLSMON_END_RST] = "rst", [TLSMON_END_FIN] = "fin",
	[TLSMON_END_FATAL_ALERT] = "fatal_alert", [TLSMON_END_NON_TLS] = "non_tls",
	[TLSMON_END_PARSE_ERROR] = "parse_error", [TLSMON_END_REUSED] = "reused",
	[TLSMON_END_EXPIRED] = "expired",
};

static const struct {
	uint32_t flag;
	const char *name;
} quic_flags[] = {
	{ QUIC_CF_VN, "version_negotiation" }, { QUIC_CF_RETRY, "retry" },
	{ QUIC_CF_CLOSE_C, "client_closed" }, { QUIC_CF_CLOSE_S, "server_closed" },
	{ QUIC_CF_CLOSE_APP, "application_close" }, { QUIC_CF_KEYS, "keys" },
	{ QUIC_CF_UNDECRYPTABLE, "undecryptable" },
};

/* QUIC_INFO: the record's "quic" object, and the flags as names. */
static void quic_info_json(struct jbuf *b, const struct tlsmon_ev_quic_info *q)
{
	unsigned i;

	jbuf_key(b, "flags");
	jbuf_arr_open(b);
	for (i = 0; i < sizeof(quic_flags) / sizeof(quic_flags[0]); i++)
		if (q->flags & quic_flags[i].flag)
			jbuf_str(b, NULL, quic_flags[i].name);
	jbuf_arr_close(b);
	out_json_quic(b, "quic", q);
}

static void u16_array(struct jbuf *b, const char *key, const __u16 *v, unsigned n, unsigned max,
		      const char *(*name)(uint16_t, char *, size_t))
{
	char buf[32];
	unsigned i;

	if (n > max)
		n = max;
	jbuf_key(b, key);
	jbuf_arr_open(b);
	for (i = 0; i < n; i++) {
		if (name)
			jbuf_str(b, NULL, name(v[i], buf, sizeof(buf)));
		else
			jbuf_hex16(b, NULL, v[i]);
	}
	jbuf_arr_close(b);
}

static const char *ver_name(uint16_t v, char *buf, size_t len)
{
	return tls_version_str(v, buf, len);
}

static void alpn_array(struct jbuf *b, const char *key, const __u8 *raw, size_t len)
{
	struct jbuf_bytes v[TLSMON_ALPN_MAX];
	size_t p = 0, k, n = 0;

	while (p < len && n < TLSMON_ALPN_MAX) {
		k = raw[p++];
		if (k > len - p)
			k = len - p;	/* cut by the event's bound */
		v[n++] = (struct jbuf_bytes){ raw + p, k };
		p += k;
	}
	jbuf_strv(b, key, v, n);
}

static void ch_json(struct jbuf *b, const struct tlsmon_ev_client_hello *e)
{
	const struct tls_client_hello *ch = &e->ch;
	char buf[32];

	jbuf_str(b, "record_version", tls_version_str(ch->record_version, buf, sizeof(buf)));
	jbuf_str(b, "legacy_version", tls_version_str(ch->legacy_version, buf, sizeof(buf)));
	jbuf_bool(b, "sslv2", ch->flags & TLS_CHF_SSLV2);
	if (ch->flags & TLS_CHF_SNI) {
		if (ch->flags & TLS_CHF_SNI_NOT_HOST)
			jbuf_null(b, "sni");
		else
			jbuf_strn(b, "sni", ch->sni, ch->sni_len < TLSMON_SNI_MAX ? ch->sni_len : TLSMON_SNI_MAX);
	} else {
		jbuf_null(b, "sni");
	}
	alpn_array(b, "alpn", ch->alpn, ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX);
	u16_array(b, "versions", ch->versions, ch->n_versions, TLSMON_MAX_VERSIONS, ver_name);
	jbuf_u64(b, "n_ciphers", ch->n_ciphers);
	u16_array(b, "ciphers", ch->ciphers, ch->n_ciphers, TLSMON_MAX_CIPHERS, NULL);
	u16_array(b, "extensions", ch->exts, ch->n_exts, TLSMON_MAX_EXTS, NULL);
	u16_array(b, "groups", ch->groups, ch->n_groups, TLSMON_MAX_GROUPS, tls_group_str);
	u16_array(b, "key_shares", ch->key_shares, ch->n_key_shares, TLSMON_MAX_KEY_SHARES,
		  tls_group_str);
	u16_array(b, "signature_algorithms", ch->sigalgs, ch->n_sigalgs, TLSMON_MAX_SIGALGS,
		  tls_sigalg_str);
	jbuf_u64(b, "session_id_len", ch->session_id_len);
	jbuf_bool(b, "session_ticket", ch->flags & TLS_CHF_TICKET_NONEMPTY);
	jbuf_bool(b, "psk", ch->flags & TLS_CHF_PSK);
	jbuf_bool(b, "early_data", ch->flags & TLS_CHF_EARLY_DATA);
	jbuf_bool(b, "ech", ch->flags & TLS_CHF_ECH);
	jbuf_bool(b, "truncated", ch->flags & TLS_CHF_TRUNC_MASK);
	jbuf_bool(b, "duplicate_extension", ch->flags & TLS_CHF_DUP_EXT);
	{
		struct fingerprints fp;

		if (e->h.origin == TLSMON_ORIGIN_QUIC)
			fingerprint_client_quic(ch, &fp);
		else
			fingerprint_client(ch, &fp);
		if (fp.have_ja4)
			jbuf_str(b, "ja4", fp.ja4);
		if (fp.have_ja3)
			jbuf_str(b, "ja3", fp.ja3);
	}
	if (e->peer.synack_seen) {
		jbuf_u64(b, "synack_ttl", e->peer.synack_ttl);
		jbuf_u64(b, "synack_ip_id", e->peer.synack_ip_id);
	}
}

static void sh_json(struct jbuf *b, const struct tlsmon_ev_server_hello *e)
{
	const struct tls_server_hello *sh = &e->sh;
	char buf[64];

	jbuf_str(b, "record_version", tls_version_str(sh->record_version, buf, sizeof(buf)));
	jbuf_str(b, "legacy_version", tls_version_str(sh->legacy_version, buf, sizeof(buf)));
	if (sh->flags & TLS_SHF_SUPPORTED_VERSIONS)
		jbuf_str(b, "selected_version", tls_version_str(sh->selected_version, buf, sizeof(buf)));
	jbuf_str(b, "cipher", tls_cipher_str(sh->cipher, buf, sizeof(buf)));
	jbuf_bool(b, "hello_retry_request", sh->flags & TLS_SHF_HRR);
	if (sh->flags & TLS_SHF_KEY_SHARE)
		jbuf_str(b, "group", tls_group_str(sh->key_share_group, buf, sizeof(buf)));
	if (sh->flags & TLS_SHF_ALPN)
		jbuf_strn(b, "alpn", sh->alpn, sh->alpn_len < TLSMON_SH_ALPN_MAX ? sh->alpn_len : TLSMON_SH_ALPN_MAX);
	u16_array(b, "extensions", sh->exts, sh->n_exts, TLSMON_SH_MAX_EXTS, NULL);
	jbuf_u64(b, "session_id_len", sh->session_id_len);
	jbuf_bool(b, "psk", sh->flags & TLS_SHF_PSK);
	{
		struct server_fingerprint fp;

		fingerprint_server(sh, &fp);
		jbuf_str(b, "ja3s", fp.ja3s);
	}
	if (e->peer.synack_seen) {
		jbuf_u64(b, "synack_ttl", e->peer.synack_ttl);
		jbuf_u64(b, "synack_ip_id", e->peer.synack_ip_id);
	}
}

int ev_json(struct jbuf *b, const void *ev, size_t size)
{
	const struct tlsmon_ev_hdr *h = ev;
	const struct tlsmon_ev_small *sm = ev;
	char ca[INET6_ADDRSTRLEN], sa[INET6_ADDRSTRLEN], buf[32];

	/* the reassembler's own event is not a datapath event: not checked as one */
	if (size >= sizeof(*h) && h->type == TLSMON_EV_HS_BYTES) {
		if (size < sizeof(struct tlsmon_ev_hs_bytes))
			return -1;
	} else if (size >= sizeof(*h) && h->type == TLSMON_EV_HELLO_PART) {
		if (size < offsetof(struct tlsmon_ev_hello_part, ch))
			return -1;
	} else if (size >= sizeof(*h) && h->type == TLSMON_EV_QUIC_INFO) {
		/* the QUIC tracker's, likewise */
		if (size < sizeof(struct tlsmon_ev_quic_info))
			return -1;
	} else if (ev_check(ev, size)) {
		return -1;
	}
	addr_str(h->caddr, ca, sizeof(ca));
	addr_str(h->saddr, sa, sizeof(sa));
	jbuf_obj_open(b);
	jbuf_str(b, "event", ev_type_name(h->type));
	jbuf_u64(b, "ts_ns", h->ts_ns);
	jbuf_u64(b, "ifindex", h->ifindex);
	jbuf_str(b, "dir", h->dir == TLSMON_DIR_C2S ? "c2s" : "s2c");
	jbuf_str(b, "client", ca);
	jbuf_u64(b, "client_port", h->cport);
	jbuf_str(b, "server", sa);
	jbuf_u64(b, "server_port", h->sport);
	jbuf_u64(b, "ttl", h->ttl);
	jbuf_u64(b, "ip_id", h->ip_id);
	jbuf_u64(b, "seq", h->seq);
	if (h->origin == TLSMON_ORIGIN_QUIC)
		jbuf_str(b, "transport", "quic");
	switch (h->type) {
	case TLSMON_EV_CLIENT_HELLO:
		ch_json(b, ev);
		break;
	case TLSMON_EV_SERVER_HELLO:
		sh_json(b, ev);
		break;
	case TLSMON_EV_ALERT:
		jbuf_bool(b, "encrypted", sm->flags & TLSMON_SF_ENCRYPTED);
		jbuf_u64(b, "record_length", sm->rec_len);
		if (!(sm->flags & TLSMON_SF_ENCRYPTED)) {
			jbuf_str(b, "level", sm->level == TLS_ALERT_LEVEL_FATAL ? "fatal"
					  : sm->level == TLS_ALERT_LEVEL_WARNING ? "warning" : "unknown");
			jbuf_str(b, "description", tls_alert_str(sm->desc, buf, sizeof(buf)));
		}
		break;
	case TLSMON_EV_HS_MSG:
		jbuf_bool(b, "encrypted", sm->flags & TLSMON_SF_ENCRYPTED);
		if (!(sm->flags & TLSMON_SF_ENCRYPTED)) {
			jbuf_str(b, "message", tls_hs_type_name(sm->hs_type) ?: "unknown");
			jbuf_u64(b, "message_length", sm->msg_len);
			jbuf_bool(b, "partial", sm->flags & TLSMON_SF_PARTIAL);
		}
		jbuf_u64(b, "record_length", sm->rec_len);
		break;
	case TLSMON_EV_CCS:
	case TLSMON_EV_APPDATA:
		jbuf_u64(b, "record_length", sm->rec_len);
		if (h->type == TLSMON_EV_APPDATA)
			jbuf_u64(b, "index", sm->index);
		break;
	case TLSMON_EV_PARSE_ERROR:
		jbuf_str(b, "error", tls_err_name(sm->reason));
		jbuf_u64(b, "content_type", sm->content_type);
		jbuf_u64(b, "handshake_type", sm->hs_type);
		break;
	case TLSMON_EV_FLOW_END:
		jbuf_str(b, "reason", sm->reason < TLSMON_END_MAX && end_names[sm->reason]
					    ? end_names[sm->reason] : "unknown");
		break;
	case TLSMON_EV_NON_TLS: {
		const struct tlsmon_ev_non_tls *nt = ev;

		jbuf_u64(b, "payload_length", nt->len);
		jbuf_strn(b, "first_bytes", nt->data, nt->n < TLSMON_PEEK_MAX ? nt->n : TLSMON_PEEK_MAX);
		break;
	}
	case TLSMON_EV_HS_BYTES: {
		const struct tlsmon_ev_hs_bytes *hb = ev;

		jbuf_str(b, "message", hb->len ? tls_hs_type_name(hb->data[0]) ?: "unknown" : "none");
		jbuf_u64(b, "message_length", hb->len);
		break;
	}
	case TLSMON_EV_HELLO_PART: {
		const struct tlsmon_ev_hello_part *hp = ev;

		jbuf_u64(b, "bytes", hp->have);
		jbuf_u64(b, "length", hp->need);
		jbuf_bool(b, "final", hp->final);
		if (hp->has_ch && size >= sizeof(*hp) && (hp->ch.flags & TLS_CHF_SNI))
			jbuf_strn(b, "sni", hp->ch.sni, hp->ch.sni_len < TLSMON_SNI_MAX
							   ? hp->ch.sni_len : TLSMON_SNI_MAX);
		break;
	}
	case TLSMON_EV_QUIC_INFO:
		quic_info_json(b, ev);
		break;
	case TLSMON_EV_QUIC: {
		const struct tlsmon_ev_quic *qd = ev;

		jbuf_u64(b, "datagram_length", qd->dgram_len);
		jbuf_u64(b, "length", qd->len);
		break;
	}
	case TLSMON_EV_BLOB: {
		const struct tlsmon_ev_blob *bl = ev;

		jbuf_u64(b, "record_seq", bl->rec_seq);
		jbuf_u64(b, "length", bl->len);
		jbuf_bool(b, "budget_exhausted", bl->flags & TLSMON_BLOB_F_BUDGET);
		break;
	}
	}
	jbuf_obj_close(b);
	return 0;
}
