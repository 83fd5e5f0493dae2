// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_parser: the TLS parser and the datapath's record walk.
 *
 * What it tests:
 *  - headers/tls_parse.h directly: tls_parse_record_hdr() at offset 0, the
 *    ClientHello and ServerHello parsers at offsets 0 and 5 (a handshake
 *    message, or one behind a record header) and inside the record the
 *    header describes, and the SSLv2 CLIENT-HELLO parser;
 *  - the userspace build of the datapath (user/source/dp_user.h, the same code as
 *    the XDP/TC programs) fed the input as TCP payload in crafted
 *    Ethernet/IPv4/TCP frames: whole, as a client's first segment; split
 *    into 2-3 segments (sometimes out of order); as the server's answer to a
 *    real ClientHello, split in two, followed by the client's next segment
 *    and a RST; and as a server's first segment.  So the record walk,
 *    partial record headers, reassembly blobs and flow ends are fuzzed too.
 *  - in replay mode (fuzz_parser-replay) also every prefix of the input, as
 *    cut and with the record and handshake lengths rewritten to the cut, so
 *    ASan watches the truncation at every offset of every seed.
 *
 * Invariants (abort on violation; see tests/lib/hello_check.h): on error the
 * output struct is all zero; counts within their bounds, a count past a
 * stored bound carries its truncation flag; nothing stored past a count
 * (sni_len >= the SNI bytes stored); events are well-formed.
 *
 * Expected input format: the payload of one TCP segment, normally TLS
 * records (a ClientHello or ServerHello record first), up to 16384 bytes
 * (-max_len=16384).  Seeds: tests/fuzz/corpus/parser/, from
 * scripts/extract-fuzz-seeds.sh and scripts/gen-hello-fixtures.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pipe/ev.h"
#include "source/dp_user.h"
#include "tls_parse.h"
#include "../lib/hello_check.h"
#include "../lib/hello_fixtures.h"

/* Defined by replay_main.c only: the libFuzzer build sees a null address. */
extern const int fuzz_replay_mode __attribute__((weak));

#define MAX_PAYLOAD 65000u	/* what fits an IPv4 packet with our headers */

static void die(const char *what, const char *why, int r)
{
	fprintf(stderr, "fuzz_parser: %s: %s (rc %d)\n", what, why, r);
	abort();
}

static void check_ch(const char *what, int r, const struct tls_client_hello *ch)
{
	const char *bad = hc_client_hello(r, ch);

	if (bad)
		die(what, bad, r);
}

static void check_sh(const char *what, int r, const struct tls_server_hello *sh)
{
	const char *bad = hc_server_hello(r, sh);

	if (bad)
		die(what, bad, r);
}

/* Everything the parser offers, on [off, end) of b. */
static void parse_all(const uint8_t *b, uint32_t end)
{
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tls_record rec;
	struct tlsp_ws ws;
	uint32_t off, rend;
	int r;

	memset(&ws, 0x5a, sizeof(ws));
	r = tls_parse_record_hdr(b, 0, end, &rec);
	if (!r && rec.hdr_len != (rec.sslv2 ? 2 : 5))
		die("record header", "header length", r);
	for (off = 0; off <= 5 && off <= end; off += 5) {
		r = tls_parse_client_hello(b, off, end, rec.version, &ch, &ws);
		check_ch("ClientHello", r, &ch);
		r = tls_parse_server_hello(b, off, end, rec.version, &sh, &ws);
		check_sh("ServerHello", r, &sh);
	}
	/* the record as a consumer reads it: only the bytes it covers */
	if (!tls_parse_record_hdr(b, 0, end, &rec) && !rec.sslv2 &&
	    rec.len <= end - rec.hdr_len) {
		rend = rec.hdr_len + rec.len;
		r = tls_parse_client_hello(b, rec.hdr_len, rend, rec.version, &ch, &ws);
		check_ch("ClientHello in its record", r, &ch);
		if (!r && ch.record_version != rec.version)
			die("ClientHello in its record", "record version not kept", r);
		r = tls_parse_server_hello(b, rec.hdr_len, rend, rec.version, &sh, &ws);
		check_sh("ServerHello in its record", r, &sh);
	}
	r = tls_parse_sslv2_client_hello(b, 0, end, &ch);
	check_ch("SSLv2 CLIENT-HELLO", r, &ch);
	if (!r && !(ch.flags & TLS_CHF_SSLV2))
		die("SSLv2 CLIENT-HELLO", "parsed without TLS_CHF_SSLV2", r);
}

/*
 * Every prefix, in a buffer of exactly its size so ASan sees any read past
 * it: as cut, and with the lengths rewritten to say the message ends there.
 */
static void truncations(const uint8_t *data, size_t size)
{
	uint32_t cut, n = size < 4096 ? size : 4096;
	uint8_t *b;

	for (cut = 0; cut <= n; cut++) {
		b = malloc(cut ? cut : 1);
		if (!b)
			abort();
		memcpy(b, data, cut);
		parse_all(b, cut);
		if (cut >= 9 && b[0] == TLS_CT_HANDSHAKE) {
			b[3] = (cut - 5) >> 8;
			b[4] = (cut - 5) & 0xff;
			b[6] = 0;
			b[7] = (cut - 9) >> 8;
			b[8] = (cut - 9) & 0xff;
			parse_all(b, cut);
		} else if (cut >= 2 && cut < 0x8000 && (b[0] & 0x80)) {
			b[0] = 0x80 | ((cut - 2) >> 8);
			b[1] = (cut - 2) & 0xff;
			parse_all(b, cut);
		}
		free(b);
	}
}

/* ---- the datapath ---- */

static int sink(void *ctx, const void *ev, size_t size)
{
	const struct tlsmon_ev_hdr *h = ev;

	(void)ctx;
	if (size < sizeof(*h) || h->version != TLSMON_EVENT_VERSION || !h->type ||
	    h->type >= TLSMON_EV_MAX || h->size != size)
		die("event", "malformed header", (int)size);
	switch (h->type) {
	case TLSMON_EV_HELLO: {
		static union ev_parsed p;
		static struct tlsp_ws ws;

		if (ev_check(ev, size))
			die("hello event", "length", (int)size);
		/* the collector's half: the shared parser on the shipped bytes */
		if (ev_hello_parse(ev, &p, &ws) != p.h.size)
			die("hello event", "parsed size", (int)p.h.size);
		if (p.h.type == TLSMON_EV_CLIENT_HELLO)
			check_ch("ClientHello event", 0, &p.ch.ch);
		else if (p.h.type == TLSMON_EV_SERVER_HELLO)
			check_sh("ServerHello event", 0, &p.sh.sh);
		else if (p.h.type != TLSMON_EV_PARSE_ERROR || !p.sm.reason)
			die("hello event", "parsed into", p.h.type);
		break;
	}
	case TLSMON_EV_CLIENT_HELLO:
		if (size != sizeof(struct tlsmon_ev_client_hello))
			die("ClientHello event", "size", (int)size);
		check_ch("ClientHello event", 0, &((const struct tlsmon_ev_client_hello *)ev)->ch);
		break;
	case TLSMON_EV_SERVER_HELLO:
		if (size != sizeof(struct tlsmon_ev_server_hello))
			die("ServerHello event", "size", (int)size);
		check_sh("ServerHello event", 0, &((const struct tlsmon_ev_server_hello *)ev)->sh);
		break;
	case TLSMON_EV_BLOB: {
		const struct tlsmon_ev_blob *b = ev;

		if (b->len > TLSMON_BLOB_MAX || size < offsetof(struct tlsmon_ev_blob, data) + b->len)
			die("blob event", "length", b->len);
		break;
	}
	case TLSMON_EV_NON_TLS: {
		const struct tlsmon_ev_non_tls *nt = ev;

		if (nt->n > TLSMON_PEEK_MAX || nt->n > nt->len)
			die("non-TLS event", "peek length", nt->n);
		break;
	}
	default:
		if (size < sizeof(struct tlsmon_ev_small))
			die("event", "short", (int)size);
	}
	return 0;
}

struct conn {
	uint32_t caddr, saddr;
	uint16_t cport, sport;
	uint32_t cseq, sseq;
};

/*
 * Frames start 2 bytes into an aligned buffer, as NIC drivers place them
 * (NET_IP_ALIGN), so the IP and TCP headers are 4-byte aligned: net_parse.h
 * reads them through struct pointers, which UBSan holds to their alignment.
 */
static uint8_t frame_buf[2 + 14 + 20 + 20 + MAX_PAYLOAD] __attribute__((aligned(8)));
#define frame (frame_buf + 2)
static uint64_t now_ns;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* One TCP segment; from_client picks the direction.  Advances the sender's seq. */
static void segment(struct dp_user *du, struct conn *c, int from_client, uint8_t flags,
		    const uint8_t *p, uint32_t n)
{
	uint8_t *ip = frame + 14, *tcp = ip + 20;
	uint32_t *seq = from_client ? &c->cseq : &c->sseq;

	if (n > MAX_PAYLOAD)
		n = MAX_PAYLOAD;
	memset(frame, 0, 14 + 40);
	memcpy(frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip[0] = 0x45;
	put16(ip + 2, 40 + n);
	put16(ip + 4, (uint16_t)(*seq >> 3));
	ip[8] = from_client ? 64 : 57;
	ip[9] = 6;
	put32(ip + 12, from_client ? c->caddr : c->saddr);
	put32(ip + 16, from_client ? c->saddr : c->caddr);
	put16(tcp, from_client ? c->cport : c->sport);
	put16(tcp + 2, from_client ? c->sport : c->cport);
	put32(tcp + 4, *seq);
	put32(tcp + 8, from_client ? c->sseq : c->cseq);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	if (n)
		memcpy(tcp + 20, p, n);
	now_ns += 1000;
	dp_user_frame(du, frame, 54 + n, now_ns, 1, TLSMON_HOOK_PCAP);
	*seq += n + !!(flags & (0x02 | 0x01));	/* SYN and FIN take a sequence number */
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static void handshake_open(struct dp_user *du, struct conn *c)
{
	segment(du, c, 1, F_SYN, NULL, 0);
	segment(du, c, 0, F_SYN | F_ACK, NULL, 0);
}

/* FNV-1a: split points and orderings that follow the input. */
static uint32_t hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The ClientHello the server answers in connection 3: a real one. */
static const struct hello_fixture *client_hello(void)
{
	static const struct hello_fixture *hello;
	size_t i;

	/* looked up once: compares on every input would seed libFuzzer's dictionary */
	for (i = 0; !hello && i < N_HELLO_FIXTURES; i++)
		if (!strcmp(hello_fixtures[i].name, "openssl-ch"))
			hello = &hello_fixtures[i];
	if (!hello)
		abort();
	return hello;
}

static void datapath(const uint8_t *data, size_t size)
{
	const struct hello_fixture *hello = client_hello();
	struct dp_user *du = dp_user_new(64, sink, NULL);
	struct conn c;
	uint32_t h = hash(data, size), n = size > MAX_PAYLOAD ? MAX_PAYLOAD : size, a, b;

	if (!du)
		abort();

	/* 1: the input as a client's first segment */
	c = (struct conn){ 0x0a000001, 0x0a000002, 40001, 443, 1000, 50000 };
	handshake_open(du, &c);
	segment(du, &c, 1, F_PSH | F_ACK, data, n);
	segment(du, &c, 1, F_FIN | F_ACK, NULL, 0);

	/* 2: the same bytes in 2 or 3 segments, the last two swapped at times */
	c = (struct conn){ 0x0a000001, 0x0a000002, 40002, 443, 7000, 90000 };
	handshake_open(du, &c);
	a = n ? h % (n + 1) : 0;
	b = a + (n - a ? (h >> 12) % (n - a + 1) : 0);
	if (h & 0x80000000u) {
		uint32_t s0 = c.cseq;

		segment(du, &c, 1, F_ACK, data, a);
		c.cseq = s0 + b;
		segment(du, &c, 1, F_PSH | F_ACK, data + b, n - b);
		c.cseq = s0 + a;
		segment(du, &c, 1, F_ACK, data + a, b - a);
	} else {
		segment(du, &c, 1, F_ACK, data, a);
		segment(du, &c, 1, F_ACK, data + a, b - a);
		segment(du, &c, 1, F_PSH | F_ACK, data + b, n - b);
	}

	/* 3: a real ClientHello, the input as the server's answer, then the client again */
	c = (struct conn){ 0x0a000003, 0x0a000004, 40003, 443, 0xfffff000u, 0x7fffff00u };
	handshake_open(du, &c);
	segment(du, &c, 1, F_PSH | F_ACK, hello->b, hello->len);
	a = n ? (h >> 7) % (n + 1) : 0;
	segment(du, &c, 0, F_ACK, data, a);
	segment(du, &c, 0, F_PSH | F_ACK, data + a, n - a);
	segment(du, &c, 1, F_PSH | F_ACK, data, n);
	segment(du, &c, 0, F_RST | F_ACK, NULL, 0);

	/* 4: the input as a server's first segment (a ServerHello starts tracking too) */
	c = (struct conn){ 0x0a000005, 0x0a000006, 40004, 443, 3000, 4000 };
	segment(du, &c, 0, F_PSH | F_ACK, data, n);

	dp_user_expire(du, UINT64_MAX);
	dp_user_free(du);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* TLSP_MAX_LEN bounds every window the parser accepts */
	if (size > TLSP_MAX_LEN)
		return 0;
	parse_all(data, size);
	datapath(data, size);
	if (&fuzz_replay_mode && fuzz_replay_mode)
		truncations(data, size);
	return 0;
}
