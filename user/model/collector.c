// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/collector.h"
#include "model/conn.h"
#include "model/diag.h"
#include "model/local_id.h"
#include "pipe/quic_track.h"
#include "pipe/reasm.h"
#include "lib/lru.h"
#include "tls_parse.h"

struct ckey {
	uint8_t caddr[16];
	uint8_t saddr[16];
	uint16_t cport;
	uint16_t sport;
	uint8_t family;
	uint8_t quic;	/* the transport: a browser races TCP and QUIC on one 4-tuple */
	uint8_t pad[2];
};

struct collector {
	struct collector_opts o;
	struct lru *conns;		/* ckey -> struct conn * */
	struct profiles *profiles;
	struct rec_sink sinks[COLLECTOR_MAX_SINKS];
	int nsinks;
	struct collector_stats st;
	/* the settling record's fingerprints: made once per record, not kept per connection */
	struct fingerprints fp;
	struct server_fingerprint sfp;
	/* the settling record's ClientHellos, unpacked (a held one gets its own copy) */
	struct tls_client_hello hello[2];
	uint64_t next_id;
	uint64_t now;			/* latest event time */
	uint64_t bytes;			/* heap held by open connections (conn_account) */
	char ifname_cache[IF_NAMESIZE];
	uint32_t ifindex_cache;
};

static void conn_free(struct conn *c)
{
	cert_chain_put(c->certs[0]);
	cert_chain_put(c->certs[1]);
	cert_request_put(c->cert_req);
	free(c->hello);
	free(c->hello2);
	free(c->held_ch);
	free(c->sh);
	free(c->part);
	free(c->tl);
	free(c->local);
	free(c->quic);
	free(c);
}

/* What a connection holds on the heap, as the budget counts it. */
static size_t conn_heap(const struct conn *cn)
{
	size_t n = sizeof(*cn);

	if (cn->hello)
		n += hello_pack_size(cn->hello);
	if (cn->hello2)
		n += hello_pack_size(cn->hello2);
	if (cn->held_ch)
		n += 2 * sizeof(*cn->held_ch);
	if (cn->sh)
		n += sizeof(*cn->sh);
	if (cn->part)
		n += hello_pack_size(cn->part);
	n += cn->cap_tl * sizeof(*cn->tl);
	if (cn->local)
		n += sizeof(*cn->local);
	return n;
}

/* Bring the collector's count up to date with what cn holds now. */
static void conn_account(struct collector *c, struct conn *cn)
{
	size_t n = conn_heap(cn);

	c->bytes = c->bytes - cn->bytes + n;
	cn->bytes = (uint32_t)n;
}

/* Free a connection the budget counted. */
static void conn_release(struct collector *c, struct conn *cn)
{
	c->bytes -= cn->bytes;
	conn_free(cn);
}

static void finish(struct collector *c, const struct ckey *k, struct conn *cn, int in_lru);

/* A connection pushed out (max_conns, max_bytes), already out of the table. */
static void drop(struct collector *c, const void *key, struct conn *cn)
{
	if (cn->held) {
		/* diagnosed already: written as it is rather than lost */
		finish(c, key, cn, 0);
		return;
	}
	c->st.evicted++;
	if (cn->hello_counted) {
		c->st.hellos_evicted++;
		c->st.hellos_open--;
	}
	conn_release(c, cn);
}

static void on_evict(void *ctx, const void *key, void *val)
{
	drop(ctx, key, *(struct conn **)val);
}

/*
 * Past the budget: the least recent connections go (not keep, which the
 * event at hand is for).
 */
static void trim(struct collector *c, const struct conn *keep)
{
	const void *k;
	struct conn **slot, *cn;
	struct ckey key;

	while (c->bytes > c->o.max_bytes && (slot = lru_oldest(c->conns, &k)) && *slot != keep) {
		cn = *slot;
		memcpy(&key, k, sizeof(key));
		lru_delete(c->conns, &key);
		c->st.evicted_bytes++;
		drop(c, &key, cn);
	}
}

struct collector *collector_new(const struct collector_opts *o)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	if (!c->o.max_bytes)
		c->o.max_bytes = (uint64_t)o->max_conns * COLLECTOR_CONN_BYTES;
	c->conns = lru_new(sizeof(struct ckey), sizeof(struct conn *), o->max_conns);
	c->profiles = profiles_new(o->max_servers);
	if (!c->conns || !c->profiles) {
		collector_free(c);
		return NULL;
	}
	lru_set_evict_cb(c->conns, on_evict, c);
	return c;
}

static int free_one(void *ctx, const void *key, void *val)
{
	(void)ctx;
	(void)key;
	conn_free(*(struct conn **)val);
	return 0;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	if (c->conns) {
		lru_foreach(c->conns, free_one, NULL);
		lru_free(c->conns);
	}
	profiles_free(c->profiles);
	free(c);
}

int collector_add_sink(struct collector *c, const struct rec_sink *s)
{
	if (c->nsinks == COLLECTOR_MAX_SINKS)
		return -ENOSPC;
	c->sinks[c->nsinks++] = *s;
	return 0;
}

static void key_of(struct ckey *k, const struct tlsmon_ev_hdr *h)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->caddr, h->caddr, 16);
	memcpy(k->saddr, h->saddr, 16);
	k->cport = h->cport;
	k->sport = h->sport;
	k->family = h->family;
	k->quic = h->origin == TLSMON_ORIGIN_QUIC;
}

static uint64_t wall(const struct collector *c, uint64_t ts)
{
	return ts ? ts + c->o.wall_offset_ns : 0;
}

static const char *ifname_of(struct collector *c, uint32_t ifindex)
{
	if (c->o.ifname)
		return c->o.ifname;
	if (ifindex != c->ifindex_cache || !c->ifname_cache[0]) {
		if (!if_indextoname(ifindex, c->ifname_cache))
			snprintf(c->ifname_cache, sizeof(c->ifname_cache), "if%u", ifindex);
		c->ifindex_cache = ifindex;
	}
	return c->ifname_cache;
}

static void history(struct conn *cn, uint8_t side, char letter)
{
	char *h = cn->rec.history;
	size_t n = strlen(h);

	if (n + 1 < sizeof(cn->rec.history)) {
		h[n] = side == SIDE_CLIENT ? letter : letter - 'A' + 'a';
		h[n + 1] = 0;
	}
}

/* QUIC's facts, the latest (the pipe sends them whole each time they change). */
static void on_quic_info(struct conn *cn, const struct tlsmon_ev_quic_info *e)
{
	if (!cn->quic)
		cn->quic = malloc(sizeof(*cn->quic));
	if (!cn->quic)
		return;
	*cn->quic = *e;
	cn->rec.quic = cn->quic;
	if (e->flags & QUIC_CF_VN)
		history(cn, SIDE_SERVER, 'V');
}

static struct conn *conn_new(struct collector *c, const struct ckey *k,
			     const struct tlsmon_ev_hdr *h)
{
	struct conn *cn = calloc(1, sizeof(*cn)), **slot;

	if (!cn)
		return NULL;
	slot = lru_insert(c->conns, k, &cn);
	if (!slot) {
		free(cn);
		return NULL;
	}
	conn_account(c, cn);
	cn->rec.id = ++c->next_id;
	cn->rec.start_ns = wall(c, h->ts_ns);
	cn->rec.family = h->family;
	memcpy(cn->rec.caddr, h->caddr, 16);
	memcpy(cn->rec.saddr, h->saddr, 16);
	cn->rec.cport = h->cport;
	cn->rec.sport = h->sport;
	cn->rec.ifindex = h->ifindex;
	cn->rec.kind = KIND_UNKNOWN;
	return cn;
}

/* The certificates' findings, at the time of the handshake (offline: the capture's). */
static void cert_settle(struct conn *cn)
{
	struct hs_record *r = &cn->rec;
	int64_t now = r->start_ns / 1000000000ull, skew;
	size_t sni_len;
	int cut;
	const uint8_t *sni = record_sni(r, &sni_len, &cut);

	/* a name longer than kept cannot be checked */
	if (cut)
		sni = NULL;

	r->certs[SIDE_CLIENT] = cn->certs[SIDE_CLIENT];
	r->certs[SIDE_SERVER] = cn->certs[SIDE_SERVER];
	r->cert_request = cn->cert_req;
	r->cert_findings[SIDE_SERVER] = cert_findings(cn->certs[SIDE_SERVER], now,
						      (const char *)sni, sni ? sni_len : 0,
						      &r->cert_skew_s);
	/* a client certificate names a client: no SNI to match */
	r->cert_findings[SIDE_CLIENT] = cert_findings(cn->certs[SIDE_CLIENT], now, NULL, 0, &skew);
}

/* The record's fingerprints: the collector's, made for the record being written. */
static void fingerprints(struct collector *c, struct conn *cn)
{
	struct hs_record *r = &cn->rec;

	memset(&c->fp, 0, sizeof(c->fp));
	memset(&c->sfp, 0, sizeof(c->sfp));
	if (cn->ch && cn->quic)
		fingerprint_client_quic(cn->ch, &c->fp);
	else if (cn->ch)
		fingerprint_client(cn->ch, &c->fp);
	else if (r->ev.hello_incomplete)
		c->fp.why_not = "client_hello_incomplete";	/* a part has no fingerprint */
	if (cn->sh)
		fingerprint_server(cn->sh, &c->sfp);
	r->fp = &c->fp;
	r->sfp = &c->sfp;
}

/* Count the diagnosed record, hand it out, forget it (in_lru: remove it there too). */
static void finish(struct collector *c, const struct ckey *k, struct conn *cn, int in_lru)
{
	struct hs_record *r = &cn->rec;
	int i;

	if (cn->held) {
		fingerprints(c, cn);	/* made again: another record's since */
		c->st.held_open--;
	}
	profiles_learn(c->profiles, r);
	c->st.records++;
	if (cn->hello_counted) {
		c->st.hellos_settled++;
		c->st.hellos_open--;
	}
	c->st.by_outcome[r->outcome]++;
	c->st.by_reason[r->reason]++;
	if (cn->timed_out)
		c->st.timed_out++;
	if (r->ev.hello_incomplete)
		c->st.hello_incomplete++;
	for (i = 0; i < c->nsinks; i++)
		c->sinks[i].record(c->sinks[i].ctx, r);
	if (in_lru)
		lru_delete(c->conns, k);
	conn_release(c, cn);
}

/* The connection's hellos as the diagnosis and the outputs read them. */
static void unpack_hellos(struct collector *c, struct conn *cn)
{
	if (cn->hello) {
		hello_pack_unpack(cn->hello, &c->hello[0]);
		cn->ch = &c->hello[0];
	}
	if (cn->hello2) {
		hello_pack_unpack(cn->hello2, &c->hello[1]);
		cn->ch2 = &c->hello[1];
	}
}

/*
 * A held record outlives the next one's settle: its hellos move out of the
 * collector's buffers.  Nonzero: no memory, it is written now without waiting.
 */
static int keep_hellos(struct collector *c, struct conn *cn)
{
	struct hs_record *r = &cn->rec;

	if (!cn->ch && r->ch != &c->hello[0])
		return 0;
	cn->held_ch = malloc(2 * sizeof(*cn->held_ch));
	if (!cn->held_ch)
		return -1;
	memcpy(cn->held_ch, c->hello, 2 * sizeof(*cn->held_ch));
	/* the ClientHello, or the part of one that came */
	if (r->ch == &c->hello[0])
		r->ch = &cn->held_ch[0];
	if (cn->ch)
		cn->ch = &cn->held_ch[0];
	if (cn->ch2)
		cn->ch2 = r->ch2 = &cn->held_ch[1];
	return 0;
}

/* Settled, given to no output (a --verify probe, filtered out). */
static void forget(struct collector *c, const struct ckey *k, struct conn *cn)
{
	if (cn->hello_counted) {
		c->st.hellos_settled++;
		c->st.hellos_open--;
	}
	lru_delete(c->conns, k);
	conn_release(c, cn);
}

/* The program of this host at one end, if the live source knows it (opts.identify). */
static void identify(struct collector *c, struct conn *cn)
{
	struct hs_record *r = &cn->rec;
	uint64_t end = 0, t;
	int i;

	if (!c->o.identify)
		return;
	/* the earliest of its FIN and RST, back on the event clock */
	for (i = 0; i < 2; i++) {
		const struct rec_tcp_end *e = i ? &r->rst : &cn->rec.fin;

		t = e->seen ? e->ts_ns - c->o.wall_offset_ns : 0;
		if (t && (!end || t < end))
			end = t;
	}
	if (!cn->local)
		cn->local = malloc(sizeof(*cn->local));
	if (!cn->local)
		return;
	if (c->o.identify(c->o.identify_ctx, r, r->start_ns - c->o.wall_offset_ns, end, cn->local))
		r->local = cn->local;
}

/* Give the record its derived fields, diagnose it, hand it out, forget it. */
static void settle(struct collector *c, const struct ckey *k, struct conn *cn, int timed_out)
{
	struct hs_record *r = &cn->rec;
	double waited;

	if (cn->held) {
		/* its verification did not come in time: written as diagnosed */
		finish(c, k, cn, 1);
		return;
	}
	unpack_hellos(c, cn);
	r->ch = cn->ch;
	r->ch2 = cn->ch2;
	if (!cn->ch && cn->part_seen) {
		/* never whole: what its first bytes said (its SNI, when they held it) */
		if (cn->part) {
			hello_pack_unpack(cn->part, &c->hello[0]);
			r->ch = &c->hello[0];
		}
		if (!r->ch_ns)
			r->ch_ns = wall(c, cn->part_ns);
		r->ev.hello_incomplete = 1;
		r->ev.hello_have = cn->part_have;
		r->ev.hello_need = cn->part_need;
		if (!r->ev.hello_error)
			r->ev.hello_error = TLS_ERR_SHORT;
	}
	r->sh = cn->sh;
	r->timeline = cn->tl;
	r->n_timeline = cn->n_tl;
	r->timeline_cut = cn->tl_cut;
	waited = r->ch_ns && c->now > r->ch_ns - c->o.wall_offset_ns
			 ? (c->now - (r->ch_ns - c->o.wall_offset_ns)) / 1e9
			 : 0;
	r->ifname = ifname_of(c, r->ifindex);
	fingerprints(c, cn);
	if (!r->end_ns)
		r->end_ns = wall(c, cn->last_ns);
	cert_settle(cn);
	identify(c, cn);
	if (c->o.keep && !c->o.keep(c->o.keep_ctx, r)) {
		c->st.filtered++;
		forget(c, k, cn);
		return;
	}
	if (c->o.annotate && c->o.annotate(c->o.annotate_ctx, r)) {
		forget(c, k, cn);
		return;
	}
	diag_settle(cn, c->profiles, timed_out, waited);
	cn->timed_out = (uint8_t)timed_out;
	if (c->o.hold && c->o.hold(c->o.hold_ctx, r) && !keep_hellos(c, cn)) {
		/* waits for its verification, hold_ns at most (settle_idle) */
		r->verify_asked = 1;
		cn->held = 1;
		cn->hold_until = c->now + c->o.hold_ns;
		c->st.held_open++;
		lru_lookup(c->conns, k);
		conn_account(c, cn);
		trim(c, cn);
		return;
	}
	finish(c, k, cn, 1);
}

struct held_scan {
	const uint8_t *addr;
	uint16_t port;
	struct ckey keys[64];
	unsigned n;
};

static int find_held(void *ctx, const void *key, void *val)
{
	struct held_scan *h = ctx;
	struct conn *cn = *(struct conn **)val;

	if (cn->held && cn->rec.sport == h->port && !memcmp(cn->rec.saddr, h->addr, 16) &&
	    h->n < sizeof(h->keys) / sizeof(h->keys[0]))
		memcpy(&h->keys[h->n++], key, sizeof(h->keys[0]));
	return 0;
}

void collector_release(struct collector *c, const uint8_t addr[16], uint16_t port,
		       const struct verify_result *res)
{
	struct held_scan h = { .addr = addr, .port = port };
	struct conn **slot;
	unsigned i, rounds;

	/* bounded: the table holds at most max_conns, 64 at a time */
	for (rounds = 0; rounds <= c->o.max_conns / 64 + 1; rounds++) {
		h.n = 0;
		lru_foreach(c->conns, find_held, &h);
		for (i = 0; i < h.n; i++) {
			slot = lru_lookup(c->conns, &h.keys[i]);
			if (!slot)
				continue;
			(*slot)->rec.verified = res;
			diag_verified(*slot);
			finish(c, &h.keys[i], *slot, 1);
		}
		if (h.n < sizeof(h.keys) / sizeof(h.keys[0]))
			break;
	}
}

static void add_alert(struct conn *cn, const struct tlsmon_ev_small *e, uint8_t side)
{
	struct rec_alert *a;

	history(cn, side, 'L');
	if (cn->rec.n_alerts == REC_MAX_ALERTS)
		return;
	a = &cn->rec.alerts[cn->rec.n_alerts++];
	a->sender = side;
	a->level = e->level;
	a->desc = e->desc;
	a->encrypted = !!(e->flags & TLSMON_SF_ENCRYPTED);
	a->rec_len = e->rec_len;
	a->after_server_hello = !!cn->sh;
}

static void on_hs_msg(struct conn *cn, const struct tlsmon_ev_small *e, uint8_t side)
{
	static const char letters[256] = {
		[TLS_HS_CERTIFICATE] = 'X', [TLS_HS_SERVER_KEY_EXCHANGE] = 'K',
		[TLS_HS_CERTIFICATE_REQUEST] = 'R', [TLS_HS_SERVER_HELLO_DONE] = 'N',
		[TLS_HS_CERTIFICATE_VERIFY] = 'Y', [TLS_HS_CLIENT_KEY_EXCHANGE] = 'G',
		[TLS_HS_FINISHED] = 'F', [TLS_HS_CERTIFICATE_STATUS] = 'U',
		[TLS_HS_NEW_SESSION_TICKET] = 'T', [TLS_HS_ENCRYPTED_EXTENSIONS] = 'O',
	};

	if (e->flags & TLSMON_SF_ENCRYPTED) {
		cn->finished[side] = 1;
		history(cn, side, 'F');
		return;
	}
	history(cn, side, letters[e->hs_type] ? letters[e->hs_type] : 'Q');
	switch (e->hs_type) {
	case TLS_HS_CERTIFICATE:
		if (side == SIDE_SERVER)
			cn->rec.server_cert_seen = 1;
		/* a Certificate message of 3 bytes holds an empty list */
		else
			cn->rec.ev.client_cert_sent = e->msg_len > 3 ? 1 : 2;
		break;
	case TLS_HS_CERTIFICATE_REQUEST:
		if (side == SIDE_SERVER) {
			cn->cert_request = 1;
			cn->rec.mutual_tls = 1;
		}
		break;
	case TLS_HS_SERVER_HELLO_DONE:
		cn->server_done = 1;
		break;
	}
}

/* The bytes of a Certificate or CertificateRequest message, from reassembly. */
static void on_hs_bytes(struct collector *c, struct conn *cn, const struct tlsmon_ev_hs_bytes *e,
			uint8_t side)
{
	const char *err;

	if (!e->len)
		return;
	if (e->data[0] == TLS_HS_CERTIFICATE) {
		if (cn->certs[side])
			return;	/* the first chain counts (renegotiation aside) */
		cn->certs[side] = cert_chain_get(e->data, e->len, &err);
		if (!cn->certs[side]) {
			c->st.cert_errors++;
			if (cn->rec.cert_errors < 255)
				cn->rec.cert_errors++;
		}
	} else if (e->data[0] == TLS_HS_CERTIFICATE_REQUEST && side == SIDE_SERVER &&
		   !cn->cert_req) {
		cn->cert_req = cert_request_parse(e->data, e->len,
						  cn->rec.version ? cn->rec.version : TLS_V_TLS12,
						  &err);
		if (!cn->cert_req)
			c->st.cert_errors++;
	}
}

/* A ClientHello begun in reassembly and not whole (yet). */
static void on_hello_part(struct conn *cn, const struct tlsmon_ev_hello_part *e)
{
	if (cn->hello)
		return;	/* a whole hello came: this is a later one's start, or a late word */
	if (!cn->part_seen) {
		cn->part_seen = 1;
		cn->part_ns = e->h.ts_ns;
	}
	if (e->have > cn->part_have)
		cn->part_have = e->have;
	if (e->need)
		cn->part_need = e->need;
	if (e->has_ch) {
		struct hello_pack *p = hello_pack_new(&e->ch);

		if (p) {
			free(cn->part);
			cn->part = p;
		}
	}
}

static void on_tcp_end(struct collector *c, struct conn *cn, const struct tlsmon_ev_hdr *h,
		       struct rec_tcp_end *t, uint8_t side)
{
	if (t->seen)
		return;
	t->seen = 1;
	t->sender = side;
	t->ttl = h->ttl;
	t->ip_id = h->ip_id;
	t->before_server_hello = !cn->sh;
	t->ts_ns = wall(c, h->ts_ns);
}

/*
 * The event into the connection's timeline.  The array starts at two
 * entries (an unanswered hello needs no more) and doubles as events come
 * (a whole handshake needs a dozen); what it holds counts in the budget.
 */
static void timeline_add(struct collector *c, struct conn *cn, const struct tlsmon_ev_hdr *h,
			 size_t size)
{
	const struct tlsmon_ev_small *sm = (const void *)h;
	struct rec_tl *t;
	int small = h->type != TLSMON_EV_CLIENT_HELLO && h->type != TLSMON_EV_SERVER_HELLO &&
		    h->type != TLSMON_EV_NON_TLS && h->type != TLSMON_EV_HELLO_PART &&
		    h->type != TLSMON_EV_HS_BYTES;

	if (h->type == TLSMON_EV_HS_BYTES)
		return;		/* the bytes of a message its HS_MSG already placed */
	if (cn->n_tl == cn->cap_tl) {
		unsigned cap = cn->cap_tl ? cn->cap_tl * 2 : 2;

		if (cn->cap_tl >= REC_MAX_TIMELINE ||
		    !(t = realloc(cn->tl, cap * sizeof(*t)))) {
			cn->tl_cut++;
			return;
		}
		cn->tl = t;
		cn->cap_tl = cap;
		conn_account(c, cn);
		trim(c, cn);	/* a timeline grows the budget's count too */
	}
	t = &cn->tl[cn->n_tl++];
	memset(t, 0, sizeof(*t));
	t->ts_ns = wall(c, h->ts_ns);
	t->type = h->type;
	t->side = h->dir == TLSMON_DIR_C2S ? SIDE_CLIENT : SIDE_SERVER;
	t->tcp_flags = h->tcp_flags;
	t->ttl = h->ttl;
	if (h->type == TLSMON_EV_CLIENT_HELLO || h->type == TLSMON_EV_SERVER_HELLO) {
		t->content = TLS_CT_HANDSHAKE;
		t->hs_type = h->type == TLSMON_EV_CLIENT_HELLO ? TLS_HS_CLIENT_HELLO
							      : TLS_HS_SERVER_HELLO;
		t->len = h->type == TLSMON_EV_CLIENT_HELLO
				 ? ((const struct tlsmon_ev_client_hello *)h)->ch.hs_len
				 : ((const struct tlsmon_ev_server_hello *)h)->sh.hs_len;
	} else if (small && size >= sizeof(*sm)) {
		t->content = sm->content_type;
		t->hs_type = sm->hs_type;
		t->level = sm->level;
		t->desc = sm->desc;
		t->flags = sm->flags;
		t->len = h->type == TLSMON_EV_HS_MSG ? sm->msg_len : sm->rec_len;
	}
}

int collector_event(void *ctx, const void *ev, size_t size)
{
	struct collector *c = ctx;
	const struct tlsmon_ev_hdr *h = ev;
	const struct tlsmon_ev_small *sm = ev;
	uint8_t side = h->dir == TLSMON_DIR_C2S ? SIDE_CLIENT : SIDE_SERVER;
	struct conn **slot, *cn;
	struct ckey k;

	if (h->type == TLSMON_EV_PKT) {	/* --pcap-dir: frames, not handshake events */
		if (c->o.packet)
			c->o.packet(c->o.packet_ctx, ev, size);
		return 0;
	}
	c->st.events++;
	if (h->ts_ns > c->now)
		c->now = h->ts_ns;
	if (h->type == TLSMON_EV_BLOB)
		return 0;
	key_of(&k, h);
	slot = lru_lookup(c->conns, &k);
	cn = slot ? *slot : NULL;
	if (cn && cn->held) {
		/* the addresses and ports again (a new connection): the waiting
		 * failure is written now, without its verification */
		finish(c, &k, cn, 1);
		cn = NULL;
	}
	/*
	 * A new connection on the same addresses and ports ended the old one with
	 * FLOW_END (the datapath sees its SYN), so a hello here is a second one.
	 * Only a hello (whole, begun, or a client's that did not parse) starts a
	 * connection: anything else for a flow not followed is counted, not made
	 * into a handshake.  The sweep's end of an idle flow is housekeeping: its
	 * handshake, if any, was settled before.
	 */
	if (!cn) {
		if (h->type == TLSMON_EV_FLOW_END && sm->reason == TLSMON_END_EXPIRED)
			return 0;
		if (h->type != TLSMON_EV_CLIENT_HELLO && h->type != TLSMON_EV_SERVER_HELLO &&
		    !(h->type == TLSMON_EV_PARSE_ERROR && side == SIDE_CLIENT) &&
		    !(h->type == TLSMON_EV_HELLO_PART &&
		      !((const struct tlsmon_ev_hello_part *)ev)->final) &&
		    !(h->type == TLSMON_EV_QUIC_INFO &&
		      ((const struct tlsmon_ev_quic_info *)ev)->flags & QUIC_CF_VN)) {
			c->st.orphan_events++;
			return 0;
		}
		cn = conn_new(c, &k, h);
		if (!cn)
			return 0;
	}
	timeline_add(c, cn, h, size);
	/* reassembly's events carry the time of their last bytes: never back in time */
	if (h->ts_ns > cn->last_ns)
		cn->last_ns = h->ts_ns;
	switch (h->type) {
	case TLSMON_EV_CLIENT_HELLO: {
		const struct tlsmon_ev_client_hello *e = ev;
		struct hello_pack **dst = cn->hello ? &cn->hello2 : &cn->hello;

		c->st.client_hellos++;
		if (cn->hello_counted) {
			c->st.hellos_repeated++;
		} else {
			cn->hello_counted = 1;
			c->st.hellos_open++;
		}
		if (cn->hello2) {
			history(cn, side, 'C');	/* a third hello: the first two are kept */
			break;
		}
		/* a second hello answers a HelloRetryRequest, seen or not (a capture
		 * of one side only), or repeats the first */
		if (!*dst)
			*dst = hello_pack_new(&e->ch);
		cn->part_seen = 0;	/* whole after all */
		if (!cn->rec.ch_ns)
			cn->rec.ch_ns = wall(c, h->ts_ns);
		if (e->peer.synack_seen)
			cn->rec.peer = e->peer;
		if (e->ch.flags & TLS_CHF_TRUNC_MASK)
			cn->rec.hello_truncated = 1;
		history(cn, side, 'C');
		break;
	}
	case TLSMON_EV_SERVER_HELLO: {
		const struct tlsmon_ev_server_hello *e = ev;

		if (e->sh.flags & TLS_SHF_HRR) {
			cn->rec.hello_retry = 1;
			history(cn, side, 'J');
			break;
		}
		if (!cn->sh)
			cn->sh = malloc(sizeof(*cn->sh));
		if (cn->sh)
			*cn->sh = e->sh;
		cn->rec.sh_ns = wall(c, h->ts_ns);
		cn->rec.version = tls_sh_version(&e->sh);
		if (e->peer.synack_seen && !cn->rec.peer.synack_seen)
			cn->rec.peer = e->peer;
		history(cn, side, 'S');
		break;
	}
	case TLSMON_EV_ALERT:
		add_alert(cn, sm, side);
		break;
	case TLSMON_EV_CCS:
		cn->ccs[side] = 1;
		history(cn, side, 'I');
		break;
	case TLSMON_EV_HS_MSG:
		on_hs_msg(cn, sm, side);
		break;
	case TLSMON_EV_APPDATA:
		if (cn->rec.n_app[side] < REC_MAX_APPDATA)
			cn->rec.app_len[side][cn->rec.n_app[side]++] = sm->rec_len;
		if (cn->n_app_seq < CONN_MAX_APP_SEQ) {
			cn->app_seq[cn->n_app_seq].side = side;
			cn->app_seq[cn->n_app_seq].after_sh = !!cn->sh;
			cn->app_seq[cn->n_app_seq].len = sm->rec_len;
			cn->n_app_seq++;
		}
		if (cn->rec.n_app[side] == 1)
			history(cn, side, 'D');
		break;
	case TLSMON_EV_TCP_RST:
		on_tcp_end(c, cn, h, &cn->rec.rst, side);
		break;
	case TLSMON_EV_TCP_FIN:
		on_tcp_end(c, cn, h, &cn->rec.fin, side);
		break;
	case TLSMON_EV_NON_TLS: {
		const struct tlsmon_ev_non_tls *e = ev;

		if (side == SIDE_SERVER) {
			cn->non_tls = 1;
			cn->rec.ev.n_first_bytes = e->n < TLSMON_PEEK_MAX ? e->n : TLSMON_PEEK_MAX;
			memcpy(cn->rec.ev.first_bytes, e->data, cn->rec.ev.n_first_bytes);
		}
		break;
	}
	case TLSMON_EV_PARSE_ERROR:
		if (side == SIDE_CLIENT && (sm->hs_type == TLS_HS_CLIENT_HELLO || !cn->hello) &&
		    !cn->rec.ev.hello_error)
			cn->rec.ev.hello_error = sm->reason;
		/* a Certificate reassembly could not complete (cut, or past the budget) */
		if (sm->hs_type == TLS_HS_CERTIFICATE && !cn->certs[side] && cn->rec.cert_errors < 255)
			cn->rec.cert_errors++;
		break;
	case TLSMON_EV_HS_BYTES:
		on_hs_bytes(c, cn, ev, side);
		break;
	case TLSMON_EV_HELLO_PART:
		on_hello_part(cn, ev);
		break;
	case TLSMON_EV_QUIC_INFO:
		on_quic_info(cn, ev);
		break;
	case TLSMON_EV_FLOW_END:
		cn->end_reason = sm->reason;
		cn->end_side = side;
		cn->rec.end_ns = wall(c, h->ts_ns);
		/* the sweep ends flows idle past the timeout (and then some) */
		settle(c, &k, cn, sm->reason == TLSMON_END_EXPIRED);
		break;
	}
	/* the events that make a connection hold more */
	if (h->type == TLSMON_EV_CLIENT_HELLO || h->type == TLSMON_EV_SERVER_HELLO ||
	    h->type == TLSMON_EV_HELLO_PART) {
		conn_account(c, cn);
		trim(c, cn);
	}
	return 0;
}

/*
 * Settle connections, least recently active first: those idle past the
 * handshake timeout, or (all) every one, the rest marked timed out or not.
 */
static void settle_idle(struct collector *c, uint64_t now_ns, int all)
{
	uint64_t cutoff = (uint64_t)(c->o.handshake_timeout * 1e9);
	const void *k;
	struct conn **slot;
	struct ckey key;
	uint32_t passed = 0;
	int late;

	if (now_ns > c->now)
		c->now = now_ns;
	while ((slot = lru_oldest(c->conns, &k))) {
		memcpy(&key, k, sizeof(key));
		if ((*slot)->held && !all && c->now < (*slot)->hold_until) {
			/* still waiting for its verification: to the back, once each,
			 * so the idle ones behind it are looked at */
			if (passed++ >= c->st.held_open)
				break;
			lru_lookup(c->conns, &key);
			continue;
		}
		late = (*slot)->last_ns + cutoff <= c->now;
		if (!late && !all && !(*slot)->held)
			break;	/* the oldest is still in time: so are the others */
		settle(c, &key, *slot, late);
	}
}

void collector_tick(struct collector *c, uint64_t now_ns)
{
	settle_idle(c, now_ns, 0);
}

void collector_flush(struct collector *c, uint64_t now_ns)
{
	settle_idle(c, now_ns, 1);
}

void collector_stats(const struct collector *c, struct collector_stats *st)
{
	*st = c->st;
	st->open = lru_count(c->conns);
	st->bytes = c->bytes;
	st->max_bytes = c->o.max_bytes;
	st->servers = profiles_count(c->profiles);
}
