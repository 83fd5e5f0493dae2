// SPDX-License-Identifier: BSD-3-Clause
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "lib/lru.h"
#include "pipe/reasm.h"
#include "tls_parse.h"

struct skey {
	__u8 caddr[16];
	__u8 saddr[16];
	__u16 cport;
	__u16 sport;
	__u8 dir;
	__u8 pad[3];
};

struct stream {
	uint32_t win;		/* the datapath's window: where its first record starts */
	uint32_t base;		/* sequence number of data[0]: a record boundary */
	uint32_t len;		/* bytes allocated */
	uint32_t hi;		/* end of the bytes received */
	uint32_t consumed;	/* records handled up to here */
	uint8_t *data;
	uint8_t *have;		/* one bit per byte received */
	/* a handshake message may span records */
	uint8_t *msg;
	uint32_t msg_len, msg_cap, msg_seq;
	uint16_t rec_version;
	uint8_t kind;		/* TLSMON_BLOB_*: CERT streams yield certificates only */
	uint8_t part_sni;	/* the incomplete ClientHello's SNI was found: parsed enough */
	uint8_t part_sent;	/* the collector was told of an incomplete ClientHello */
	uint32_t part_parsed;	/* its bytes at the last parse */
	uint64_t last_ns;	/* event clock: the latest bytes */
	struct tlsmon_ev_hdr hdr;	/* template: addresses, direction, time */
	struct tlsmon_peer_info peer;
};

struct reasm {
	struct lru *streams;
	uint32_t max_stream;
	uint64_t max_bytes;
	ev_sink sink;
	void *sink_ctx;
	struct reasm_stats st;
	struct tlsp_ws ws;
	uint8_t *pbuf;		/* an incomplete ClientHello gathered for parsing (max_stream) */
	union {
		struct tlsmon_ev_client_hello ch;
		struct tlsmon_ev_server_hello sh;
		struct tlsmon_ev_small sm;
		struct tlsmon_ev_hs_bytes hb;
		struct tlsmon_ev_hello_part hp;
	} ev;
};

static void stream_release(struct reasm *r, struct stream *s)
{
	r->st.bytes -= s->len + s->msg_cap;
	free(s->data);
	free(s->have);
	free(s->msg);
	memset(s, 0, sizeof(*s));
}

static void on_evict(void *ctx, const void *key, void *val)
{
	struct reasm *r = ctx;

	(void)key;
	r->st.evicted++;
	stream_release(r, val);
}

struct reasm *reasm_new(uint32_t max_streams, uint32_t max_stream_bytes, uint64_t max_bytes,
			ev_sink sink, void *sink_ctx)
{
	struct reasm *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->streams = lru_new(sizeof(struct skey), sizeof(struct stream), max_streams);
	r->pbuf = malloc(max_stream_bytes ? max_stream_bytes : 1);
	if (!r->streams || !r->pbuf) {
		lru_free(r->streams);
		free(r->pbuf);
		free(r);
		return NULL;
	}
	lru_set_evict_cb(r->streams, on_evict, r);
	r->max_stream = max_stream_bytes;
	r->max_bytes = max_bytes;
	r->sink = sink;
	r->sink_ctx = sink_ctx;
	return r;
}

static int release_one(void *ctx, const void *key, void *val)
{
	(void)key;
	stream_release(ctx, val);
	return 0;
}

void reasm_free(struct reasm *r)
{
	if (!r)
		return;
	lru_foreach(r->streams, release_one, r);
	lru_free(r->streams);
	free(r->pbuf);
	free(r);
}

static void key_of(struct skey *k, const struct tlsmon_ev_hdr *h)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->caddr, h->caddr, 16);
	memcpy(k->saddr, h->saddr, 16);
	k->cport = h->cport;
	k->sport = h->sport;
	k->dir = h->dir;
}

static struct tlsmon_ev_hdr *hdr_for(struct reasm *r, struct stream *s, void *ev, int type,
				     uint32_t seq, size_t size)
{
	struct tlsmon_ev_hdr *h = ev;

	(void)r;
	*h = s->hdr;
	h->type = type;
	h->seq = seq;
	h->size = size;
	return h;
}

static struct tlsmon_ev_small *small(struct reasm *r, struct stream *s, int type, uint32_t seq,
				     uint8_t ct)
{
	struct tlsmon_ev_small *e = &r->ev.sm;

	memset(e, 0, sizeof(*e));
	hdr_for(r, s, e, type, seq, sizeof(*e));
	e->content_type = ct;
	return e;
}

static void emit_small(struct reasm *r, struct stream *s, int type, uint32_t seq,
		       uint8_t ct, uint8_t hs, uint32_t msg_len, uint32_t reason)
{
	struct tlsmon_ev_small *e = small(r, s, type, seq, ct);

	e->hs_type = hs;
	e->msg_len = msg_len;
	e->reason = reason;
	r->sink(r->sink_ctx, e, sizeof(*e));
}

/* One whole handshake message m[0, n), header included. */
static void handle_message(struct reasm *r, struct stream *s, const uint8_t *m, uint32_t n,
			   uint32_t seq)
{
	int e;

	r->st.messages++;
	if (m[0] == TLS_HS_CERTIFICATE || m[0] == TLS_HS_CERTIFICATE_REQUEST) {
		hdr_for(r, s, &r->ev.hb, TLSMON_EV_HS_BYTES, seq, sizeof(r->ev.hb));
		r->ev.hb.len = n;
		r->ev.hb.pad = 0;
		r->ev.hb.data = m;
		r->st.certificate_msgs++;
		r->sink(r->sink_ctx, &r->ev.hb, sizeof(r->ev.hb));
		if (s->kind == TLSMON_BLOB_CERT)
			return;
	}
	if (s->kind == TLSMON_BLOB_CERT)
		return;	/* the datapath parsed this record and sent its events */
	if (m[0] == TLS_HS_CLIENT_HELLO) {
		e = tls_parse_client_hello(m, 0, n, s->rec_version, &r->ev.ch.ch, &r->ws);
		if (e) {
			emit_small(r, s, TLSMON_EV_PARSE_ERROR, seq, TLS_CT_HANDSHAKE, m[0], 0, -e);
			return;
		}
		hdr_for(r, s, &r->ev.ch, TLSMON_EV_CLIENT_HELLO, seq, sizeof(r->ev.ch));
		r->ev.ch.peer = s->peer;
		r->sink(r->sink_ctx, &r->ev.ch, sizeof(r->ev.ch));
	} else if (m[0] == TLS_HS_SERVER_HELLO) {
		e = tls_parse_server_hello(m, 0, n, s->rec_version, &r->ev.sh.sh, &r->ws);
		if (e) {
			emit_small(r, s, TLSMON_EV_PARSE_ERROR, seq, TLS_CT_HANDSHAKE, m[0], 0, -e);
			return;
		}
		hdr_for(r, s, &r->ev.sh, TLSMON_EV_SERVER_HELLO, seq, sizeof(r->ev.sh));
		r->ev.sh.peer = s->peer;
		r->sink(r->sink_ctx, &r->ev.sh, sizeof(r->ev.sh));
	} else {
		emit_small(r, s, TLSMON_EV_HS_MSG, seq, TLS_CT_HANDSHAKE, m[0], n - TLS_HS_HDR_LEN, 0);
	}
}

/* Append a handshake record's body and handle every message it completes. */
static void handshake_body(struct reasm *r, struct stream *s, const uint8_t *p, uint32_t n,
			   uint32_t seq)
{
	uint32_t off = 0, need, mlen, cap;
	uint8_t *m;

	if (!s->msg_len)
		s->msg_seq = seq;
	if (s->msg_len + n > s->msg_cap) {
		cap = s->msg_len + n;
		if (cap > r->max_stream) {
			/* a message larger than we keep: reported as incomplete */
			r->st.dropped_bytes += n;
			return;
		}
		m = realloc(s->msg, cap);
		if (!m) {
			r->st.dropped_bytes += n;
			return;
		}
		r->st.bytes += cap - s->msg_cap;
		s->msg = m;
		s->msg_cap = cap;
	}
	memcpy(s->msg + s->msg_len, p, n);
	s->msg_len += n;
	while (s->msg_len - off >= TLS_HS_HDR_LEN) {
		mlen = tlsp_u24(s->msg, off + 1);
		need = TLS_HS_HDR_LEN + mlen;
		if (need > s->msg_len - off)
			break;
		handle_message(r, s, s->msg + off, need, s->msg_seq + off);
		off += need;
	}
	if (off) {
		memmove(s->msg, s->msg + off, s->msg_len - off);
		s->msg_len -= off;
		s->msg_seq += off;
	}
}

static uint32_t contiguous(const struct stream *s, uint32_t from)
{
	uint32_t i = from;

	while (i < s->len && (i & 7) && (s->have[i >> 3] & (1u << (i & 7))))
		i++;
	/* eight bytes of the bitmap (64 of the stream) at once: drain() asks from
	 * each record's start, and a flight is often a run of records */
	if (!(i & 7)) {
		uint64_t w;

		while (i + 64 <= s->len) {
			memcpy(&w, s->have + (i >> 3), 8);
			if (w != ~0ull)
				break;
			i += 64;
		}
	}
	/* then whole bytes of it */
	while (i + 8 <= s->len && !(i & 7) && s->have[i >> 3] == 0xff)
		i += 8;
	while (i < s->len && (s->have[i >> 3] & (1u << (i & 7))))
		i++;
	return i - from;
}

/* Mark bytes [from, to) received. */
static void mark(struct stream *s, uint32_t from, uint32_t to)
{
	uint32_t i = from;

	for (; i < to && (i & 7); i++)
		s->have[i >> 3] |= 1u << (i & 7);
	if (to - i >= 8) {
		memset(s->have + (i >> 3), 0xff, (to - i) >> 3);
		i += (to - i) & ~7u;
	}
	for (; i < to; i++)
		s->have[i >> 3] |= 1u << (i & 7);
}

/*
 * Forget the bytes of records already handled, keeping the bitmap
 * byte-aligned: a window that goes on over many records (a long flight)
 * then fits the per-stream cap.
 */
static void rebase(struct stream *s)
{
	uint32_t shift = s->consumed & ~7u, nb = (s->len + 7) / 8;

	if (shift < 4096)
		return;
	memmove(s->data, s->data + shift, s->len - shift);
	memmove(s->have, s->have + shift / 8, nb - shift / 8);
	memset(s->have + nb - shift / 8, 0, shift / 8);
	s->base += shift;
	s->consumed -= shift;
	s->hi -= shift;
}

/* Handle every record that is complete from s->consumed on. */
static void drain(struct reasm *r, struct stream *s)
{
	struct tls_record rec;
	uint32_t avail, total, at;
	const uint8_t *p;

	for (;;) {
		avail = contiguous(s, s->consumed);
		p = s->data + s->consumed;
		if (tls_parse_record_hdr(p, 0, avail, &rec))
			return;	/* short: wait; not TLS: the datapath said so already */
		total = rec.hdr_len + rec.len;
		if (total > avail)
			return;
		at = s->base + s->consumed;
		r->st.records++;
		if (rec.sslv2) {
			if (!tls_parse_sslv2_client_hello(p, 0, total, &r->ev.ch.ch)) {
				hdr_for(r, s, &r->ev.ch, TLSMON_EV_CLIENT_HELLO, at, sizeof(r->ev.ch));
				r->ev.ch.peer = s->peer;
				r->sink(r->sink_ctx, &r->ev.ch, sizeof(r->ev.ch));
			}
		} else if (rec.type == TLS_CT_HANDSHAKE) {
			s->rec_version = rec.version;
			handshake_body(r, s, p + TLS_RECORD_HDR_LEN, rec.len, at + TLS_RECORD_HDR_LEN);
		} else if (rec.type == TLS_CT_ALERT && rec.len == 2) {
			struct tlsmon_ev_small *e = small(r, s, TLSMON_EV_ALERT, at, TLS_CT_ALERT);

			e->level = p[5];
			e->desc = p[6];
			e->rec_len = 2;
			r->sink(r->sink_ctx, e, sizeof(*e));
		} else if (rec.type == TLS_CT_CHANGE_CIPHER_SPEC) {
			emit_small(r, s, TLSMON_EV_CCS, at, TLS_CT_CHANGE_CIPHER_SPEC, 0, 0, 0);
		}
		s->consumed += total;
	}
}

static int grow(struct reasm *r, struct stream *s, uint32_t need)
{
	uint32_t len = s->len ? s->len : 4096;
	uint8_t *d, *h;

	if (need <= s->len)
		return 0;
	if (need > r->max_stream)
		return -1;
	while (len < need)
		len *= 2;
	if (len > r->max_stream)
		len = r->max_stream;
	d = realloc(s->data, len);
	if (!d)
		return -1;
	s->data = d;
	h = realloc(s->have, (len + 7) / 8);
	if (!h)
		return -1;
	memset(h + (s->len + 7) / 8, 0, (len + 7) / 8 - (s->len + 7) / 8);
	s->have = h;
	r->st.bytes += len - s->len;
	s->len = len;
	return 0;
}

/* Keep the total buffered under the cap: the oldest streams go first. */
static void enforce_total(struct reasm *r, const struct skey *keep)
{
	const void *k;
	struct stream *s;

	while (r->st.bytes > r->max_bytes && (s = lru_oldest(r->streams, &k))) {
		if (!memcmp(k, keep, sizeof(*keep)))
			break;
		r->st.evicted++;
		stream_release(r, s);
		lru_delete(r->streams, k);
	}
}

/*
 * The incomplete ClientHello this client stream waits on, if that is what it
 * waits on: its bytes received in order, header included (0: none), *need its
 * length (0 while its header is short), *ver the record's version; copied to
 * r->pbuf when copy.  No copy otherwise: this runs for every segment.
 */
static uint32_t hello_prefix(struct reasm *r, const struct stream *s, uint32_t *need,
			     uint16_t *ver, int copy)
{
	uint32_t n = s->msg_len, avail, body = 0;
	const uint8_t *p, *first;

	*need = 0;
	*ver = s->rec_version;
	if (s->kind != TLSMON_BLOB_RECORD || s->hdr.dir != TLSMON_DIR_C2S || !s->data)
		return 0;
	p = s->data + s->consumed;
	avail = s->hi > s->consumed ? contiguous(s, s->consumed) : 0;
	if (avail > TLS_RECORD_HDR_LEN && p[0] == TLS_CT_HANDSHAKE) {
		body = avail - TLS_RECORD_HDR_LEN;
		if (body > tlsp_u16(p, 3))
			body = tlsp_u16(p, 3);
		if (!n)
			*ver = tlsp_u16(p, 1);
	}
	if (n + body > r->max_stream)
		body = r->max_stream - n;	/* msg_len never passes max_stream */
	first = n ? s->msg : p + TLS_RECORD_HDR_LEN;
	if (!(n + body) || first[0] != TLS_HS_CLIENT_HELLO)
		return 0;
	if (n + body >= TLS_HS_HDR_LEN) {
		uint8_t h[TLS_HS_HDR_LEN];
		uint32_t i;

		for (i = 0; i < TLS_HS_HDR_LEN; i++)
			h[i] = i < n ? s->msg[i] : p[TLS_RECORD_HDR_LEN + i - n];
		*need = TLS_HS_HDR_LEN + tlsp_u24(h, 1);
		if (n + body >= *need)
			return 0;	/* whole: drain() had it, or will */
	}
	if (copy && n)
		memcpy(r->pbuf, s->msg, n);
	if (copy && body)
		memcpy(r->pbuf + n, p + TLS_RECORD_HDR_LEN, body);
	return n + body;
}

/*
 * A ClientHello's first n bytes, m[0, n), parsed up to its last whole
 * extension: the lengths of the message and of its extension block are
 * rewritten (m is scratch) to end there.  0, or a negative tls_err.
 */
static int parse_part(struct reasm *r, uint8_t *m, uint32_t n, uint16_t ver,
		      struct tls_client_hello *ch)
{
	uint32_t o = TLS_HS_HDR_LEN + 2 + 32, ext_at, lim, e;

	if (n < o + 1)
		return -TLS_ERR_SHORT;
	o += 1 + m[o];				/* session id */
	if (n < o + 2)
		return -TLS_ERR_SHORT;
	o += 2 + tlsp_u16(m, o);		/* cipher suites */
	if (n < o + 1)
		return -TLS_ERR_SHORT;
	o += 1 + m[o];				/* compression methods */
	if (n < o + 2)
		return -TLS_ERR_SHORT;
	ext_at = o;
	lim = ext_at + 2 + tlsp_u16(m, ext_at);
	if (lim > n)
		lim = n;
	for (e = ext_at + 2; e + 4 <= lim && tlsp_u16(m, e + 2) <= lim - e - 4;)
		e += 4 + tlsp_u16(m, e + 2);
	m[1] = (e - TLS_HS_HDR_LEN) >> 16;
	m[2] = (e - TLS_HS_HDR_LEN) >> 8;
	m[3] = e - TLS_HS_HDR_LEN;
	m[ext_at] = (e - ext_at - 2) >> 8;
	m[ext_at + 1] = e - ext_at - 2;
	return tls_parse_client_hello(m, 0, e, ver, ch, &r->ws);
}

/*
 * Tell the collector of the incomplete ClientHello s waits on (final: for the
 * last time).  Parsed again only as TLSMON_REASM_PART_STEP more bytes came
 * (or at the end) until its SNI is found.  1 if there was one.
 */
static int hello_part(struct reasm *r, struct stream *s, int final)
{
	struct tlsmon_ev_hello_part *e = &r->ev.hp;
	uint32_t need, n;
	uint16_t ver;
	int parse;

	n = hello_prefix(r, s, &need, &ver, 0);
	if (!n)
		return 0;
	parse = !s->part_sni && n > s->part_parsed &&
		(final || !s->part_parsed || n - s->part_parsed >= TLSMON_REASM_PART_STEP);
	memset(e, 0, offsetof(struct tlsmon_ev_hello_part, ch));
	hdr_for(r, s, e, TLSMON_EV_HELLO_PART, s->base + s->consumed, sizeof(*e));
	e->have = n;
	e->need = need;
	e->final = final;
	if (parse) {
		s->part_parsed = n;
		hello_prefix(r, s, &need, &ver, 1);
		if (!parse_part(r, r->pbuf, n, ver, &e->ch)) {
			e->has_ch = 1;
			s->part_sni = !!(e->ch.flags & TLS_CHF_SNI);
		}
	}
	if (!e->has_ch)
		e->h.size = offsetof(struct tlsmon_ev_hello_part, ch);
	s->part_sent = 1;
	r->sink(r->sink_ctx, e, e->h.size);
	return 1;
}

static void report_incomplete(struct reasm *r, struct stream *s)
{
	uint8_t hs = 0;

	if (s->msg_len)
		hs = s->msg[0];	/* a message begun in an earlier record */
	else if (s->data && contiguous(s, s->consumed) > TLS_RECORD_HDR_LEN)
		hs = s->data[s->consumed + TLS_RECORD_HDR_LEN];
	r->st.incomplete++;
	if (s->kind == TLSMON_BLOB_CERT)
		return;	/* certificates cut short: counted; the handshake's events came whole */
	/* a ClientHello the collector follows already: its last word, not a new event */
	if (s->part_sent && hello_part(r, s, 1))
		return;
	emit_small(r, s, TLSMON_EV_PARSE_ERROR, s->base + s->consumed, TLS_CT_HANDSHAKE, hs, 0,
		   TLS_ERR_SHORT);
}

/* Bytes received that did not make a whole record or message. */
static int pending(const struct stream *s)
{
	return s->msg_len || s->hi > s->consumed;
}

void reasm_blob(struct reasm *r, const struct tlsmon_ev_blob *b)
{
	struct skey k;
	struct stream *s;
	const uint8_t *data;
	int32_t d;
	uint32_t off, len;

	key_of(&k, &b->h);
	s = lru_lookup(r->streams, &k);
	if (s) {
		d = (int32_t)(b->rec_seq - (s->base + s->consumed));
		if (b->rec_seq != s->win && d >= 0) {
			/* a new window after the one we had */
			if (pending(s))
				report_incomplete(r, s);
			stream_release(r, s);
			s = NULL;
		}
	}
	if (!s) {
		s = lru_insert(r->streams, &k, NULL);
		if (!s)
			return;
		s->win = s->base = b->rec_seq;
		s->kind = b->kind;
	}
	s->hdr = b->h;
	s->peer = b->peer;
	s->last_ns = b->h.ts_ns;
	data = b->data;
	len = b->len;
	off = b->h.seq - s->base;
	if ((int32_t)off < 0) {
		/* bytes of records already handled (and forgotten): only the rest counts */
		uint32_t behind = -off;	/* unsigned: no overflow at 2^31 */

		if (behind >= len)
			goto out;
		data += behind;
		len -= behind;
		off = 0;
	}
	if (!len)
		goto out;	/* nothing to place (the datapath sends no empty blob; a stream may have no buffer) */
	if (len > r->max_stream || off > r->max_stream - len || grow(r, s, off + len)) {
		r->st.dropped_bytes += len;
		goto out;
	}
	memcpy(s->data + off, data, len);
	mark(s, off, off + len);
	if (off + len > s->hi)
		s->hi = off + len;
	drain(r, s);
	rebase(s);
out:
	/* every segment of an incomplete ClientHello: the collector's clock runs as ours */
	hello_part(r, s, 0);
	enforce_total(r, &k);
}

void reasm_flow_end(struct reasm *r, const struct tlsmon_ev_hdr *h)
{
	struct skey k;
	struct stream *s;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		key_of(&k, h);
		k.dir = dir;
		s = lru_peek(r->streams, &k);
		if (!s)
			continue;
		if (pending(s))
			report_incomplete(r, s);
		stream_release(r, s);
		lru_delete(r->streams, &k);
	}
}

uint32_t reasm_expire(struct reasm *r, uint64_t cutoff_ns)
{
	const void *k;
	struct stream *s;
	struct skey key;
	uint32_t n = 0;

	/* least recently fed first: the order of last_ns */
	while ((s = lru_oldest(r->streams, &k)) &&
	       (cutoff_ns == UINT64_MAX || s->last_ns <= cutoff_ns)) {
		memcpy(&key, k, sizeof(key));
		if (pending(s))
			report_incomplete(r, s);
		stream_release(r, s);
		lru_delete(r->streams, &key);
		r->st.expired++;
		n++;
	}
	return n;
}

void reasm_stats(const struct reasm *r, struct reasm_stats *st)
{
	*st = r->st;
	st->streams = lru_count(r->streams);
}
