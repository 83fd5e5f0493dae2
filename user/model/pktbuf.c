// SPDX-License-Identifier: BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "lib/lru.h"
#include "model/pktbuf.h"
#include "tlsmon.h"

struct pkt_key {
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint8_t pad[4];		/* zero */
};
/* lru.c keeps the value right after the key: 8-byte aligned only so */
_Static_assert(sizeof(struct pkt_key) % 8 == 0, "pkt_key: a multiple of 8 bytes");

struct pkt_conn {
	struct pkt *head, *tail;
	uint16_t n;		/* frames of the flow (bounded by per_conn) */
	uint16_t syns;		/* and SYNs before it (SYN_PER_CONN) */
	uint32_t bytes;
};

/*
 * SYNs and SYN-ACKs (TLSMON_PKT_F_SYN) come before their flow does, and for
 * every TCP connection, TLS or not: kept aside, a few per 4-tuple in a table
 * of their own, until a frame of the flow takes them.  Pushed out of it is
 * the normal end of a connection that never was TLS: not counted.
 */
#define SYN_CONNS 4096
#define SYN_PER_CONN 4

struct pktbuf {
	struct lru *conns;
	struct lru *syns;		/* struct pkt_conn too, SYN frames only */
	uint64_t max_bytes;
	uint32_t per_conn;
	struct pktbuf_stats st;
};

/* What a frame costs: its bytes and the allocator's share. */
static uint32_t pkt_cost(const struct pkt *p)
{
	return (uint32_t)sizeof(*p) + p->len + 16;
}

void pktbuf_list_free(struct pkt *p)
{
	struct pkt *next;

	for (; p; p = next) {
		next = p->next;
		free(p);
	}
}

static void conn_drop(struct pktbuf *pb, struct pkt_conn *c, int evicted)
{
	pb->st.bytes -= c->bytes;
	if (evicted) {
		pb->st.conns_evicted++;
		pb->st.packets_evicted += c->n + c->syns;
	}
	pktbuf_list_free(c->head);
	memset(c, 0, sizeof(*c));
}

static void on_evict(void *ctx, const void *key, void *val)
{
	(void)key;
	conn_drop(ctx, val, 1);
}

static void on_evict_syn(void *ctx, const void *key, void *val)
{
	(void)key;
	conn_drop(ctx, val, 0);
}

struct pktbuf *pktbuf_new(uint32_t max_conns, uint64_t max_bytes, uint32_t per_conn)
{
	struct pktbuf *pb = calloc(1, sizeof(*pb));

	if (!pb)
		return NULL;
	pb->conns = lru_new(sizeof(struct pkt_key), sizeof(struct pkt_conn), max_conns);
	pb->syns = lru_new(sizeof(struct pkt_key), sizeof(struct pkt_conn), SYN_CONNS);
	if (!pb->conns || !pb->syns) {
		lru_free(pb->conns);
		lru_free(pb->syns);
		free(pb);
		return NULL;
	}
	lru_set_evict_cb(pb->conns, on_evict, pb);
	lru_set_evict_cb(pb->syns, on_evict_syn, pb);
	pb->max_bytes = max_bytes;
	pb->per_conn = per_conn;
	return pb;
}

static int free_one(void *ctx, const void *key, void *val)
{
	(void)ctx;
	(void)key;
	pktbuf_list_free(((struct pkt_conn *)val)->head);
	return 0;
}

void pktbuf_free(struct pktbuf *pb)
{
	if (!pb)
		return;
	lru_foreach(pb->conns, free_one, NULL);
	lru_foreach(pb->syns, free_one, NULL);
	lru_free(pb->conns);
	lru_free(pb->syns);
	free(pb);
}

static void key_set(struct pkt_key *k, const uint8_t caddr[16], const uint8_t saddr[16],
		    uint16_t cport, uint16_t sport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->caddr, caddr, 16);
	memcpy(k->saddr, saddr, 16);
	k->cport = cport;
	k->sport = sport;
}

/* Past the byte budget: the least recent connections go, never the one just fed. */
static void trim(struct pktbuf *pb, const struct pkt_conn *keep)
{
	const void *key;
	struct pkt_conn *c;

	while (pb->st.bytes > pb->max_bytes) {
		c = lru_oldest(pb->conns, &key);
		if (!c || c == keep)
			return;
		conn_drop(pb, c, 1);
		lru_delete(pb->conns, key);
	}
}

/* A new connection's entry, with the SYNs kept aside for it. */
static struct pkt_conn *conn_open(struct pktbuf *pb, const struct pkt_key *k)
{
	struct pkt_conn *c = lru_insert(pb->conns, k, NULL), *syn = lru_peek(pb->syns, k);

	if (c && syn) {
		*c = *syn;	/* its bytes already counted */
		memset(syn, 0, sizeof(*syn));
		lru_delete(pb->syns, k);
	}
	return c;
}

/*
 * The connection of k (its SYNs' when syn) with room for one more frame;
 * NULL: none (past the bounds: counted, but for SYNs).
 */
static struct pkt_conn *conn_room(struct pktbuf *pb, const struct pkt_key *k, int syn)
{
	struct pkt_conn *c = lru_lookup(syn ? pb->syns : pb->conns, k);

	if (!c)
		c = syn ? lru_insert(pb->syns, k, NULL) : conn_open(pb, k);
	if (!c || (syn ? c->syns >= SYN_PER_CONN : c->n >= pb->per_conn)) {
		if (!syn)
			pb->st.packets_capped++;
		return NULL;
	}
	return c;
}

/* A frame of len bytes (data left to the caller) as the header h says; NULL: no memory. */
static struct pkt *pkt_new(const struct tlsmon_ev_hdr *h, uint32_t frame_len, uint16_t len,
			   uint8_t flags, uint32_t seq)
{
	struct pkt *p = malloc(sizeof(*p) + len);

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->ts_ns = h->ts_ns;
	p->ifindex = h->ifindex;
	p->frame_len = frame_len;
	p->len = len;
	p->dir = h->dir;
	p->hook = h->hook;
	p->flags = flags;
	p->seq = seq;
	return p;
}

static void conn_append(struct pktbuf *pb, struct pkt_conn *c, struct pkt *p, int syn)
{
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	if (syn)
		c->syns++;
	else
		c->n++;
	c->bytes += pkt_cost(p);
	pb->st.bytes += pkt_cost(p);
	if (!syn)
		trim(pb, c);
}

void pktbuf_add(void *ctx, const void *ev, size_t size)
{
	struct pktbuf *pb = ctx;
	const struct tlsmon_ev_pkt *e = ev;
	struct pkt_key k;
	struct pkt_conn *c;
	struct pkt *p;
	int syn;

	if (size < TLSMON_PKT_HDR || e->len > TLSMON_PKT_MAX ||
	    size < (size_t)TLSMON_PKT_HDR + e->len || !e->len) {
		pb->st.malformed++;
		return;
	}
	pb->st.packets++;
	syn = !!(e->flags & TLSMON_PKT_F_SYN);
	key_set(&k, e->h.caddr, e->h.saddr, e->h.cport, e->h.sport);
	c = conn_room(pb, &k, syn);
	if (!c)
		return;
	p = pkt_new(&e->h, e->frame_len, e->len, e->flags, e->h.seq);
	if (!p) {
		pb->st.packets_capped++;
		return;
	}
	memcpy(p->data, e->data, e->len);
	conn_append(pb, c, p, syn);
}

/*
 * A hello frame that came inside its HELLO event (head_len): its headers
 * follow the message there; the frame is the headers, then the message.
 */
static void hello_frame(struct pktbuf *pb, const struct tlsmon_ev_hello *e, size_t size)
{
	struct pkt_key k;
	struct pkt_conn *c;
	struct pkt *p;
	uint32_t n = (uint32_t)e->head_len + e->len;

	if (e->head_len < 5 || e->sslv2 || e->head_len > TLSMON_HELLO_HEAD_MAX ||
	    size < (size_t)TLSMON_HELLO_HDR + n) {
		pb->st.malformed++;
		return;
	}
	pb->st.packets++;
	key_set(&k, e->h.caddr, e->h.saddr, e->h.cport, e->h.sport);
	c = conn_room(pb, &k, 0);
	if (!c)
		return;
	/* h.seq is the message's: the frame's payload starts with its record header */
	p = pkt_new(&e->h, n, (uint16_t)n, 0, e->h.seq - 5);
	if (!p) {
		pb->st.packets_capped++;
		return;
	}
	memcpy(p->data, e->data + e->len, e->head_len);
	memcpy(p->data + e->head_len, e->data, e->len);
	conn_append(pb, c, p, 0);
}

int pktbuf_hello(void *ctx, const void *ev, size_t size)
{
	struct pktbuf *pb = ctx;
	const struct tlsmon_ev_hello *e = ev;
	struct pkt_key k;
	struct pkt_conn *c;
	struct pkt **at, *p, *q;

	if (size < TLSMON_HELLO_HDR || e->len > TLSMON_HELLO_MAX ||
	    size < (size_t)TLSMON_HELLO_HDR + e->len)
		return 0;
	if (e->head_len) {
		hello_frame(pb, e, size);
		return 0;
	}
	if (e->sslv2)
		return 0;
	key_set(&k, e->h.caddr, e->h.saddr, e->h.cport, e->h.sport);
	c = lru_peek(pb->conns, &k);
	if (!c)
		return 0;
	/* the frame of the same packet: same clock reading, side and place */
	for (at = &c->head; (p = *at); at = &p->next)
		if ((p->flags & TLSMON_PKT_F_HELLO) && p->ts_ns == e->h.ts_ns &&
		    p->dir == e->h.dir && p->seq + 5 == e->h.seq)
			break;
	if (!p || p->len < 5 || (uint64_t)p->len + e->len != p->frame_len)
		return 0;
	q = malloc(sizeof(*q) + p->frame_len);
	if (!q)
		return 0;	/* the frame stays snapped, counted when written */
	memcpy(q, p, sizeof(*q) + p->len);
	memcpy(q->data + p->len, e->data, e->len);
	q->len = (uint16_t)p->frame_len;
	q->flags &= (uint8_t)~TLSMON_PKT_F_HELLO;
	*at = q;
	if (c->tail == p)
		c->tail = q;
	c->bytes += pkt_cost(q) - pkt_cost(p);
	pb->st.bytes += pkt_cost(q) - pkt_cost(p);
	pb->st.hellos_joined++;
	free(p);
	trim(pb, c);
	return 0;
}

struct pkt *pktbuf_take(struct pktbuf *pb, const uint8_t caddr[16], const uint8_t saddr[16],
			uint16_t cport, uint16_t sport)
{
	struct pkt_key k;
	struct pkt_conn *c;
	struct pkt *p;

	key_set(&k, caddr, saddr, cport, sport);
	c = lru_peek(pb->conns, &k);
	if (!c)
		return NULL;
	p = c->head;
	c->head = NULL;
	conn_drop(pb, c, 0);
	lru_delete(pb->conns, &k);
	return p;
}

void pktbuf_stats(const struct pktbuf *pb, struct pktbuf_stats *st)
{
	*st = pb->st;
	st->conns = lru_count(pb->conns);
	st->syn_conns = lru_count(pb->syns);
}
