// SPDX-License-Identifier: BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "lib/lru.h"
#include "pipe/quic_track.h"
#include "tls_parse.h"

/* Orientation-free: the lower address (then port) first. */
struct qkey {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint8_t family;
	uint8_t pad[3];
};

#define QT_CLOSE_SENT (1u << 2)
#define QT_INFO_SENT (1u << 3)
/* hellos per side: a HelloRetryRequest makes two of each (RFC 8446 4.1.4) */
#define QT_HELLOS 2

struct qent {
	struct quic_conn *q;
	uint8_t client_is_a;
	uint8_t sent;		/* QT_* */
	uint8_t hrr;		/* the server's first hello was a HelloRetryRequest */
	uint8_t info_sscid_len;	/* q->sscid_len when QUIC_INFO last went out */
	uint8_t pad;
	uint8_t hellos[2];	/* hellos sent, per side */
	uint8_t pad2;
	uint32_t next[2];	/* CRYPTO offset of each side's next hello */
	uint32_t info_flags;	/* q->flags when QUIC_INFO last went out */
	uint32_t info_retries;
	uint32_t retries;
};

struct quic_track {
	struct lru *conns;
	ev_sink out;
	void *out_ctx;
	struct quic_track_stats st;
	struct tlsp_ws ws;
	union ev_parsed parsed;
	struct tlsmon_ev_quic_info info;
	uint8_t dg[TLSMON_QUIC_MAX];
	uint8_t plain[TLSMON_QUIC_MAX];
};

static void evict(void *ctx, const void *key, void *val)
{
	struct quic_track *t = ctx;
	struct qent *e = val;

	(void)key;
	t->st.evicted++;
	free(e->q);
	e->q = NULL;
}

struct quic_track *quic_track_new(uint32_t max_conns, ev_sink out, void *out_ctx)
{
	struct quic_track *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->conns = lru_new(sizeof(struct qkey), sizeof(struct qent), max_conns);
	if (!t->conns) {
		free(t);
		return NULL;
	}
	lru_set_evict_cb(t->conns, evict, t);
	t->out = out;
	t->out_ctx = out_ctx;
	return t;
}

static int free_one(void *ctx, const void *key, void *val)
{
	(void)ctx;
	(void)key;
	free(((struct qent *)val)->q);
	return 0;
}

void quic_track_free(struct quic_track *t)
{
	if (!t)
		return;
	lru_foreach(t->conns, free_one, NULL);
	lru_free(t->conns);
	free(t);
}

const struct quic_track_stats *quic_track_stats(const struct quic_track *t)
{
	return &t->st;
}

/* The key of the event's addresses; 1 when its sender is key.a. */
static int key_of(struct qkey *k, const struct tlsmon_ev_hdr *h)
{
	int c = memcmp(h->caddr, h->saddr, 16);
	int s_first = c < 0 || (c == 0 && h->cport <= h->sport);

	memset(k, 0, sizeof(*k));
	memcpy(k->a, s_first ? h->caddr : h->saddr, 16);
	memcpy(k->b, s_first ? h->saddr : h->caddr, 16);
	k->pa = s_first ? h->cport : h->sport;
	k->pb = s_first ? h->sport : h->cport;
	k->family = h->family;
	return s_first;
}

/*
 * Who sent the first datagram of a connection not yet followed: 0 the
 * client, 1 the server, -1 unknown.  The packet is opened on a copy.
 */
static int first_role(struct quic_track *t, const uint8_t *p, size_t n)
{
	struct quic_long_hdr h;
	struct quic_keys k;
	uint64_t pn;
	long r;

	if (quic_parse_long(p, n, &h))
		return -1;
	if (h.type == QUIC_PT_VN || h.type == QUIC_PT_RETRY)
		return 1;
	if (h.type != QUIC_PT_INITIAL || quic_initial_keys(h.version, h.dcid, h.dcid_len, 0, &k))
		return -1;
	memcpy(t->dg, p, h.len);
	r = quic_open(&k, t->dg, h.len, h.pn_off, t->plain, sizeof(t->plain), (__u64 *)&pn);
	return r >= 0 ? 0 : -1;
}

/* The event's header turned to the connection's roles: dir is the sender's. */
static void roles(struct tlsmon_ev_hdr *o, const struct tlsmon_ev_hdr *h, int sender_server)
{
	*o = *h;
	o->dir = sender_server ? TLSMON_DIR_S2C : TLSMON_DIR_C2S;
	if (sender_server) {
		memcpy(o->caddr, h->saddr, 16);
		memcpy(o->saddr, h->caddr, 16);
		o->cport = h->sport;
		o->sport = h->cport;
	}
	o->seq = 0;
	o->tcp_flags = 0;
	o->origin = TLSMON_ORIGIN_QUIC;
}

static void send_info(struct quic_track *t, struct qent *e, const struct tlsmon_ev_hdr *h)
{
	struct tlsmon_ev_quic_info *i = &t->info;
	const struct quic_conn *q = e->q;

	memset(i, 0, sizeof(*i));
	i->h = *h;
	i->h.type = TLSMON_EV_QUIC_INFO;
	i->h.size = sizeof(*i);
	i->version = q->version;
	i->flags = q->flags;
	i->close_code = q->close_code;
	i->dcid_len = q->fdcid_len;
	i->scid_len = q->cscid_len;
	i->sscid_len = q->sscid_len;
	i->n_vn = q->n_vn;
	memcpy(i->dcid, q->fdcid, sizeof(i->dcid));
	memcpy(i->scid, q->cscid, sizeof(i->scid));
	memcpy(i->sscid, q->sscid, sizeof(i->sscid));
	memcpy(i->vn, q->vn_versions, sizeof(i->vn));
	i->retries = e->retries;
	e->info_flags = q->flags;
	e->info_sscid_len = q->sscid_len;
	e->info_retries = e->retries;
	t->out(t->out_ctx, i, sizeof(*i));
}

/* The hello at the side's next offset, m bytes, parsed and sent. */
static void send_hello(struct quic_track *t, struct qent *e, const struct tlsmon_ev_hdr *h,
		       int server, size_t m)
{
	const struct quic_crypto *cr = &e->q->cs[server];
	const __u8 *b = cr->buf + e->next[server];
	union ev_parsed *o = &t->parsed;
	size_t size;
	int r;

	if (server)
		r = tls_parse_server_hello(b, 0, m, 0, &o->sh.sh, &t->ws);
	else
		r = tls_parse_client_hello(b, 0, m, 0, &o->ch.ch, &t->ws);
	o->h = *h;
	if (r) {
		memset((char *)o + sizeof(o->h), 0, sizeof(o->sm) - sizeof(o->h));
		o->h.type = TLSMON_EV_PARSE_ERROR;
		o->sm.content_type = TLS_CT_HANDSHAKE;
		o->sm.hs_type = b[0];
		o->sm.reason = -r;
		size = sizeof(o->sm);
	} else if (server) {
		o->h.type = TLSMON_EV_SERVER_HELLO;
		memset(&o->sh.peer, 0, sizeof(o->sh.peer));
		size = sizeof(o->sh);
	} else {
		o->h.type = TLSMON_EV_CLIENT_HELLO;
		memset(&o->ch.peer, 0, sizeof(o->ch.peer));
		size = sizeof(o->ch);
	}
	o->h.size = size;
	t->out(t->out_ctx, o, size);
}

/* A close whose error is a TLS alert (0x0100 + alert): the alert the TCP path would see. */
static void send_close(struct quic_track *t, struct qent *e, const struct tlsmon_ev_hdr *h)
{
	const struct quic_conn *q = e->q;
	struct tlsmon_ev_small *a = &t->parsed.sm;

	if ((q->flags & QUIC_CF_CLOSE_APP) || q->close_code < 0x100 || q->close_code > 0x1ff)
		return;
	memset(a, 0, sizeof(*a));
	a->h = *h;
	a->h.dir = q->flags & QUIC_CF_CLOSE_S ? TLSMON_DIR_S2C : TLSMON_DIR_C2S;
	a->h.type = TLSMON_EV_ALERT;
	a->h.size = sizeof(*a);
	a->content_type = TLS_CT_ALERT;
	a->level = 2;
	a->desc = q->close_code - 0x100;
	t->out(t->out_ctx, a, sizeof(*a));
}

/*
 * The side's next hello, once whole: 1 when sent.  Only a HelloRetryRequest
 * is followed by more hellos: a second ClientHello, then the ServerHello.
 */
static int next_hello(struct quic_track *t, struct qent *e, const struct tlsmon_ev_hdr *h,
		      int server)
{
	const struct quic_crypto *cr = &e->q->cs[server];
	struct tlsmon_ev_hdr o = *h;
	size_t m;

	if (e->hellos[server] >= QT_HELLOS)
		return 0;
	if (e->hellos[server] && !e->hrr)
		return 0;
	m = quic_crypto_msg_at(cr, e->next[server]);
	if (!m)
		return 0;
	o.dir = server ? TLSMON_DIR_S2C : TLSMON_DIR_C2S;
	if (server && cr->buf[e->next[server]] == TLS_HS_SERVER_HELLO &&
	    !tls_parse_server_hello(cr->buf + e->next[server], 0, m, 0, &t->parsed.sh.sh, &t->ws) &&
	    (t->parsed.sh.sh.flags & TLS_SHF_HRR))
		e->hrr = 1;
	send_hello(t, e, &o, server, m);
	e->next[server] += m;
	e->hellos[server]++;
	return 1;
}

/* What the datagram made whole or changed, in the order TCP would show it. */
static void report(struct quic_track *t, struct qent *e, const struct tlsmon_ev_hdr *h)
{
	const struct quic_conn *q = e->q;
	int more = 1;

	next_hello(t, e, h, 0);
	/* QUIC first, then the rest: the collector knows the transport from here on */
	if ((e->hellos[0] || q->flags & QUIC_CF_VN) &&
	    (e->info_flags != q->flags || e->info_retries != e->retries ||
	     e->info_sscid_len != q->sscid_len || !(e->sent & QT_INFO_SENT))) {
		e->sent |= QT_INFO_SENT;
		send_info(t, e, h);
	}
	/* after a HelloRetryRequest: the second ClientHello, then the ServerHello */
	while (more)
		more = next_hello(t, e, h, 1) | next_hello(t, e, h, 0);
	if (!(e->sent & QT_CLOSE_SENT) && q->flags & (QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_S)) {
		e->sent |= QT_CLOSE_SENT;
		send_close(t, e, h);
	}
}

int quic_track_datagram(struct quic_track *t, const struct tlsmon_ev_quic *ev)
{
	struct tlsmon_ev_hdr h;
	struct qent *e, fresh;
	struct qkey k;
	int sender_a = key_of(&k, &ev->h), role, server;
	uint64_t retries;

	e = lru_lookup(t->conns, &k);
	if (!e) {
		role = first_role(t, ev->data, ev->len);
		if (role < 0) {
			t->st.no_role++;
			return 0;
		}
		memset(&fresh, 0, sizeof(fresh));
		fresh.q = calloc(1, sizeof(*fresh.q));
		if (!fresh.q)
			return -1;
		quic_conn_init(fresh.q);
		fresh.client_is_a = role == 0 ? sender_a : !sender_a;
		e = lru_insert(t->conns, &k, &fresh);
		t->st.conns++;
	}
	server = sender_a != e->client_is_a;
	roles(&h, &ev->h, server);
	memcpy(t->dg, ev->data, ev->len);
	retries = t->st.q.retry;
	quic_conn_datagram(e->q, server, t->dg, ev->len, &t->st.q);
	e->retries += t->st.q.retry - retries;
	report(t, e, &h);
	return 0;
}
