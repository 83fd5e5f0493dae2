// SPDX-License-Identifier: BSD-3-Clause
#include <stddef.h>
#include <string.h>
#include "pipe/ev.h"
#include "pipe/quic_track.h"
#include "tlsmon.h"

static const char *const type_names[TLSMON_EV_MAX] = {
	[TLSMON_EV_CLIENT_HELLO] = "client_hello", [TLSMON_EV_SERVER_HELLO] = "server_hello",
	[TLSMON_EV_ALERT] = "alert", [TLSMON_EV_CCS] = "change_cipher_spec",
	[TLSMON_EV_HS_MSG] = "handshake", [TLSMON_EV_APPDATA] = "application_data",
	[TLSMON_EV_TCP_RST] = "tcp_rst", [TLSMON_EV_TCP_FIN] = "tcp_fin",
	[TLSMON_EV_NON_TLS] = "non_tls", [TLSMON_EV_BLOB] = "segment_bytes",
	[TLSMON_EV_PARSE_ERROR] = "parse_error", [TLSMON_EV_FLOW_END] = "flow_end",
	[TLSMON_EV_HELLO] = "hello_bytes", [TLSMON_EV_QUIC] = "quic_datagram",
	[TLSMON_EV_PKT] = "packet",
};

const char *ev_type_name(int type)
{
	if (type == TLSMON_EV_HS_BYTES)
		return "handshake_bytes";
	if (type == TLSMON_EV_HELLO_PART)
		return "client_hello_part";
	if (type == TLSMON_EV_QUIC_INFO)
		return "quic_info";
	return type > 0 && type < TLSMON_EV_MAX && type_names[type] ? type_names[type] : "unknown";
}

int ev_check(const void *ev, size_t size)
{
	const struct tlsmon_ev_hdr *h = ev;
	size_t want;

	if (size < sizeof(*h) || h->version != TLSMON_EVENT_VERSION)
		return -1;
	switch (h->type) {
	case TLSMON_EV_CLIENT_HELLO:
		want = sizeof(struct tlsmon_ev_client_hello);
		break;
	case TLSMON_EV_SERVER_HELLO:
		want = sizeof(struct tlsmon_ev_server_hello);
		break;
	case TLSMON_EV_NON_TLS:
		want = sizeof(struct tlsmon_ev_non_tls);
		break;
	case TLSMON_EV_HELLO:
		want = offsetof(struct tlsmon_ev_hello, data);
		if (size < want)
			return -1;
		if (((const struct tlsmon_ev_hello *)ev)->len > TLSMON_HELLO_MAX ||
		    ((const struct tlsmon_ev_hello *)ev)->head_len > TLSMON_HELLO_HEAD_MAX)
			return -1;
		want += ((const struct tlsmon_ev_hello *)ev)->len;
		want += ((const struct tlsmon_ev_hello *)ev)->head_len;
		break;
	case TLSMON_EV_QUIC: {
		const struct tlsmon_ev_quic *q = ev;

		want = offsetof(struct tlsmon_ev_quic, data);
		if (size < want || q->len > TLSMON_QUIC_MAX || q->len > q->dgram_len)
			return -1;
		want += q->len;
		break;
	}
	case TLSMON_EV_PKT:
		want = TLSMON_PKT_HDR;
		if (size < want || ((const struct tlsmon_ev_pkt *)ev)->len > TLSMON_PKT_MAX)
			return -1;
		want += ((const struct tlsmon_ev_pkt *)ev)->len;
		break;
	case TLSMON_EV_BLOB:
		want = offsetof(struct tlsmon_ev_blob, data);
		if (size < want)
			return -1;
		want += ((const struct tlsmon_ev_blob *)ev)->len;
		if (((const struct tlsmon_ev_blob *)ev)->len > TLSMON_BLOB_MAX)
			return -1;
		break;
	case TLSMON_EV_ALERT:
	case TLSMON_EV_CCS:
	case TLSMON_EV_HS_MSG:
	case TLSMON_EV_APPDATA:
	case TLSMON_EV_TCP_RST:
	case TLSMON_EV_TCP_FIN:
	case TLSMON_EV_PARSE_ERROR:
	case TLSMON_EV_FLOW_END:
		want = sizeof(struct tlsmon_ev_small);
		break;
	default:
		return -1;
	}
	return size < want ? -1 : 0;
}

size_t ev_hello_parse(const struct tlsmon_ev_hello *e, union ev_parsed *out, struct tlsp_ws *ws)
{
	__u8 type = e->sslv2 || !e->len ? TLS_HS_CLIENT_HELLO : e->data[0];
	int r;

	if (e->sslv2) {
		r = tls_parse_sslv2_client_hello(e->data, 0, e->len, &out->ch.ch);
	} else if (type == TLS_HS_CLIENT_HELLO) {
		r = tls_parse_client_hello(e->data, 0, e->len, e->rec_version, &out->ch.ch, ws);
	} else if (type == TLS_HS_SERVER_HELLO) {
		r = tls_parse_server_hello(e->data, 0, e->len, e->rec_version, &out->sh.sh, ws);
	} else {
		r = -TLS_ERR_NOT_TLS;
	}
	out->h = e->h;
	if (r) {
		memset((char *)out + sizeof(out->h), 0, sizeof(out->sm) - sizeof(out->h));
		out->h.type = TLSMON_EV_PARSE_ERROR;
		out->h.size = sizeof(out->sm);
		out->sm.content_type = TLS_CT_HANDSHAKE;
		out->sm.hs_type = type;
		out->sm.reason = -r;
		return sizeof(out->sm);
	}
	if (type == TLS_HS_CLIENT_HELLO) {
		out->h.type = TLSMON_EV_CLIENT_HELLO;
		out->h.size = sizeof(out->ch);
		out->ch.peer = e->peer;
		return sizeof(out->ch);
	}
	out->h.type = TLSMON_EV_SERVER_HELLO;
	out->h.size = sizeof(out->sh);
	out->sh.peer = e->peer;
	return sizeof(out->sh);
}

int ev_end_split(const void *ev, struct tlsmon_ev_small out[2])
{
	const struct tlsmon_ev_small *e = ev;

	if ((e->h.type != TLSMON_EV_TCP_RST && e->h.type != TLSMON_EV_TCP_FIN) ||
	    !(e->flags & TLSMON_SF_ENDS))
		return 0;
	out[0] = *e;
	out[0].flags &= (__u8)~TLSMON_SF_ENDS;
	out[0].reason = 0;
	out[1] = *e;
	out[1].h.type = TLSMON_EV_FLOW_END;
	out[1].flags = 0;
	return 1;
}

void ev_flow_expired(struct tlsmon_ev_small *e, const struct tlsmon_flow_key *k,
		     const struct tlsmon_flow *f)
{
	const int ca = f->client_is_a;

	memset(e, 0, sizeof(*e));
	e->h.version = TLSMON_EVENT_VERSION;
	e->h.type = TLSMON_EV_FLOW_END;
	e->h.dir = TLSMON_DIR_C2S;
	e->h.ts_ns = f->last_ns;
	memcpy(e->h.caddr, ca ? k->a : k->b, 16);
	memcpy(e->h.saddr, ca ? k->b : k->a, 16);
	e->h.cport = ca ? k->pa : k->pb;
	e->h.sport = ca ? k->pb : k->pa;
	e->h.family = k->family;
	e->h.size = sizeof(*e);
	e->reason = TLSMON_END_EXPIRED;
}
