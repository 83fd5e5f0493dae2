// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_reasm: the userspace pipeline after the datapath.
 *
 * What it tests: datapath events, as hostile as the input makes them, fed
 * through evpipe_in() (user/pipe/evpipe.c: ev_check, then reassembly in
 * user/pipe/reasm.c) into the collector (user/model/collector.c: correlation,
 * certificates through user/model/cert.c, diagnosis, fingerprints), then
 * collector_flush().  So reassembly (windows, gaps, overlaps, sequence
 * wrap, records and handshake messages cut anywhere, the caps and their
 * evictions), Certificate and CertificateRequest parsing (they reach
 * user/model/cert.c through reassembly), diagnosis and the outputs are fuzzed.
 * The reassembler gets small caps (6 streams, 16 KiB each, 40 KiB in all)
 * so its evictions are reached; the collector keeps 6 of the 8 connections.
 *
 * Invariants (abort on violation): every event the pipeline passes on is
 * written by ev_json (--events) as one valid JSON object; every record by
 * out_json_record as one (and as ecs and otel, out_ecs.c), and by out_text_line / diag_explain as printable
 * ASCII (tests/lib/out_check.h).  ASan: every event sits in a buffer of
 * exactly its size; no leak at the end of an input.
 *
 * Expected input format: operations, one after the other to the end of the
 * input (a cut one reads zeros).  Integers are little-endian.  Each starts
 * with a byte:
 *   bits 0-2  the operation, below
 *   bit 3     direction: 0 client to server, 1 server to client
 *   bits 4-6  connection slot 0-7 (fixed addresses and ports; slots 3 and 7
 *             IPv6; slot 1's sequence numbers start just below 2^32)
 *   bit 7     the clock moves 1 s before the event (else 1 ms)
 * Operations:
 *   0 BLOB    flags:u8 len:u16 [seq:u32 rec_seq:u32] data[len]
 *             len is taken modulo TLSMON_BLOB_MAX + 1 when larger.  Each
 *             slot and direction has a cursor (the sequence number of the
 *             next byte) and a window (where the record to reassemble
 *             starts); data goes at the cursor, which then moves past it.
 *             flags: 1 TLSMON_BLOB_CERT (else RECORD); 2 a new window
 *             starts at the cursor; 4 TLSMON_BLOB_F_BUDGET; 8 seq and
 *             rec_seq follow and set the cursor and window; 16 the cursor
 *             stays (a retransmission); 32 the cursor moves by a signed
 *             byte that follows the flags (a gap or an overlap).
 *   1 SMALL   which:u8 ttl:u8 ip_id:u16 body[16]: which % 8 picks ALERT,
 *             CCS, HS_MSG, APPDATA, TCP_RST, TCP_FIN, PARSE_ERROR,
 *             FLOW_END; body is struct tlsmon_ev_small after its header.
 *   2 CLIENT_HELLO  tmpl:u8 peer[8] n:u8 then n patches {off:u16 len:u16
 *             bytes[len]}: tmpl 0 starts from zeros, else from the
 *             ((tmpl - 1) % N)-th real ClientHello of
 *             tests/lib/hello_fixtures.h as the parser reads it; each
 *             patch overwrites struct tls_client_hello at off % its size
 *             (clipped).  peer is struct tlsmon_peer_info.
 *   3 SERVER_HELLO  the same with struct tls_server_hello.
 *   4 NON_TLS len:u16 n:u8 data[n % 33]
 *   5 TICK    n:u8: the clock moves n * 100 ms, then collector_tick()
 *   6 RAW     type:u8 size:u16 bytes[size % 4096]: any event of exactly that
 *             size (version and type set, the rest from the input):
 *             what ev_check must refuse.
 *   7 CTRL    what:u8: what % 4 = 0 the slot's next connection (new client
 *             port, fresh cursors); 1 the clock goes back by what / 4 ms;
 *             2 collector_flush() now; 3 the clock moves what / 4 s.
 *
 * Seeds: tests/fuzz/corpus/reasm/, real sessions in this encoding made by
 * the replay build from corpus captures (scripts/extract-fuzz-seeds.sh):
 *   FUZZ_REASM_ENCODE=OUT [FUZZ_CERT_DIR=DIR] fuzz_reasm-replay CAPTURE
 * runs CAPTURE through the userspace datapath and writes its events to OUT
 * in the format above; with FUZZ_CERT_DIR, the Certificate and
 * CertificateRequest messages reassembly finds go there (fuzz_cert's seeds).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "model/cert.h"
#include "model/collector.h"
#include "source/dp_user.h"
#include "pipe/evpipe.h"
#include "lib/log.h"
#include "source/pcap_src.h"
#include "tls_parse.h"
#include "../lib/out_check.h"
#include "../lib/hello_fixtures.h"

/* Defined by replay_main.c only: the libFuzzer build sees a null address. */
extern const int fuzz_replay_mode __attribute__((weak));

#define N_SLOTS 8
#define RAW_MAX 4096
#define T0_NS 1700000000000000000ull	/* 2023-11-14: inside real certificates' validity */

enum { OP_BLOB, OP_SMALL, OP_CH, OP_SH, OP_NON_TLS, OP_TICK, OP_RAW, OP_CTRL };

#define BF_CERT 1
#define BF_WINDOW 2
#define BF_BUDGET 4
#define BF_SEQ 8
#define BF_STAY 16
#define BF_SKIP 32

static const uint8_t small_types[8] = {
	TLSMON_EV_ALERT, TLSMON_EV_CCS, TLSMON_EV_HS_MSG, TLSMON_EV_APPDATA,
	TLSMON_EV_TCP_RST, TLSMON_EV_TCP_FIN, TLSMON_EV_PARSE_ERROR, TLSMON_EV_FLOW_END,
};

struct slot {
	uint8_t family;
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t cur[2], win[2];
};

struct fz {
	struct slot slot[N_SLOTS];
	struct evpipe pipe;
	struct collector *col;
	struct jbuf jbuf_ev, jbuf_rec;
	uint64_t now;
	uint16_t ip_id;
	uint64_t records;
	const char *cert_dir;	/* seed generation: where messages go */
};

struct rd {
	const uint8_t *p;
	size_t n;
};

static struct tls_client_hello ch_tmpl[N_HELLO_FIXTURES];
static struct tls_server_hello sh_tmpl[N_HELLO_FIXTURES];
static unsigned n_ch_tmpl, n_sh_tmpl;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_reasm: %s: %s\n", what, why);
	abort();
}

/* ---- reading the input: past its end, zeros ---- */

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t u16(struct rd *r)
{
	uint16_t v = u8(r);

	return v | (uint16_t)u8(r) << 8;
}

static uint32_t u32(struct rd *r)
{
	uint32_t v = u16(r);

	return v | (uint32_t)u16(r) << 16;
}

/* Up to n bytes into dst (the rest zero); returns how many came from the input. */
static size_t take(struct rd *r, void *dst, size_t n)
{
	size_t k = n < r->n ? n : r->n;

	memcpy(dst, r->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	r->p += k;
	r->n -= k;
	return k;
}

/* ---- the pipeline ---- */

static void dump_message(const char *dir, const uint8_t *m, uint32_t n)
{
	unsigned char d[20];
	char path[4096];
	size_t k = strlen(dir);
	unsigned i;
	FILE *f;

	if (EVP_Digest(m, n, d, NULL, EVP_sha1(), NULL) != 1)
		die("seed", "SHA-1");
	snprintf(path, sizeof(path), "%s/", dir);
	for (i = 0; i < sizeof(d) && k + 2 * i + 3 < sizeof(path); i++)
		sprintf(path + k + 1 + 2 * i, "%02x", d[i]);
	f = fopen(path, "wb");
	if (!f || fwrite(m, 1, n, f) != n || fclose(f))
		die(path, "cannot write");
}

/* The evpipe's output and the reassembler's sink: checked, then to the collector. */
static int pipe_out(void *ctx, const void *ev, size_t size)
{
	struct fz *z = ctx;
	const struct tlsmon_ev_hdr *h = ev;
	const char *bad = oc_json_event(&z->jbuf_ev, ev, size);

	if (bad)
		die("event JSON", bad);
	if (z->cert_dir && h->type == TLSMON_EV_HS_BYTES) {
		const struct tlsmon_ev_hs_bytes *hb = ev;

		dump_message(z->cert_dir, hb->data, hb->len);
	}
	return collector_event(z->col, ev, size);
}

static void on_record(void *ctx, const struct hs_record *r)
{
	struct fz *z = ctx;
	const char *bad;

	z->records++;
	bad = oc_json_record(&z->jbuf_rec, r);
	if (bad)
		die("record JSON", bad);
	bad = oc_json_record_as(&z->jbuf_rec, out_ecs_record, r);
	if (bad)
		die("record JSON (ecs)", bad);
	bad = oc_json_record_as(&z->jbuf_rec, out_ecs_otel_record, r);
	if (bad)
		die("record JSON (otel)", bad);
	bad = oc_text_record(r);
	if (bad)
		die("record text", bad);
}

/* An event in a buffer of exactly its size, so ASan sees a read past it. */
static void send(struct fz *z, const void *ev, size_t size)
{
	void *b = malloc(size ? size : 1);

	if (!b)
		abort();
	memcpy(b, ev, size);
	evpipe_in(&z->pipe, b, size);
	free(b);
}

static void slot_reset(struct slot *s, unsigned i, unsigned gen)
{
	s->family = i % 4 == 3 ? 6 : 4;
	memset(s->caddr, 0, 16);
	memset(s->saddr, 0, 16);
	if (s->family == 4) {
		s->caddr[10] = s->caddr[11] = s->saddr[10] = s->saddr[11] = 0xff;
		s->caddr[12] = s->saddr[12] = 10;
		s->caddr[14] = s->saddr[14] = i;
		s->caddr[15] = 1;
		s->saddr[15] = 2;
	} else {
		s->caddr[0] = s->saddr[0] = 0xfd;
		s->caddr[14] = s->saddr[14] = i;
		s->caddr[15] = 1;
		s->saddr[15] = 2;
	}
	s->cport = 40000 + i * 256 + (gen & 0xff);
	s->sport = i & 1 ? 443 : 8443;
	s->cur[0] = i == 1 ? 0xfffff000u : 1000u + i * 100000u + gen * 7919u;
	s->cur[1] = i == 1 ? 0xffffff00u : 5000000u + i * 100000u + gen * 7919u;
	s->win[0] = s->cur[0];
	s->win[1] = s->cur[1];
}

static void hdr(struct fz *z, struct tlsmon_ev_hdr *h, int type, unsigned si, int dir,
		size_t size)
{
	struct slot *s = &z->slot[si];

	memset(h, 0, sizeof(*h));
	h->version = TLSMON_EVENT_VERSION;
	h->type = type;
	h->dir = dir;
	h->hook = TLSMON_HOOK_PCAP;
	h->ifindex = 1;
	h->ts_ns = z->now;
	memcpy(h->caddr, s->caddr, 16);
	memcpy(h->saddr, s->saddr, 16);
	h->cport = s->cport;
	h->sport = s->sport;
	h->family = s->family;
	h->ttl = dir ? 57 : 64;
	h->ip_id = ++z->ip_id;
	h->seq = s->cur[dir];
	h->size = size;
	h->tcp_flags = 0x18;
}

static void op_blob(struct fz *z, struct rd *r, unsigned si, int dir)
{
	static struct tlsmon_ev_blob b;
	struct slot *s = &z->slot[si];
	uint8_t f = u8(r);
	int8_t skip = f & BF_SKIP ? (int8_t)u8(r) : 0;
	uint16_t len = u16(r);

	if (len > TLSMON_BLOB_MAX)
		len %= TLSMON_BLOB_MAX + 1;
	if (f & BF_SEQ) {
		s->cur[dir] = u32(r);
		s->win[dir] = u32(r);
	}
	s->cur[dir] += skip;
	if (f & BF_WINDOW)
		s->win[dir] = s->cur[dir];
	memset(&b, 0, offsetof(struct tlsmon_ev_blob, data));
	hdr(z, &b.h, TLSMON_EV_BLOB, si, dir, offsetof(struct tlsmon_ev_blob, data) + len);
	b.rec_seq = s->win[dir];
	b.kind = f & BF_CERT ? TLSMON_BLOB_CERT : TLSMON_BLOB_RECORD;
	b.flags = f & BF_BUDGET ? TLSMON_BLOB_F_BUDGET : 0;
	b.len = take(r, b.data, len);	/* a cut input: what there is */
	b.h.size = offsetof(struct tlsmon_ev_blob, data) + b.len;
	send(z, &b, b.h.size);
	if (!(f & BF_STAY))
		s->cur[dir] += b.len;
}

static void op_small(struct fz *z, struct rd *r, unsigned si, int dir)
{
	struct tlsmon_ev_small e;
	uint8_t which = u8(r);

	hdr(z, &e.h, small_types[which % 8], si, dir, sizeof(e));
	e.h.ttl = u8(r);
	e.h.ip_id = u16(r);
	take(r, (uint8_t *)&e + sizeof(e.h), sizeof(e) - sizeof(e.h));
	send(z, &e, sizeof(e));
}

/* n patches over a struct of size bytes */
static void patches(struct rd *r, void *obj, size_t size)
{
	unsigned n = u8(r), i;
	uint16_t off, len;

	for (i = 0; i < n && r->n; i++) {
		off = u16(r) % size;
		len = u16(r);
		if (len > size - off)
			len = size - off;
		take(r, (uint8_t *)obj + off, len);
	}
}

static void op_client_hello(struct fz *z, struct rd *r, unsigned si, int dir)
{
	static struct tlsmon_ev_client_hello e;
	uint8_t t = u8(r);

	hdr(z, &e.h, TLSMON_EV_CLIENT_HELLO, si, dir, sizeof(e));
	take(r, &e.peer, sizeof(e.peer));
	if (t && n_ch_tmpl)
		e.ch = ch_tmpl[(t - 1) % n_ch_tmpl];
	else
		memset(&e.ch, 0, sizeof(e.ch));
	patches(r, &e.ch, sizeof(e.ch));
	send(z, &e, sizeof(e));
}

static void op_server_hello(struct fz *z, struct rd *r, unsigned si, int dir)
{
	static struct tlsmon_ev_server_hello e;
	uint8_t t = u8(r);

	hdr(z, &e.h, TLSMON_EV_SERVER_HELLO, si, dir, sizeof(e));
	take(r, &e.peer, sizeof(e.peer));
	if (t && n_sh_tmpl)
		e.sh = sh_tmpl[(t - 1) % n_sh_tmpl];
	else
		memset(&e.sh, 0, sizeof(e.sh));
	patches(r, &e.sh, sizeof(e.sh));
	send(z, &e, sizeof(e));
}

static void op_non_tls(struct fz *z, struct rd *r, unsigned si, int dir)
{
	struct tlsmon_ev_non_tls e;

	memset(&e, 0, sizeof(e));
	hdr(z, &e.h, TLSMON_EV_NON_TLS, si, dir, sizeof(e));
	e.len = u16(r);
	e.n = u8(r) % (TLSMON_PEEK_MAX + 1);
	take(r, e.data, e.n);
	send(z, &e, sizeof(e));
}

static void op_raw(struct fz *z, struct rd *r, unsigned si, int dir)
{
	static uint8_t buf[RAW_MAX];
	struct tlsmon_ev_hdr *h = (struct tlsmon_ev_hdr *)buf;
	uint8_t type = u8(r);
	size_t size = u16(r) % RAW_MAX;

	hdr(z, h, type, si, dir, size);
	take(r, buf + 2, size > 2 ? size - 2 : 0);	/* all but version and type */
	h->version = TLSMON_EVENT_VERSION;
	h->type = type;
	send(z, buf, size);
}

static void run_ops(struct fz *z, struct rd *r)
{
	unsigned op, si, dir;
	uint8_t b, what;

	while (r->n) {
		b = u8(r);
		op = b & 7;
		dir = (b >> 3) & 1;
		si = (b >> 4) & 7;
		z->now += b & 0x80 ? 1000000000ull : 1000000ull;
		switch (op) {
		case OP_BLOB:
			op_blob(z, r, si, dir);
			break;
		case OP_SMALL:
			op_small(z, r, si, dir);
			break;
		case OP_CH:
			op_client_hello(z, r, si, dir);
			break;
		case OP_SH:
			op_server_hello(z, r, si, dir);
			break;
		case OP_NON_TLS:
			op_non_tls(z, r, si, dir);
			break;
		case OP_TICK:
			z->now += u8(r) * 100000000ull;
			collector_tick(z->col, z->now);
			break;
		case OP_RAW:
			op_raw(z, r, si, dir);
			break;
		case OP_CTRL:
			what = u8(r);
			switch (what & 3) {
			case 0:
				slot_reset(&z->slot[si], si, what >> 2 | 1);
				break;
			case 1:
				z->now -= (what >> 2) * 1000000ull;
				break;
			case 2:
				collector_flush(z->col, z->now);
				break;
			case 3:
				z->now += (what >> 2) * 1000000000ull;
				break;
			}
			break;
		}
	}
}

static void setup(struct fz *z)
{
	struct collector_opts co = {
		.max_conns = 6, .max_servers = 4, .handshake_timeout = 2.0, .ifname = "fuzz",
	};
	struct rec_sink sink = { on_record, z };
	unsigned i;

	memset(z, 0, sizeof(*z));
	for (i = 0; i < N_SLOTS; i++)
		slot_reset(&z->slot[i], i, 0);
	z->now = T0_NS;
	jbuf_init(&z->jbuf_ev);
	jbuf_init(&z->jbuf_rec);
	z->col = collector_new(&co);
	if (!z->col)
		die("setup", "out of memory");
	collector_add_sink(z->col, &sink);
	/* evpipe_init() with reassembly caps small enough for the input to reach */
	z->pipe.out = pipe_out;
	z->pipe.out_ctx = z;
	z->pipe.reasm = reasm_new(6, 16384, 40960, pipe_out, z);
	if (!z->pipe.reasm)
		die("setup", "out of memory");
}

static void teardown(struct fz *z)
{
	collector_flush(z->col, z->now);
	evpipe_fini(&z->pipe);
	collector_free(z->col);
	jbuf_free(&z->jbuf_ev);
	jbuf_free(&z->jbuf_rec);
}

/* ---- seeds: a capture's datapath events in the format above ---- */

struct enc {
	uint8_t *b;
	size_t len, cap;
	struct {
		uint8_t caddr[16], saddr[16];
		uint16_t cport, sport;
	} flow[N_SLOTS];
	unsigned nflows;
	uint64_t last_ns;
};

static void put(struct enc *e, const void *p, size_t n)
{
	if (e->len + n > e->cap) {
		e->cap = (e->len + n) * 2;
		e->b = realloc(e->b, e->cap);
		if (!e->b)
			abort();
	}
	memcpy(e->b + e->len, p, n);
	e->len += n;
}

static void put8(struct enc *e, uint8_t v)
{
	put(e, &v, 1);
}

static void put16(struct enc *e, uint16_t v)
{
	put8(e, v & 0xff);
	put8(e, v >> 8);
}

static void put32(struct enc *e, uint32_t v)
{
	put16(e, v & 0xffff);
	put16(e, v >> 16);
}

static int slot_of(struct enc *e, const struct tlsmon_ev_hdr *h)
{
	unsigned i;

	for (i = 0; i < e->nflows; i++)
		if (!memcmp(e->flow[i].caddr, h->caddr, 16) &&
		    !memcmp(e->flow[i].saddr, h->saddr, 16) && e->flow[i].cport == h->cport &&
		    e->flow[i].sport == h->sport)
			return i;
	if (e->nflows == N_SLOTS)
		return -1;
	memcpy(e->flow[i].caddr, h->caddr, 16);
	memcpy(e->flow[i].saddr, h->saddr, 16);
	e->flow[i].cport = h->cport;
	e->flow[i].sport = h->sport;
	return e->nflows++;
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* A hello struct as patches over zeros: its runs of bytes up to 8 zeros in a row. */
static void put_patches(struct enc *e, const uint8_t *p, size_t n)
{
	size_t i = 0, j, count_at = e->len;
	uint8_t count = 0;

	put8(e, 0);
	while (i < n && count < 255) {
		while (i < n && !p[i])
			i++;
		if (i == n)
			break;
		for (j = i; j < n; j++)
			if (!p[j] && all_zero(p + j, n - j < 8 ? n - j : 8))
				break;
		put16(e, i);
		put16(e, j - i);
		put(e, p + i, j - i);
		count++;
		i = j;
	}
	e->b[count_at] = count;
}

static int encode(void *ctx, const void *ev, size_t size)
{
	struct enc *e = ctx;
	const struct tlsmon_ev_hdr *h = ev;
	const struct tlsmon_ev_small *sm = ev;
	static union ev_parsed parsed;
	static struct tlsp_ws ws;
	uint64_t dt = h->ts_ns > e->last_ns && e->last_ns ? h->ts_ns - e->last_ns : 0;
	int s = slot_of(e, h), i;
	uint8_t b;

	if (s < 0 || ev_check(ev, size))
		return 0;
	/* encoded as the pipe hands it on: parsed */
	if (h->type == TLSMON_EV_HELLO) {
		size = ev_hello_parse(ev, &parsed, &ws);
		ev = &parsed;
		h = ev;
		sm = ev;
	}
	e->last_ns = h->ts_ns;
	for (; dt >= 100000000ull; dt -= dt > 25500000000ull ? 25500000000ull : dt) {
		put8(e, OP_TICK);
		put8(e, dt / 100000000ull > 255 ? 255 : dt / 100000000ull);
	}
	b = (s << 4) | (h->dir ? 8 : 0);
	switch (h->type) {
	case TLSMON_EV_BLOB: {
		const struct tlsmon_ev_blob *bl = ev;

		put8(e, b | OP_BLOB);
		put8(e, BF_SEQ | (bl->kind == TLSMON_BLOB_CERT ? BF_CERT : 0) |
			(bl->flags & TLSMON_BLOB_F_BUDGET ? BF_BUDGET : 0));
		put16(e, bl->len);
		put32(e, h->seq);
		put32(e, bl->rec_seq);
		put(e, bl->data, bl->len);
		break;
	}
	case TLSMON_EV_CLIENT_HELLO: {
		const struct tlsmon_ev_client_hello *ch = ev;

		put8(e, b | OP_CH);
		put8(e, 0);
		put(e, &ch->peer, sizeof(ch->peer));
		put_patches(e, (const uint8_t *)&ch->ch, sizeof(ch->ch));
		break;
	}
	case TLSMON_EV_SERVER_HELLO: {
		const struct tlsmon_ev_server_hello *sh = ev;

		put8(e, b | OP_SH);
		put8(e, 0);
		put(e, &sh->peer, sizeof(sh->peer));
		put_patches(e, (const uint8_t *)&sh->sh, sizeof(sh->sh));
		break;
	}
	case TLSMON_EV_NON_TLS: {
		const struct tlsmon_ev_non_tls *nt = ev;

		put8(e, b | OP_NON_TLS);
		put16(e, nt->len);
		put8(e, nt->n);
		put(e, nt->data, nt->n);
		break;
	}
	default:
		for (i = 0; i < 8 && small_types[i] != h->type; i++)
			;
		if (i == 8)
			return 0;
		put8(e, b | OP_SMALL);
		put8(e, i);
		put8(e, h->ttl);
		put16(e, h->ip_id);
		put(e, (const uint8_t *)sm + sizeof(sm->h), sizeof(*sm) - sizeof(sm->h));
	}
	return 0;
}

static int feed(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		uint32_t wire_len)
{
	(void)no;
	(void)wire_len;
	dp_user_frame(ctx, eth, len, ts, 0, TLSMON_HOOK_PCAP);
	return 0;
}

/* Replay build, FUZZ_REASM_ENCODE set: the input is a capture to encode. */
static void make_seed(const uint8_t *data, size_t size, const char *out)
{
	struct enc e = { 0 };
	struct pcap_src *ps;
	struct dp_user *du;
	struct fz z;
	struct rd r;
	char err[512];
	FILE *f;
	int fd = memfd_create("capture", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET))
		die("memfd", "cannot hold the capture");
	ps = pcap_src_open_fd(fd, "capture", err, sizeof(err));
	if (!ps)
		die("capture", err);
	du = dp_user_new(64, encode, &e);
	if (!du)
		abort();
	pcap_src_run(ps, feed, du, err, sizeof(err));
	dp_user_expire(du, UINT64_MAX);
	dp_user_free(du);
	pcap_src_close(ps);
	f = fopen(out, "wb");
	if (!f || fwrite(e.b, 1, e.len, f) != e.len || fclose(f))
		die(out, "cannot write");
	/* the encoding through the harness: it must hold, and finds the certificates */
	setup(&z);
	z.cert_dir = getenv("FUZZ_CERT_DIR");
	r = (struct rd){ e.b, e.len };
	run_ops(&z, &r);
	teardown(&z);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_reasm: %zu bytes of events, %llu records\n", e.len,
			(unsigned long long)z.records);
	free(e.b);
}

/* ---- libFuzzer ---- */

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tlsp_ws ws;
	char err[256];
	size_t i;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	if (cert_init(NULL, 64, err, sizeof(err)))
		die("cert_init", err);
	/* the hellos the hello operations start from, as the datapath parses them */
	for (i = 0; i < N_HELLO_FIXTURES; i++) {
		const struct hello_fixture *hf = &hello_fixtures[i];
		uint16_t rv = hf->len >= 3 ? hf->b[1] << 8 | hf->b[2] : 0;

		if (hf->kind == HF_CH &&
		    !tls_parse_client_hello(hf->b, 5, hf->len, rv, &ch_tmpl[n_ch_tmpl], &ws))
			n_ch_tmpl++;
		else if (hf->kind == HF_SH &&
			 !tls_parse_server_hello(hf->b, 5, hf->len, rv, &sh_tmpl[n_sh_tmpl], &ws))
			n_sh_tmpl++;
		else if (hf->kind == HF_SSLV2 &&
			 !tls_parse_sslv2_client_hello(hf->b, 0, hf->len, &ch_tmpl[n_ch_tmpl]))
			n_ch_tmpl++;
	}
	if (!n_ch_tmpl || !n_sh_tmpl)
		die("hello fixtures", "none parses");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z;
	struct rd r = { data, size };
	const char *out;

	if (&fuzz_replay_mode && fuzz_replay_mode && (out = getenv("FUZZ_REASM_ENCODE"))) {
		make_seed(data, size, out);
		return 0;
	}
	setup(&z);
	run_ops(&z, &r);
	teardown(&z);
	return 0;
}
