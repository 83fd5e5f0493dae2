// SPDX-License-Identifier: BSD-3-Clause
/*
 * The datapath, case by case: each case is a short conversation of built
 * frames (tests/lib/pkt.h), each run through the program of its direction
 * (client packets through XDP or TC ingress, server packets through TC
 * egress), then the exact events it must produce and the exact counters.
 * Every case runs through the kernel programs (BPF_PROG_TEST_RUN) and through
 * the userspace build of the same handler; both must match the expectation.
 *
 * Hellos are real: read from the corpus (TLSMON_CORPUS) at run time.  The
 * other records (Certificate, Finished, application data) are built here;
 * only their framing matters to the datapath.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "source/bpf_dp.h"
#include "corpus.h"
#include "dp_ctr.h"
#include "source/dp_user.h"
#include "model/record.h"
#include "output/ev_json.h"
#include "pipe/ev.h"
#include "net_parse.h"
#include "evlist.h"
#include "pkt.h"

/* ---- payloads ---------------------------------------------------------- */

enum pl_id {
	PL_NONE,
	PL_CH,		/* TLS 1.2/1.3 ClientHello with SNI (ja4/tls12.pcap) */
	PL_SH12,	/* TLS 1.2 ServerHello (zeek/tls1.2.pcap) */
	PL_CH13,	/* ja4/tls3.pcapng */
	PL_SH13,	/* TLS 1.3 ServerHello of that connection */
	PL_ALERT_CU,	/* fatal certificate_unknown */
	PL_CLOSE_NOTIFY,
	PL_HTTP400,
	PL_HTTP_GET,
	PL_APP,		/* one application-data record */
	PL_CERT,	/* a Certificate record on its own */
	PL_SMTP_220,
	PL_SMTP_EHLO,
	PL_SMTP_250,
	PL_SMTP_STARTTLS,
	PL_SMTP_READY,
	PL_SH_CERT_DONE,	/* ServerHello, Certificate, ServerHelloDone: 3 records */
	PL_SH_CERT_DONE_1REC,	/* the same messages in one record */
	PL_SH_CERT_FRAG,	/* ServerHello; a Certificate fragmented over two records,
				 * the second ending with ServerHelloDone */
	PL_CH_CCS,		/* ClientHello record, then a ChangeCipherSpec record */
	PL_SH_BIGCERT_DONE,	/* the Certificate record spans segments */
	PL_SH_DONE,		/* ServerHello and ServerHelloDone records */
	PL_CKE_CCS_FIN,		/* ClientKeyExchange, CCS, encrypted Finished */
	PL_CCS_FIN,
	PL_SH13_FLIGHT,		/* ServerHello, CCS, two application-data records */
	PL_CCS_APP,		/* TLS 1.3 client Finished: CCS + application data */
	PL_HRR_CH1,		/* zeek/hrr.pcap: ClientHello, */
	PL_HRR_SH_CCS,		/* HelloRetryRequest + CCS, */
	PL_HRR_CCS_CH2,		/* CCS + the second ClientHello: whole segments */
	PL_MAX
};

#define SNI12 "contile.services.mozilla.com"
#define SNI13 "darksail.ai"
#define SH12_LEN 86	/* the ServerHello record of zeek/tls1.2.pcap */
#define SH13_LEN 127
#define CH_LEN 517
#define CERT_BODY 200	/* Certificate message body in PL_SH_CERT_DONE */
#define CERT_FRAG1 104	/* PL_SH_CERT_FRAG: bytes of the message in its first record */
#define BIGCERT_BODY 3000
#define HRR_CH1_LEN 236	/* zeek/hrr.pcap: the first ClientHello record, */
#define HRR_LEN 93	/* the HelloRetryRequest record, */
#define HRR_CH2_LEN 244	/* the second ClientHello record */
#define HTTP400 "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define SMTP_220 "220 mx.example.org ESMTP\r\n"
#define SMTP_EHLO "EHLO client.example.org\r\n"
#define SMTP_250 "250-mx.example.org\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n"
#define SMTP_STARTTLS "STARTTLS\r\n"
#define SMTP_READY "220 2.0.0 Ready to start TLS\r\n"
#define SLEN(s) (sizeof(s) - 1)

struct blob {
	uint8_t b[8192];
	size_t n;
};

static struct blob pl[PL_MAX];
static char corpus_err[512];

static void put(struct blob *d, const void *p, size_t n)
{
	assert_true(d->n + n <= sizeof(d->b));
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

static void put_str(struct blob *d, const char *s)
{
	put(d, s, strlen(s));
}

static void put_fill(struct blob *d, size_t n, uint8_t seed)
{
	size_t i;

	assert_true(d->n + n <= sizeof(d->b));
	for (i = 0; i < n; i++)
		d->b[d->n++] = (uint8_t)(seed + i * 7);
}

static void put_rec_hdr(struct blob *d, uint8_t type, size_t len)
{
	uint8_t h[5] = { type, 3, 3, len >> 8, len };

	put(d, h, 5);
}

static void put_hs_hdr(struct blob *d, uint8_t type, size_t len)
{
	uint8_t h[4] = { type, len >> 16, len >> 8, len };

	put(d, h, 4);
}

/* A Certificate message: one certificate of filler bytes. */
static void put_cert_msg(struct blob *d, size_t body)
{
	uint8_t l[6] = { (body - 3) >> 16, (body - 3) >> 8, body - 3,
			 (body - 6) >> 16, (body - 6) >> 8, body - 6 };

	put_hs_hdr(d, TLS_HS_CERTIFICATE, body);
	put(d, l, 6);
	put_fill(d, body - 6, 0x30);
}

static int load_record(struct blob *d, const char *rel, uint64_t frame, int whole)
{
	long n = corpus_tcp_payload(rel, frame, whole, d->b, sizeof(d->b), corpus_err,
				    sizeof(corpus_err));

	if (n < 0)
		return -1;
	d->n = n;
	return 0;
}

static int payloads_init(void)
{
	static const uint8_t alert_cu[] = { 0x15, 3, 3, 0, 2, 2, 46 };
	static const uint8_t close_notify[] = { 0x15, 3, 3, 0, 2, 1, 0 };
	static const uint8_t ccs[] = { 0x14, 3, 3, 0, 1, 1 };
	struct blob *d;

	memset(pl, 0, sizeof(pl));
	if (load_record(&pl[PL_CH], "ja4/tls12.pcap", 1, 0) ||
	    load_record(&pl[PL_SH12], "zeek/tls1.2.pcap", 5, 0) ||
	    load_record(&pl[PL_CH13], "ja4/tls3.pcapng", 63, 0) ||
	    load_record(&pl[PL_SH13], "ja4/tls3.pcapng", 65, 0) ||
	    load_record(&pl[PL_HRR_CH1], "zeek/hrr.pcap", 4, 1) ||
	    load_record(&pl[PL_HRR_SH_CCS], "zeek/hrr.pcap", 6, 1) ||
	    load_record(&pl[PL_HRR_CCS_CH2], "zeek/hrr.pcap", 8, 1))
		return -1;
	if (pl[PL_CH].n != CH_LEN || pl[PL_SH12].n != SH12_LEN || pl[PL_CH13].n != CH_LEN ||
	    pl[PL_SH13].n != SH13_LEN || pl[PL_HRR_CH1].n != HRR_CH1_LEN ||
	    pl[PL_HRR_SH_CCS].n != HRR_LEN + 6 || pl[PL_HRR_CCS_CH2].n != 6 + HRR_CH2_LEN) {
		snprintf(corpus_err, sizeof(corpus_err), "corpus hellos changed size");
		return -1;
	}
	put(&pl[PL_ALERT_CU], alert_cu, sizeof(alert_cu));
	put(&pl[PL_CLOSE_NOTIFY], close_notify, sizeof(close_notify));
	put_str(&pl[PL_HTTP400], HTTP400);
	put_str(&pl[PL_HTTP_GET], "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n");
	put_rec_hdr(&pl[PL_APP], TLS_CT_APPLICATION_DATA, 48);
	put_fill(&pl[PL_APP], 48, 0x91);
	put_rec_hdr(&pl[PL_CERT], TLS_CT_HANDSHAKE, 4 + CERT_BODY);
	put_cert_msg(&pl[PL_CERT], CERT_BODY);
	put_str(&pl[PL_SMTP_220], SMTP_220);
	put_str(&pl[PL_SMTP_EHLO], SMTP_EHLO);
	put_str(&pl[PL_SMTP_250], SMTP_250);
	put_str(&pl[PL_SMTP_STARTTLS], SMTP_STARTTLS);
	put_str(&pl[PL_SMTP_READY], SMTP_READY);

	d = &pl[PL_SH_CERT_DONE];
	put(d, pl[PL_SH12].b, SH12_LEN);
	put(d, pl[PL_CERT].b, pl[PL_CERT].n);
	put_rec_hdr(d, TLS_CT_HANDSHAKE, 4);
	put_hs_hdr(d, TLS_HS_SERVER_HELLO_DONE, 0);

	d = &pl[PL_SH_CERT_DONE_1REC];
	put_rec_hdr(d, TLS_CT_HANDSHAKE, (SH12_LEN - 5) + 4 + CERT_BODY + 4);
	put(d, pl[PL_SH12].b + 5, SH12_LEN - 5);
	put_cert_msg(d, CERT_BODY);
	put_hs_hdr(d, TLS_HS_SERVER_HELLO_DONE, 0);

	d = &pl[PL_SH_CERT_FRAG];
	{
		struct blob m = { 0 };

		put_cert_msg(&m, CERT_BODY);
		put(d, pl[PL_SH12].b, SH12_LEN);
		put_rec_hdr(d, TLS_CT_HANDSHAKE, CERT_FRAG1);
		put(d, m.b, CERT_FRAG1);
		put_rec_hdr(d, TLS_CT_HANDSHAKE, m.n - CERT_FRAG1 + 4);
		put(d, m.b + CERT_FRAG1, m.n - CERT_FRAG1);
		put_hs_hdr(d, TLS_HS_SERVER_HELLO_DONE, 0);
	}

	d = &pl[PL_CH_CCS];
	put(d, pl[PL_CH].b, CH_LEN);
	put(d, ccs, sizeof(ccs));

	d = &pl[PL_SH_BIGCERT_DONE];
	put(d, pl[PL_SH12].b, SH12_LEN);
	put_rec_hdr(d, TLS_CT_HANDSHAKE, 4 + BIGCERT_BODY);
	put_cert_msg(d, BIGCERT_BODY);
	put_rec_hdr(d, TLS_CT_HANDSHAKE, 4);
	put_hs_hdr(d, TLS_HS_SERVER_HELLO_DONE, 0);

	d = &pl[PL_SH_DONE];
	put(d, pl[PL_SH12].b, SH12_LEN);
	put_rec_hdr(d, TLS_CT_HANDSHAKE, 4);
	put_hs_hdr(d, TLS_HS_SERVER_HELLO_DONE, 0);

	d = &pl[PL_CKE_CCS_FIN];
	put_rec_hdr(d, TLS_CT_HANDSHAKE, 4 + 66);
	put_hs_hdr(d, TLS_HS_CLIENT_KEY_EXCHANGE, 66);
	put_fill(d, 1, 65);
	put_fill(d, 65, 0x04);
	put(d, ccs, sizeof(ccs));
	put_rec_hdr(d, TLS_CT_HANDSHAKE, 40);	/* encrypted Finished: random bytes */
	put_fill(d, 40, 0x8f);

	d = &pl[PL_CCS_FIN];
	put(d, ccs, sizeof(ccs));
	put_rec_hdr(d, TLS_CT_HANDSHAKE, 40);
	put_fill(d, 40, 0xa3);

	d = &pl[PL_SH13_FLIGHT];
	put(d, pl[PL_SH13].b, SH13_LEN);
	put(d, ccs, sizeof(ccs));
	put_rec_hdr(d, TLS_CT_APPLICATION_DATA, 60);
	put_fill(d, 60, 0x17);
	put_rec_hdr(d, TLS_CT_APPLICATION_DATA, 90);
	put_fill(d, 90, 0x27);

	d = &pl[PL_CCS_APP];
	put(d, ccs, sizeof(ccs));
	put_rec_hdr(d, TLS_CT_APPLICATION_DATA, 53);
	put_fill(d, 53, 0x37);
	return 0;
}

/* ---- cases --------------------------------------------------------------- */

enum { C = 0, S = 1 };	/* who sends */
enum { END = 0, XDP, TCE, TCI };	/* the program a frame goes through */

/* Shapes: how frames are wrapped (per case, or per frame on top) */
#define K_IPOPT (1u << 0)	/* IPv4 options: client NOP+RR, server router alert */
#define K_V6EXT (1u << 1)	/* client HBH+routing+dest-opts, server dest-opts */
#define K_FRAG (1u << 2)	/* a first fragment (IPv4 MF, or IPv6 HBH+fragment) */
#define K_FRAG2 (1u << 3)	/* a later fragment */
#define K_VLAN1 (1u << 4)	/* 802.1Q */
#define K_VLAN2 (1u << 5)	/* 802.1ad + 802.1Q */
#define K_TCPOPT (1u << 6)	/* SYNs: MSS, SACK-ok, timestamps, wscale; others: timestamps */
#define K_UDP (1u << 7)

#define MAX_FRAMES 16
#define MAX_EVENTS 20

struct fspec {
	uint8_t prog;
	uint8_t from;
	uint8_t flags;
	uint8_t pl;
	uint16_t off, len;	/* slice of the payload; len 0: to its end */
	uint8_t has_seq;	/* seq below; else: a slice continues its payload's */
				/* first slice, anything else follows the sender's last byte */
	int32_t seq;		/* relative to the sender's first data byte */
	uint16_t kind;
	uint8_t ttl;		/* 0: the sender's default */
	uint16_t ipid;		/* 0: the sender's next */
	uint8_t alt;		/* the case's second port pair */
	uint8_t lost;		/* lost before the monitor: takes sequence space, never run */
};

struct xev {
	uint8_t type, dir, frame;
	int32_t seq;		/* relative to the first data byte of the sender */
	const char *sni;	/* CLIENT_HELLO */
	uint8_t syn, syn_ttl;	/* CLIENT_HELLO, SERVER_HELLO: the SYN-ACK seen before */
	uint16_t syn_ipid;
	uint16_t cipher, version;	/* SERVER_HELLO */
	uint8_t hrr;			/* SERVER_HELLO: a HelloRetryRequest */
	uint8_t hs_type, level, desc, index, flags;	/* small events */
	uint16_t rec_len;
	uint32_t msg_len, reason;
	uint16_t len;		/* BLOB: bytes; NON_TLS: segment length */
	int32_t rec_seq;	/* BLOB */
	uint8_t kind;		/* BLOB: TLSMON_BLOB_*, 0 meaning RECORD */
	uint8_t ttl;		/* when set: the event's TTL and IP ID (else the frame's) */
	uint16_t ipid;
};

struct dcase {
	const char *name;
	int family;
	uint16_t kind;
	uint16_t port[2][2];	/* {client, server} x {main, alt}; 0: defaults */
	uint32_t isn[2];	/* 0: defaults */
	int port_filter;	/* cfg.ports = { 443 } */
	int sweep_after;	/* n: after frame n - 1, sweep flows idle since before it */
	uint32_t swept;		/* flows that sweep removes */
	struct fspec fr[MAX_FRAMES];
	struct xev ev[MAX_EVENTS];
	uint64_t ctr[TLSMON_C_MAX];
};

#define PA (PKT_PSH | PKT_ACK)
#define AT(n) .has_seq = 1, .seq = (n)
#define SLICE(o, l) .off = (o), .len = (l)

/* A frame: program, sender, TCP flags, payload, then any other fspec fields */
#define FR(prog_, from_, fl, p, ...) \
	{ .prog = (prog_), .from = (from_), .flags = (fl), .pl = (p), __VA_ARGS__ }
#define SYN_C(...) FR(XDP, C, PKT_SYN, PL_NONE, __VA_ARGS__)
#define SYNACK_S(...) FR(TCE, S, PKT_SYN | PKT_ACK, PL_NONE, __VA_ARGS__)
#define ACK_C(...) FR(XDP, C, PKT_ACK, PL_NONE, __VA_ARGS__)
#define CDATA(p, ...) FR(XDP, C, PA, p, __VA_ARGS__)
#define SDATA(p, ...) FR(TCE, S, PA, p, __VA_ARGS__)
#define CCTL(fl, ...) FR(XDP, C, fl, PL_NONE, __VA_ARGS__)
#define SCTL(fl, ...) FR(TCE, S, fl, PL_NONE, __VA_ARGS__)
#define HANDSHAKE3 SYN_C(), SYNACK_S(), ACK_C()

#define EV(t, d, f, s, ...) \
	{ .type = TLSMON_EV_##t, .dir = TLSMON_DIR_##d, .frame = (f), .seq = (s), __VA_ARGS__ }
#define CH12(f, ...) EV(CLIENT_HELLO, C2S, f, 5, .sni = SNI12, __VA_ARGS__)
#define SH12(f, s, ...) \
	EV(SERVER_HELLO, S2C, f, s, .cipher = 0x0004, .version = 0x0303, __VA_ARGS__)
#define END_(d, f, s, r) EV(FLOW_END, d, f, s, .reason = TLSMON_END_##r)

/* Defaults: addresses, ports, initial sequence numbers, TTLs, first IP IDs. */
#define C_TTL 64
#define S_TTL 53
#define C_IPID0 0x1000
#define S_IPID0 0x2000
#define SYNACK_PEER .syn = 1, .syn_ttl = S_TTL, .syn_ipid = S_IPID0

/* counters: CTR(), P, PAY, REC, EVS, FC, FD, LK, SA from dp_ctr.h */
static const struct dcase cases[] = {
	{
		.name = "ipv4: ClientHello, ServerHello, fatal alert",
		.fr = { HANDSHAKE3, CDATA(PL_CH), SDATA(PL_SH12), CDATA(PL_ALERT_CU) },
		.ev = { CH12(3, SYNACK_PEER), SH12(4, 5, SYNACK_PEER),
			EV(ALERT, C2S, 5, CH_LEN, .level = 2, .desc = 46, .rec_len = 2),
			END_(C2S, 5, CH_LEN, FATAL_ALERT) },
		.ctr = CTR([P] = 5, [PAY] = 3, [REC] = 3, [EVS] = 4, [FC] = 1, [FD] = 1, [LK] = 3,
			   [SA] = 1),
	},
	{
		/* the alert is neither a hello nor a SYN/FIN/RST: the pre-filter's flow
		 * hint must find the flow through the options */
		.name = "ipv4 with IP options: ClientHello, ServerHello, fatal alert",
		.kind = K_IPOPT,
		.fr = { HANDSHAKE3, CDATA(PL_CH), SDATA(PL_SH12), CDATA(PL_ALERT_CU) },
		.ev = { CH12(3, SYNACK_PEER), SH12(4, 5, SYNACK_PEER),
			EV(ALERT, C2S, 5, CH_LEN, .level = 2, .desc = 46, .rec_len = 2),
			END_(C2S, 5, CH_LEN, FATAL_ALERT) },
		.ctr = CTR([P] = 5, [PAY] = 3, [REC] = 3, [EVS] = 4, [FC] = 1, [FD] = 1, [LK] = 3,
			   [SA] = 1),
	},
	{
		.name = "ipv6 with hop-by-hop, routing and destination options",
		.family = 6,
		.kind = K_V6EXT,
		.fr = { HANDSHAKE3, CDATA(PL_CH), SDATA(PL_SH12) },
		.ev = { CH12(3, .syn = 1, .syn_ttl = S_TTL),
			SH12(4, 5, .syn = 1, .syn_ttl = S_TTL) },
		.ctr = CTR([P] = 5, [PAY] = 2, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 2, [SA] = 1),
	},
	{
		.name = "ip fragments are counted and skipped",
		.family = 6,
		.fr = { CDATA(PL_CH, .kind = K_FRAG), CDATA(PL_CH, AT(0), .kind = K_FRAG2),
			ACK_C() },
		.ctr = CTR([P] = 2, [TLSMON_C_FRAGMENTS] = 2),
	},
	{
		.name = "ipv4 fragment (MF set) is counted and skipped",
		.fr = { CDATA(PL_CH, .kind = K_FRAG), CDATA(PL_CH, AT(0), .kind = K_FRAG2) },
		.ctr = CTR([P] = 2, [TLSMON_C_FRAGMENTS] = 2),
	},
	{
		.name = "one VLAN tag (802.1Q)",
		.kind = K_VLAN1,
		.fr = { HANDSHAKE3, CDATA(PL_CH), SDATA(PL_SH12) },
		.ev = { CH12(3, SYNACK_PEER), SH12(4, 5, SYNACK_PEER) },
		.ctr = CTR([P] = 5, [PAY] = 2, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 2, [SA] = 1),
	},
	{
		.name = "two VLAN tags (802.1ad + 802.1Q), TC ingress",
		.kind = K_VLAN2,
		.fr = { FR(TCI, C, PKT_SYN, PL_NONE), SYNACK_S(), FR(TCI, C, PA, PL_CH),
			SDATA(PL_SH12) },
		.ev = { CH12(2, SYNACK_PEER), SH12(3, 5, SYNACK_PEER) },
		.ctr = CTR([P] = 4, [PAY] = 2, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 2, [SA] = 1),
	},
	{
		.name = "TCP options",
		.kind = K_TCPOPT,
		.fr = { HANDSHAKE3, CDATA(PL_CH), SDATA(PL_SH12) },
		.ev = { CH12(3, SYNACK_PEER), SH12(4, 5, SYNACK_PEER) },
		.ctr = CTR([P] = 4, [PAY] = 2, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 2, [SA] = 1),
	},
	{
		.name = "STARTTLS: plaintext first, then TLS on port 25",
		.port = { { 40000, 40001 }, { 25, 25 } },
		.fr = { HANDSHAKE3, SDATA(PL_SMTP_220), CDATA(PL_SMTP_EHLO), SDATA(PL_SMTP_250),
			CDATA(PL_SMTP_STARTTLS), SDATA(PL_SMTP_READY), CDATA(PL_CH),
			SDATA(PL_SH12) },
		.ev = { EV(CLIENT_HELLO, C2S, 8, SLEN(SMTP_EHLO) + SLEN(SMTP_STARTTLS) + 5,
			   .sni = SNI12, SYNACK_PEER),
			SH12(9, SLEN(SMTP_220) + SLEN(SMTP_250) + SLEN(SMTP_READY) + 5,
			     SYNACK_PEER) },
		.ctr = CTR([P] = 4, [PAY] = 2, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 2, [SA] = 1),
	},
	{
		.name = "several records in one segment",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_CERT_DONE) },
		.ev = { CH12(0), SH12(1, 5),
			EV(HS_MSG, S2C, 1, SH12_LEN + 5, .hs_type = TLS_HS_CERTIFICATE,
			   .rec_len = 4 + CERT_BODY, .msg_len = CERT_BODY),
			/* the Certificate record goes to userspace for its chain */
			EV(BLOB, S2C, 1, SH12_LEN, .len = 9 + CERT_BODY, .rec_seq = SH12_LEN,
			   .kind = TLSMON_BLOB_CERT),
			EV(HS_MSG, S2C, 1, SH12_LEN + 9 + CERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4) },
		.ctr = CTR([P] = 2, [PAY] = 2, [REC] = 4, [EVS] = 5, [FC] = 1, [LK] = 2,
			   [TLSMON_C_BLOB_BYTES] = 9 + CERT_BODY),
	},
	{
		.name = "several handshake messages in one record",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_CERT_DONE_1REC) },
		.ev = { CH12(0), SH12(1, 5),
			EV(HS_MSG, S2C, 1, SH12_LEN, .hs_type = TLS_HS_CERTIFICATE,
			   .rec_len = SH12_LEN - 5 + 8 + CERT_BODY, .msg_len = CERT_BODY),
			EV(HS_MSG, S2C, 1, SH12_LEN + 4 + CERT_BODY,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE,
			   .rec_len = SH12_LEN - 5 + 8 + CERT_BODY),
			/* the whole record, for the Certificate in it */
			EV(BLOB, S2C, 1, 0, .len = SH12_LEN + 8 + CERT_BODY, .rec_seq = 0,
			   .kind = TLSMON_BLOB_CERT) },
		.ctr = CTR([P] = 2, [PAY] = 2, [REC] = 2, [EVS] = 5, [FC] = 1, [LK] = 2,
			   [TLSMON_C_BLOB_BYTES] = SH12_LEN + 8 + CERT_BODY),
	},
	{
		.name = "a Certificate fragmented over two records in one segment",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_CERT_FRAG) },
		.ev = { CH12(0), SH12(1, 5),
			EV(HS_MSG, S2C, 1, SH12_LEN + 5, .hs_type = TLS_HS_CERTIFICATE,
			   .rec_len = CERT_FRAG1, .msg_len = CERT_BODY, .flags = TLSMON_SF_PARTIAL),
			EV(BLOB, S2C, 1, SH12_LEN, .len = 5 + CERT_FRAG1, .rec_seq = SH12_LEN,
			   .kind = TLSMON_BLOB_CERT),
			/* the second record begins with the rest of the message: skipped */
			EV(HS_MSG, S2C, 1, SH12_LEN + 5 + CERT_FRAG1 + 5 + 4 + CERT_BODY - CERT_FRAG1,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4 + CERT_BODY - CERT_FRAG1 + 4),
			/* and goes to userspace too, in the same window */
			EV(BLOB, S2C, 1, SH12_LEN + 5 + CERT_FRAG1, .len = 5 + 4 + CERT_BODY - CERT_FRAG1 + 4,
			   .rec_seq = SH12_LEN, .kind = TLSMON_BLOB_CERT) },
		.ctr = CTR([P] = 2, [PAY] = 2, [REC] = 4, [EVS] = 6, [FC] = 1, [LK] = 2,
			   [TLSMON_C_BLOB_BYTES] = 5 + CERT_FRAG1 + 5 + 4 + CERT_BODY - CERT_FRAG1 + 4),
	},
	{
		.name = "ClientHello over 3 segments, then the next record",
		.fr = { HANDSHAKE3, CDATA(PL_CH_CCS, SLICE(0, 200)),
			CDATA(PL_CH_CCS, SLICE(200, 200)),
			CDATA(PL_CH_CCS, SLICE(400, 0)), SDATA(PL_SH12) },
		.ev = { EV(BLOB, C2S, 3, 0, .len = 200, .rec_seq = 0, SYNACK_PEER),
			EV(BLOB, C2S, 4, 200, .len = 200, .rec_seq = 0, SYNACK_PEER),
			EV(BLOB, C2S, 5, 400, .len = CH_LEN - 400, .rec_seq = 0, SYNACK_PEER),
			EV(CCS, C2S, 5, CH_LEN, .rec_len = 1), SH12(6, 5, SYNACK_PEER) },
		.ctr = CTR([P] = 6, [PAY] = 4, [REC] = 3, [EVS] = 5, [FC] = 1, [LK] = 4, [SA] = 1,
			   [TLSMON_C_BLOB_BYTES] = CH_LEN),
	},
	{
		.name = "ClientHello record header cut after the connection's first 3 bytes",
		.fr = { CDATA(PL_CH, SLICE(0, 3)), CDATA(PL_CH, SLICE(3, 0)), SDATA(PL_SH12) },
		.ev = { CH12(1), SH12(2, 5) },
		.ctr = CTR([P] = 3, [PAY] = 3, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 3),
	},
	{
		.name = "HelloRetryRequest: compatibility CCS both ways, then a second ClientHello",
		.fr = { CDATA(PL_HRR_CH1), SDATA(PL_HRR_SH_CCS), CDATA(PL_HRR_CCS_CH2) },
		.ev = { EV(CLIENT_HELLO, C2S, 0, 5, .sni = ""),
			EV(SERVER_HELLO, S2C, 1, 5, .cipher = 0x1302, .version = 0x0304, .hrr = 1),
			EV(CCS, S2C, 1, HRR_LEN, .rec_len = 1),
			EV(CCS, C2S, 2, HRR_CH1_LEN, .rec_len = 1),
			EV(CLIENT_HELLO, C2S, 2, HRR_CH1_LEN + 6 + 5, .sni = "") },
		.ctr = CTR([P] = 3, [PAY] = 3, [REC] = 5, [EVS] = 5, [FC] = 1, [LK] = 3),
	},
	{
		.name = "Certificate over 3 segments, then ServerHelloDone",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_BIGCERT_DONE, SLICE(0, 1400)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(1400, 1400)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(2800, 0)) },
		.ev = { CH12(0), SH12(1, 5),
			EV(BLOB, S2C, 1, SH12_LEN, .len = 1400 - SH12_LEN, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 2, 1400, .len = 1400, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 3, 2800, .len = SH12_LEN + 9 + BIGCERT_BODY - 2800,
			   .rec_seq = SH12_LEN),
			EV(HS_MSG, S2C, 3, SH12_LEN + 9 + BIGCERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4) },
		.ctr = CTR([P] = 4, [PAY] = 4, [REC] = 4, [EVS] = 6, [FC] = 1, [LK] = 4,
			   [TLSMON_C_BLOB_BYTES] = 9 + BIGCERT_BODY),
	},
	{
		.name = "record header split across two segments",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_DONE, SLICE(0, SH12_LEN + 2)),
			SDATA(PL_SH_DONE, SLICE(SH12_LEN + 2, 0)) },
		.ev = { CH12(0), SH12(1, 5),
			EV(HS_MSG, S2C, 2, SH12_LEN + 5, .hs_type = TLS_HS_SERVER_HELLO_DONE,
			   .rec_len = 4) },
		.ctr = CTR([P] = 3, [PAY] = 3, [REC] = 3, [EVS] = 3, [FC] = 1, [LK] = 3),
	},
	{
		.name = "record header split, the record larger than the next segment",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_BIGCERT_DONE, SLICE(0, SH12_LEN + 3)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(SH12_LEN + 3, 1400)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(SH12_LEN + 1403, 0)) },
		.ev = { CH12(0), SH12(1, 5),
			EV(BLOB, S2C, 2, SH12_LEN, .len = 3, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 2, SH12_LEN + 3, .len = 1400, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 3, SH12_LEN + 1403, .len = 9 + BIGCERT_BODY - 1403,
			   .rec_seq = SH12_LEN),
			EV(HS_MSG, S2C, 3, SH12_LEN + 9 + BIGCERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4) },
		.ctr = CTR([P] = 4, [PAY] = 4, [REC] = 4, [EVS] = 6, [FC] = 1, [LK] = 4,
			   [TLSMON_C_BLOB_BYTES] = 9 + BIGCERT_BODY),
	},
	{
		.name = "retransmitted and out-of-order segments",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_CERT_DONE, SLICE(0, SH12_LEN)),
			/* ServerHelloDone before the Certificate: the walk resyncs at its
			 * header, the Certificate fills the hole it left */
			SDATA(PL_SH_CERT_DONE, SLICE(SH12_LEN + 9 + CERT_BODY, 0)),
			SDATA(PL_SH_CERT_DONE, SLICE(SH12_LEN, 9 + CERT_BODY)),
			SDATA(PL_SH_CERT_DONE, SLICE(SH12_LEN + 9 + CERT_BODY, 0)),
			/* retransmissions: the same bytes again, and repacketized */
			SDATA(PL_SH_CERT_DONE, AT(0), SLICE(0, SH12_LEN)),
			SDATA(PL_SH_CERT_DONE, AT(0)),
			CDATA(PL_CH, AT(0)), CDATA(PL_CH, AT(0), SLICE(0, 100)) },
		.ev = { CH12(0), SH12(1, 5),
			EV(HS_MSG, S2C, 2, SH12_LEN + 9 + CERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4),
			EV(HS_MSG, S2C, 3, SH12_LEN + 5, .hs_type = TLS_HS_CERTIFICATE,
			   .rec_len = 4 + CERT_BODY, .msg_len = CERT_BODY),
			EV(BLOB, S2C, 3, SH12_LEN, .len = 9 + CERT_BODY, .rec_seq = SH12_LEN,
			   .kind = TLSMON_BLOB_CERT) },
		.ctr = CTR([P] = 9, [PAY] = 9, [REC] = 4, [EVS] = 5, [FC] = 1, [LK] = 9,
			   [TLSMON_C_RESYNC] = 1, [TLSMON_C_HOLE_FILLED] = 1,
			   [TLSMON_C_BLOB_BYTES] = 9 + CERT_BODY),
	},
	{
		.name = "retransmission inside a multi-segment record",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_BIGCERT_DONE, SLICE(0, 1400)),
			SDATA(PL_SH_BIGCERT_DONE, AT(0), SLICE(0, 1400)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(1400, 1400)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(1400, 1400)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(2800, 0)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(2800, 0)) },
		.ev = { CH12(0), SH12(1, 5),
			EV(BLOB, S2C, 1, SH12_LEN, .len = 1400 - SH12_LEN, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 3, 1400, .len = 1400, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 5, 2800, .len = SH12_LEN + 9 + BIGCERT_BODY - 2800,
			   .rec_seq = SH12_LEN),
			EV(HS_MSG, S2C, 5, SH12_LEN + 9 + BIGCERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4) },
		.ctr = CTR([P] = 7, [PAY] = 7, [REC] = 4, [EVS] = 6, [FC] = 1, [LK] = 7,
			   [TLSMON_C_BLOB_BYTES] = 9 + BIGCERT_BODY),
	},
	{
		.name = "reordered segments inside a multi-segment record",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_BIGCERT_DONE, SLICE(0, 1000)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(2000, 1000)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(1000, 1000)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(3000, 0)),
			SDATA(PL_SH_BIGCERT_DONE, SLICE(2000, 1000)) },
		.ev = { CH12(0), SH12(1, 5),
			EV(BLOB, S2C, 1, SH12_LEN, .len = 1000 - SH12_LEN, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 2, 2000, .len = 1000, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 3, 1000, .len = 1000, .rec_seq = SH12_LEN),
			EV(BLOB, S2C, 4, 3000, .len = SH12_LEN + 9 + BIGCERT_BODY - 3000,
			   .rec_seq = SH12_LEN),
			EV(HS_MSG, S2C, 4, SH12_LEN + 9 + BIGCERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4) },
		.ctr = CTR([P] = 6, [PAY] = 6, [REC] = 4, [EVS] = 7, [FC] = 1, [LK] = 6,
			   [TLSMON_C_BLOB_BYTES] = 9 + BIGCERT_BODY),
	},
	{
		.name = "a ServerHello starts tracking when the ClientHello was missed",
		.fr = { CDATA(PL_CH, .lost = 1), SDATA(PL_SH_CERT_DONE), CDATA(PL_CKE_CCS_FIN) },
		.ev = { SH12(1, 5),
			EV(HS_MSG, S2C, 1, SH12_LEN + 5, .hs_type = TLS_HS_CERTIFICATE,
			   .rec_len = 4 + CERT_BODY, .msg_len = CERT_BODY),
			EV(BLOB, S2C, 1, SH12_LEN, .len = 9 + CERT_BODY, .rec_seq = SH12_LEN,
			   .kind = TLSMON_BLOB_CERT),
			EV(HS_MSG, S2C, 1, SH12_LEN + 9 + CERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4),
			EV(HS_MSG, C2S, 2, CH_LEN + 5, .hs_type = TLS_HS_CLIENT_KEY_EXCHANGE,
			   .rec_len = 70, .msg_len = 66),
			EV(CCS, C2S, 2, CH_LEN + 75, .rec_len = 1),
			EV(HS_MSG, C2S, 2, CH_LEN + 81, .flags = TLSMON_SF_ENCRYPTED,
			   .rec_len = 40) },
		.ctr = CTR([P] = 2, [PAY] = 2, [REC] = 6, [EVS] = 7, [FC] = 1, [LK] = 2,
			   [TLSMON_C_BLOB_BYTES] = 9 + CERT_BODY),
	},
	{
		.name = "idle flows swept: their hints go with them",
		.sweep_after = 2,
		.swept = 1,
		/* the first connection is swept: its next record costs no lookup */
		.fr = { CDATA(PL_CH), CDATA(PL_CH, .alt = 1), SDATA(PL_CERT),
			SDATA(PL_SH12, .alt = 1) },
		.ev = { CH12(0), CH12(1), SH12(3, 5) },
		.ctr = CTR([P] = 3, [PAY] = 3, [REC] = 3, [EVS] = 3, [FC] = 2, [LK] = 3),
	},
	{
		/* the server's FIN comes first: the flow waits for the bytes before it */
		.name = "a fatal alert lost before us, the FIN, then the alert's retransmission",
		.fr = { CDATA(PL_CH), SDATA(PL_ALERT_CU, .lost = 1), SCTL(PKT_FIN | PKT_ACK),
			SDATA(PL_ALERT_CU, AT(0)) },
		.ev = { CH12(0), EV(TCP_FIN, S2C, 2, 7),
			EV(ALERT, S2C, 3, 0, .level = 2, .desc = 46, .rec_len = 2),
			END_(S2C, 3, 0, FATAL_ALERT) },
		.ctr = CTR([P] = 3, [PAY] = 2, [REC] = 2, [EVS] = 4, [FC] = 1, [FD] = 1, [LK] = 3),
	},
	{
		.name = "RST from the server",
		.fr = { HANDSHAKE3, CDATA(PL_CH),
			SCTL(PKT_RST | PKT_ACK, .ttl = 250, .ipid = 0xbeef),
			/* the flow is gone: a second RST costs no lookup */
			SCTL(PKT_RST | PKT_ACK) },
		.ev = { CH12(3, SYNACK_PEER),
			EV(TCP_RST, S2C, 4, 0, .ttl = 250, .ipid = 0xbeef),
			EV(FLOW_END, S2C, 4, 0, .reason = TLSMON_END_RST, .ttl = 250,
			   .ipid = 0xbeef) },
		/* the RST's ring record carries the flow's end: 2 records, 3 events */
		.ctr = CTR([P] = 5, [PAY] = 1, [REC] = 1, [EVS] = 2, [FC] = 1, [FD] = 1, [LK] = 2,
			   [SA] = 1),
	},
	{
		.name = "close_notify with FIN from the server, then the client's FIN",
		.fr = { CDATA(PL_CH), SDATA(PL_SH12),
			FR(TCE, S, PA | PKT_FIN, PL_CLOSE_NOTIFY, .ttl = 61, .ipid = 0x7777),
			CCTL(PKT_FIN | PKT_ACK) },
		.ev = { CH12(0), SH12(1, 5),
			EV(ALERT, S2C, 2, SH12_LEN, .level = 1, .desc = 0, .rec_len = 2),
			EV(TCP_FIN, S2C, 2, SH12_LEN + 7, .ttl = 61, .ipid = 0x7777),
			EV(FLOW_END, S2C, 2, SH12_LEN + 7, .reason = TLSMON_END_FIN) },
		/* the FIN carries the flow's end (TLSMON_SF_ENDS): one ring record */
		.ctr = CTR([P] = 4, [PAY] = 3, [REC] = 3, [EVS] = 4, [FC] = 1, [FD] = 1, [LK] = 3),
	},
	{
		.name = "FIN from the client after the ServerHello",
		.fr = { CDATA(PL_CH), SDATA(PL_SH12), CCTL(PKT_FIN | PKT_ACK) },
		.ev = { CH12(0), SH12(1, 5), EV(TCP_FIN, C2S, 2, CH_LEN),
			END_(C2S, 2, CH_LEN, FIN) },
		/* the FIN carries the flow's end: one ring record */
		.ctr = CTR([P] = 3, [PAY] = 2, [REC] = 2, [EVS] = 3, [FC] = 1, [FD] = 1, [LK] = 3),
	},
	{
		.name = "a new SYN on a tracked connection ends the flow",
		.fr = { CDATA(PL_CH), SYN_C() },
		.ev = { CH12(0), END_(C2S, 1, 0, REUSED) },
		.ctr = CTR([P] = 2, [PAY] = 1, [REC] = 1, [EVS] = 2, [FC] = 1, [FD] = 1, [LK] = 2),
	},
	{
		.name = "SYN-ACK TTL and IP ID in the hellos' peer info",
		.fr = { SYN_C(), SYNACK_S(.ttl = 47, .ipid = 0x4242),
			ACK_C(), CDATA(PL_CH), SDATA(PL_SH12) },
		.ev = { CH12(3, .syn = 1, .syn_ttl = 47, .syn_ipid = 0x4242),
			SH12(4, 5, .syn = 1, .syn_ttl = 47, .syn_ipid = 0x4242) },
		.ctr = CTR([P] = 4, [PAY] = 2, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 2, [SA] = 1),
	},
	{
		.name = "no SYN-ACK seen: no peer info",
		.fr = { CDATA(PL_CH) },
		.ev = { CH12(0) },
		.ctr = CTR([P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 1, [FC] = 1, [LK] = 1),
	},
	{
		.name = "a non-TLS answer from the server",
		.fr = { HANDSHAKE3, CDATA(PL_CH), SDATA(PL_HTTP400),
			SCTL(PKT_FIN | PKT_ACK) },
		.ev = { CH12(3, SYNACK_PEER), EV(NON_TLS, S2C, 4, 0, .len = SLEN(HTTP400)),
			END_(S2C, 4, 0, NON_TLS) },
		.ctr = CTR([P] = 5, [PAY] = 2, [REC] = 1, [EVS] = 3, [FC] = 1, [FD] = 1, [LK] = 2,
			   [SA] = 1),
	},
	{
		.name = "fast path: no map work for what cannot start a handshake",
		.fr = { CDATA(PL_CH, .alt = 1),	/* another connection is tracked meanwhile */
			CDATA(PL_CH, .kind = K_UDP), ACK_C(), CDATA(PL_HTTP_GET),
			SDATA(PL_APP), CDATA(PL_APP), SDATA(PL_ALERT_CU), SDATA(PL_CERT),
			SYNACK_S(.kind = K_UDP) },
		.ev = { CH12(0) },
		.ctr = CTR([P] = 2, [PAY] = 1, [REC] = 1, [EVS] = 1, [FC] = 1, [LK] = 1),
	},
	{
		.name = "port filter: other ports are left alone",
		.port_filter = 1,
		.port = { { 40000, 40001 }, { 8443, 443 } },
		.fr = { SYN_C(), SYNACK_S(), CDATA(PL_CH), SDATA(PL_SH12), ACK_C(),
			CDATA(PL_CH, .alt = 1), SDATA(PL_SH12, .alt = 1) },
		.ev = { CH12(5), SH12(6, 5) },
		.ctr = CTR([P] = 6, [PAY] = 2, [REC] = 2, [EVS] = 2, [FC] = 1, [LK] = 2,
			   [TLSMON_C_PORT_FILTERED] = 4),
	},
	{
		.name = "TLS 1.2 settles on the first application data both ways",
		.fr = { CDATA(PL_CH), SDATA(PL_SH_CERT_DONE), CDATA(PL_CKE_CCS_FIN),
			SDATA(PL_CCS_FIN), CDATA(PL_APP), SDATA(PL_APP), CDATA(PL_APP) },
		.ev = { CH12(0), SH12(1, 5),
			EV(HS_MSG, S2C, 1, SH12_LEN + 5, .hs_type = TLS_HS_CERTIFICATE,
			   .rec_len = 4 + CERT_BODY, .msg_len = CERT_BODY),
			EV(BLOB, S2C, 1, SH12_LEN, .len = 9 + CERT_BODY, .rec_seq = SH12_LEN,
			   .kind = TLSMON_BLOB_CERT),
			EV(HS_MSG, S2C, 1, SH12_LEN + 9 + CERT_BODY + 5,
			   .hs_type = TLS_HS_SERVER_HELLO_DONE, .rec_len = 4),
			EV(HS_MSG, C2S, 2, CH_LEN + 5, .hs_type = TLS_HS_CLIENT_KEY_EXCHANGE,
			   .rec_len = 70, .msg_len = 66),
			EV(CCS, C2S, 2, CH_LEN + 75, .rec_len = 1),
			EV(HS_MSG, C2S, 2, CH_LEN + 81, .flags = TLSMON_SF_ENCRYPTED,
			   .rec_len = 40),
			EV(CCS, S2C, 3, SH12_LEN + 9 + CERT_BODY + 9, .rec_len = 1),
			EV(HS_MSG, S2C, 3, SH12_LEN + 9 + CERT_BODY + 15,
			   .flags = TLSMON_SF_ENCRYPTED, .rec_len = 40),
			EV(APPDATA, C2S, 4, CH_LEN + 126, .index = 0, .rec_len = 48),
			EV(APPDATA, S2C, 5, SH12_LEN + 9 + CERT_BODY + 60, .index = 0,
			   .rec_len = 48),
			END_(S2C, 5, SH12_LEN + 9 + CERT_BODY + 113, SETTLED) },
		.ctr = CTR([P] = 6, [PAY] = 6, [REC] = 11, [EVS] = 13, [FC] = 1, [FD] = 1,
			   [LK] = 6, [TLSMON_C_BLOB_BYTES] = 9 + CERT_BODY),
	},
	{
		.name = "TLS 1.3 settles: client's second record after the server's",
		.fr = { CDATA(PL_CH13), SDATA(PL_SH13_FLIGHT), CDATA(PL_CCS_APP), CDATA(PL_APP),
			SDATA(PL_APP) },
		.ev = { EV(CLIENT_HELLO, C2S, 0, 5, .sni = SNI13),
			EV(SERVER_HELLO, S2C, 1, 5, .cipher = 0x1301, .version = 0x0304),
			EV(CCS, S2C, 1, SH13_LEN, .rec_len = 1),
			EV(APPDATA, S2C, 1, SH13_LEN + 6, .index = 0, .rec_len = 60),
			EV(APPDATA, S2C, 1, SH13_LEN + 71, .index = 1, .rec_len = 90),
			EV(CCS, C2S, 2, CH_LEN, .rec_len = 1),
			EV(APPDATA, C2S, 2, CH_LEN + 6, .index = 0, .rec_len = 53),
			EV(APPDATA, C2S, 3, CH_LEN + 64, .index = 1, .rec_len = 48),
			EV(APPDATA, S2C, 4, SH13_LEN + 166, .index = 2, .rec_len = 48),
			END_(S2C, 4, SH13_LEN + 166 + 53, SETTLED) },
		.ctr = CTR([P] = 5, [PAY] = 5, [REC] = 9, [EVS] = 10, [FC] = 1, [FD] = 1, [LK] = 5),
	},
	{
		.name = "TLS 1.3 settles: server's record between the client's two",
		.fr = { CDATA(PL_CH13), SDATA(PL_SH13_FLIGHT), CDATA(PL_CCS_APP), SDATA(PL_APP),
			CDATA(PL_APP), SDATA(PL_APP) },
		.ev = { EV(CLIENT_HELLO, C2S, 0, 5, .sni = SNI13),
			EV(SERVER_HELLO, S2C, 1, 5, .cipher = 0x1301, .version = 0x0304),
			EV(CCS, S2C, 1, SH13_LEN, .rec_len = 1),
			EV(APPDATA, S2C, 1, SH13_LEN + 6, .index = 0, .rec_len = 60),
			EV(APPDATA, S2C, 1, SH13_LEN + 71, .index = 1, .rec_len = 90),
			EV(CCS, C2S, 2, CH_LEN, .rec_len = 1),
			EV(APPDATA, C2S, 2, CH_LEN + 6, .index = 0, .rec_len = 53),
			EV(APPDATA, S2C, 3, SH13_LEN + 166, .index = 2, .rec_len = 48),
			EV(APPDATA, C2S, 4, CH_LEN + 64, .index = 1, .rec_len = 48),
			END_(C2S, 4, CH_LEN + 64 + 53, SETTLED) },
		.ctr = CTR([P] = 5, [PAY] = 5, [REC] = 9, [EVS] = 10, [FC] = 1, [FD] = 1, [LK] = 5),
	},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* ---- building a case's frames -------------------------------------------- */

#define DEF_ISN_C 0x10000000u
#define DEF_ISN_S 0xfffff000u	/* the server's sequence numbers wrap mid-handshake */
#define STREAM_MAX 8192

struct frame {
	uint8_t b[PKT_MAX];
	size_t len;
	const struct fspec *fs;
	uint8_t ttl, flags;
	uint16_t ipid;
	uint32_t seq, ack;	/* as on the wire */
	int hook;
};

struct built {
	struct frame f[MAX_FRAMES];
	int n;
	int family;
	uint8_t addr[2][16];		/* client, server: as pkt_spec takes them */
	uint8_t ev_addr[2][16];		/* and as events carry them (IPv4-mapped) */
	uint16_t port[2][2];		/* [alt][side] */
	uint32_t isn[2];
	uint8_t stream[2][2][STREAM_MAX];	/* [alt][side]: the bytes each side sent */
};

static const uint8_t ipopt_c[] = { 1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0 };	/* NOP, RR */
static const uint8_t ipopt_s[] = { 148, 4, 0, 0 };				/* router alert */

static void shape(struct pkt_spec *ps, unsigned kind, int side)
{
	static const uint8_t v6e[][3] = { { IPPROTO_HOPOPTS, 0 }, { IPPROTO_ROUTING, 2 },
					  { IPPROTO_DSTOPTS, 0 } };
	int i;

	if (kind & K_IPOPT) {
		ps->ip_opts = side == C ? ipopt_c : ipopt_s;
		ps->ip_opts_len = side == C ? sizeof(ipopt_c) : sizeof(ipopt_s);
	}
	if (kind & K_V6EXT) {
		for (i = side == C ? 0 : 2; i < 3; i++) {
			ps->ext6[ps->n_ext6].type = v6e[i][0];
			ps->ext6[ps->n_ext6++].units = v6e[i][1];
		}
	}
	if (kind & (K_FRAG | K_FRAG2)) {
		if (ps->family == 4) {
			ps->ip_more_frags = !!(kind & K_FRAG);
			ps->ip_frag_off = kind & K_FRAG2 ? 64 : 0;
		} else {
			ps->ext6[ps->n_ext6++] = (struct pkt_ext6){ .type = IPPROTO_HOPOPTS };
			ps->ext6[ps->n_ext6++] = (struct pkt_ext6){
				.type = IPPROTO_FRAGMENT, .more = !!(kind & K_FRAG),
				.frag_off = kind & K_FRAG2 ? 64 : 0, .frag_id = 0x5eed };
		}
	}
	if (kind & K_VLAN1) {
		ps->n_vlans = 1;
		ps->vlan[0] = (struct pkt_vlan){ 0x8100, 100 };
	}
	if (kind & K_VLAN2) {
		ps->n_vlans = 2;
		ps->vlan[0] = (struct pkt_vlan){ 0x88a8, 10 };
		ps->vlan[1] = (struct pkt_vlan){ 0x8100, 20 };
	}
	if (kind & K_TCPOPT) {
		if (ps->tcp_flags & PKT_SYN) {
			ps->opt.mss = 1460;
			ps->opt.sack_ok = 1;
			ps->opt.wscale_on = 1;
			ps->opt.wscale = 7;
		}
		ps->opt.ts = 1;
		ps->opt.tsval = 0x01020304 + side;
		ps->opt.tsecr = 0x0a0b0c0d;
	}
	ps->udp = !!(kind & K_UDP);
}

static void build(const struct dcase *c, struct built *b)
{
	uint32_t hi[2][2] = { { 0 } }, base[2][2] = { { 0 } };
	uint16_t ipid[2] = { C_IPID0, S_IPID0 };
	int i, side, alt;

	memset(b, 0, sizeof(*b));
	b->family = c->family == 6 ? 6 : 4;
	if (c->family == 6) {
		pkt_ip6(b->addr[C], "2001:db8:1::10");
		pkt_ip6(b->addr[S], "2001:db8:2::443");
	} else {
		pkt_ip4(b->addr[C], 10, 0, 0, 1);
		pkt_ip4(b->addr[S], 10, 0, 0, 2);
	}
	for (side = 0; side < 2; side++) {
		memcpy(b->ev_addr[side], b->addr[side], 16);
		if (b->family == 4)
			np_v4_mapped(b->ev_addr[side], b->addr[side]);
	}
	for (alt = 0; alt < 2; alt++) {
		b->port[alt][C] = c->port[C][alt] ? c->port[C][alt] : 40000 + alt;
		b->port[alt][S] = c->port[S][alt] ? c->port[S][alt] : 443;
	}
	b->isn[C] = c->isn[C] ? c->isn[C] : DEF_ISN_C;
	b->isn[S] = c->isn[S] ? c->isn[S] : DEF_ISN_S;
	for (i = 0; i < MAX_FRAMES && c->fr[i].prog != END; i++) {
		const struct fspec *fs = &c->fr[i];
		struct frame *f = &b->f[i];
		struct pkt_spec ps = { .family = c->family == 6 ? 6 : 4 };
		const struct blob *p = &pl[fs->pl];
		uint32_t rel, len;

		side = fs->from;
		alt = fs->alt;
		assert_true(fs->off <= p->n);
		len = fs->len ? fs->len : p->n - fs->off;
		assert_true(fs->off + len <= p->n);
		if (fs->has_seq)
			rel = fs->seq;
		else
			rel = fs->off ? base[alt][side] + fs->off : hi[alt][side];
		base[alt][side] = rel - fs->off;
		assert_true(rel + len <= STREAM_MAX);
		memcpy(b->stream[alt][side] + rel, p->b + fs->off, len);
		if (rel + len > hi[alt][side])
			hi[alt][side] = rel + len;

		memcpy(ps.src, b->addr[side], 16);
		memcpy(ps.dst, b->addr[!side], 16);
		ps.sport = b->port[alt][side];
		ps.dport = b->port[alt][!side];
		ps.tcp_flags = fs->flags;
		ps.seq = fs->flags & PKT_SYN ? b->isn[side] : b->isn[side] + 1 + rel;
		ps.ack = fs->flags & PKT_ACK ? b->isn[!side] + 1 + hi[alt][!side] : 0;
		ps.ttl = fs->ttl ? fs->ttl : side == C ? C_TTL : S_TTL;
		ps.ip_id = fs->ipid ? fs->ipid : ipid[side]++;
		ps.payload = p->b + fs->off;
		ps.len = len;
		shape(&ps, c->kind | fs->kind, side);
		f->len = pkt_build(f->b, sizeof(f->b), &ps);
		assert_true(f->len > 0);
		f->fs = fs;
		f->ttl = ps.ttl;
		f->ipid = ps.family == 6 ? 0 : ps.ip_id;
		f->flags = fs->flags;
		f->seq = ps.seq;
		f->ack = ps.ack;
		f->hook = fs->prog == XDP   ? TLSMON_HOOK_XDP
			  : fs->prog == TCE ? TLSMON_HOOK_TC_EGRESS
					    : TLSMON_HOOK_TC_INGRESS;
	}
	b->n = i;
}

/* ---- running it ---------------------------------------------------------- */

/* at most 64 events a case: more is a failure of its own */
static struct evlist kern = { .max = 64 }, user = { .max = 64 };
static struct bpf_dp *dp, *dp_ports;
static char open_err[512];
static struct built bt;

static const char *prog_name(int prog)
{
	return prog == XDP ? "tlsmon_xdp" : prog == TCE ? "tlsmon_tc_egress" : "tlsmon_tc_ingress";
}

static struct bpf_dp *load(int port_filter, char *err, size_t len)
{
	struct bpf_dp_opts o = { .max_flows = 4096, .ringbuf_bytes = 1 << 20,
				 .cfg = TLSMON_DP_CFG_DEFAULT };
	struct bpf_dp *d;

	if (port_filter) {
		o.cfg.ports[0] = 443;
		o.cfg.n_ports = 1;
	}
	if (bpf_dp_open(&d, &o, evlist_collect, &kern, err, len))
		return NULL;
	return d;
}

/* Returns the flows left; *swept: how many the case's sweep removed. */
static void run_kernel(const struct dcase *c, uint64_t ctr[TLSMON_C_MAX], uint32_t *live,
		       uint32_t *swept)
{
	struct bpf_dp *d = c->port_filter ? dp_ports : dp;
	struct bpf_dp_flow_stats st = { 0 };
	const struct tlsmon_ev_hdr *h;
	int i, rc;

	bpf_dp_reset(d);
	evlist_clear(&kern);
	*swept = 0;
	for (i = 0; i < bt.n; i++) {
		kern.cur_frame = i;
		if (bt.f[i].fs->lost)
			continue;
		rc = bpf_dp_test_run(d, prog_name(bt.f[i].fs->prog), bt.f[i].b, bt.f[i].len);
		if (bt.f[i].fs->prog == XDP)
			assert_int_equal(rc, 2);	/* XDP_PASS */
		else
			assert_int_equal(rc, -1);	/* TC_ACT_UNSPEC */
		if (i + 1 == c->sweep_after) {
			/* the kernel's clock: the time of this frame's last event */
			assert_true(kern.n > 0 && kern.frame[kern.n - 1] == (uint64_t)i);
			h = (const void *)kern.ev[kern.n - 1];
			bpf_dp_sweep(d, h->ts_ns, &st);
			*swept = st.expired;
		}
	}
	bpf_dp_counters(d, ctr);
	bpf_dp_sweep(d, 0, &st);
	*live = st.live;
}

static void run_user(const struct dcase *c, uint64_t ctr[TLSMON_C_MAX], uint32_t *live,
		     uint32_t *swept)
{
	struct dp_user *du = dp_user_new(4096, evlist_collect, &user);
	int i;

	assert_non_null(du);
	if (c->port_filter) {
		dp_user_cfg(du)->ports[0] = 443;
		dp_user_cfg(du)->n_ports = 1;
	}
	evlist_clear(&user);
	*swept = 0;
	for (i = 0; i < bt.n; i++) {
		user.cur_frame = i;
		if (bt.f[i].fs->lost)
			continue;
		dp_user_frame(du, bt.f[i].b, bt.f[i].len, 1000000ull * (i + 1), 1, bt.f[i].hook);
		if (i + 1 == c->sweep_after)
			*swept = dp_user_expire(du, 1000000ull * (i + 1));
	}
	memcpy(ctr, dp_user_counters(du), TLSMON_C_MAX * sizeof(uint64_t));
	*live = dp_user_flow_count(du);
	dp_user_free(du);
}

/* ---- checking ------------------------------------------------------------ */

static int ct_of(int type)
{
	switch (type) {
	case TLSMON_EV_ALERT:
		return TLS_CT_ALERT;
	case TLSMON_EV_CCS:
		return TLS_CT_CHANGE_CIPHER_SPEC;
	case TLSMON_EV_HS_MSG:
		return TLS_CT_HANDSHAKE;
	case TLSMON_EV_APPDATA:
		return TLS_CT_APPLICATION_DATA;
	}
	return 0;
}

static char why[256];

#define MISMATCH(...) (snprintf(why, sizeof(why), __VA_ARGS__), -1)
#define FIELD(name, got, want)                                                         \
	do {                                                                           \
		if ((uint64_t)(got) != (uint64_t)(want))                               \
			return MISMATCH("%s is %llu (0x%llx), expected %llu (0x%llx)", \
					name, (unsigned long long)(got),               \
					(unsigned long long)(got),                     \
					(unsigned long long)(want),                    \
					(unsigned long long)(want));                   \
	} while (0)

/*
 * Peer info is the flow's, taken from the packet that created it: peer_ack is
 * that packet's ACK number in every event (also a second ClientHello's).
 */
static uint32_t creator_ack[2];

static int check_peer(const struct tlsmon_peer_info *p, const struct xev *x)
{
	FIELD("peer.peer_ack", p->peer_ack, creator_ack[bt.f[x->frame].fs->alt]);
	FIELD("peer.synack_seen", p->synack_seen, x->syn);
	FIELD("peer.synack_ttl", p->synack_ttl, x->syn_ttl);
	FIELD("peer.synack_ip_id", p->synack_ip_id, x->syn_ipid);
	return 0;
}

/* One event against its expectation; on a mismatch, why[] says which field. */
static int check_one(const uint8_t *ev, size_t size, int frame, const struct xev *x)
{
	const struct tlsmon_ev_hdr *h = (const void *)ev;
	const struct frame *f = &bt.f[x->frame];
	int side = x->dir == TLSMON_DIR_C2S ? C : S, alt = f->fs->alt;
	uint32_t base = bt.isn[side] + 1;
	const uint8_t *stream = bt.stream[alt][side];

	if (size < sizeof(*h))
		return MISMATCH("event of %zu bytes", size);
	FIELD("type", h->type, x->type);
	FIELD("frame", frame, x->frame);
	FIELD("version", h->version, TLSMON_EVENT_VERSION);
	FIELD("dir", h->dir, x->dir);
	FIELD("hook", h->hook, f->hook);
	FIELD("seq - base", h->seq - base, (uint32_t)x->seq);
	FIELD("family", h->family, bt.family);
	if (memcmp(h->caddr, bt.ev_addr[C], 16) || memcmp(h->saddr, bt.ev_addr[S], 16))
		return MISMATCH("client/server addresses");
	FIELD("cport", h->cport, bt.port[alt][C]);
	FIELD("sport", h->sport, bt.port[alt][S]);
	FIELD("ttl", h->ttl, x->ttl ? x->ttl : f->ttl);
	FIELD("ip_id", h->ip_id, x->ipid ? x->ipid : f->ipid);
	FIELD("tcp_flags", h->tcp_flags, f->flags);
	FIELD("size", h->size, size);

	switch (x->type) {
	case TLSMON_EV_CLIENT_HELLO: {
		const struct tlsmon_ev_client_hello *e = (const void *)ev;

		FIELD("size", size, sizeof(*e));
		FIELD("sni_len", e->ch.sni_len, strlen(x->sni));
		FIELD("sni flag", !!(e->ch.flags & TLS_CHF_SNI), !!*x->sni);
		if (memcmp(e->ch.sni, x->sni, strlen(x->sni)))
			return MISMATCH("sni");
		return check_peer(&e->peer, x);
	}
	case TLSMON_EV_SERVER_HELLO: {
		const struct tlsmon_ev_server_hello *e = (const void *)ev;

		FIELD("size", size, sizeof(*e));
		FIELD("cipher", e->sh.cipher, x->cipher);
		FIELD("version", tls_sh_version(&e->sh), x->version);
		FIELD("hrr flag", !!(e->sh.flags & TLS_SHF_HRR), x->hrr);
		/* the peer info is the flow's: taken when the flow was created */
		return check_peer(&e->peer, x);
	}
	case TLSMON_EV_BLOB: {
		const struct tlsmon_ev_blob *e = (const void *)ev;

		if (size < offsetof(struct tlsmon_ev_blob, data) + e->len)
			return MISMATCH("blob of %zu bytes carries %u", size, e->len);
		FIELD("len", e->len, x->len);
		FIELD("rec_seq - base", e->rec_seq - base, (uint32_t)x->rec_seq);
		FIELD("kind", e->kind, x->kind ? x->kind : TLSMON_BLOB_RECORD);
		FIELD("flags", e->flags, 0);
		if (memcmp(e->data, stream + x->seq, e->len))
			return MISMATCH("blob bytes differ from the bytes sent at its seq");
		return check_peer(&e->peer, x);
	}
	case TLSMON_EV_NON_TLS: {
		const struct tlsmon_ev_non_tls *e = (const void *)ev;
		uint32_t n = x->len < TLSMON_PEEK_MAX ? x->len : TLSMON_PEEK_MAX;

		FIELD("size", size, sizeof(*e));
		FIELD("len", e->len, x->len);
		FIELD("n", e->n, n);
		if (memcmp(e->data, stream + x->seq, n))
			return MISMATCH("non_tls bytes");
		return 0;
	}
	default: {
		const struct tlsmon_ev_small *e = (const void *)ev;

		FIELD("size", size, sizeof(*e));
		FIELD("content_type", e->content_type, ct_of(x->type));
		FIELD("hs_type", e->hs_type, x->hs_type);
		FIELD("level", e->level, x->level);
		FIELD("desc", e->desc, x->desc);
		FIELD("index", e->index, x->index);
		FIELD("flags", e->flags, x->flags);
		FIELD("rec_len", e->rec_len, x->rec_len);
		FIELD("msg_len", e->msg_len, x->msg_len);
		FIELD("reason", e->reason, x->reason);
		return 0;
	}
	}
}

static void dump(const char *who, const struct evlist *l)
{
	struct jbuf b;
	size_t i;

	print_error("  %s events:\n", who);
	for (i = 0; i < l->n; i++) {
		const struct tlsmon_ev_hdr *h = (const void *)l->ev[i];
		int side = h->dir == TLSMON_DIR_C2S ? C : S;

		jbuf_init(&b);
		ev_json(&b, l->ev[i], l->size[i]);
		print_error("   [%zu] frame %d rel_seq %d: %s\n", i, (int)l->frame[i],
			    (int32_t)(h->seq - bt.isn[side] - 1), b.s ? b.s : "?");
		jbuf_free(&b);
	}
}

/* 0 when the events and counters are exactly the expected ones. */
/*
 * The sweep tells userspace of each flow it removes (a FLOW_END, reason
 * TLSMON_END_EXPIRED, made by the loader, not by a program): one per swept
 * flow, for the case's addresses.  Set aside into *told; the rest, the
 * programs' own events, are at idx[0, *n).
 */
static int expired_ends(const char *who, const struct evlist *l, size_t *idx, size_t *n,
			uint32_t *told)
{
	const struct tlsmon_ev_small *e;
	size_t i;

	*n = 0;
	*told = 0;
	for (i = 0; i < l->n; i++) {
		e = (const void *)l->ev[i];
		if (l->size[i] < sizeof(*e) || e->h.type != TLSMON_EV_FLOW_END ||
		    e->reason != TLSMON_END_EXPIRED) {
			idx[(*n)++] = i;
			continue;
		}
		(*told)++;
		if (e->h.dir != TLSMON_DIR_C2S || e->h.family != bt.family ||
		    memcmp(e->h.caddr, bt.ev_addr[C], 16) || memcmp(e->h.saddr, bt.ev_addr[S], 16) ||
		    (e->h.cport != bt.port[0][C] && e->h.cport != bt.port[1][C])) {
			print_error("%s: event %zu: the sweep's flow end names another flow\n", who, i);
			return 1;
		}
	}
	return 0;
}

static int check(const struct dcase *c, const char *who, const struct evlist *l,
		 const uint64_t ctr[TLSMON_C_MAX], uint32_t live, uint32_t swept)
{
	size_t i, nx = 0, n, *idx = calloc(l->n + 1, sizeof(*idx));
	uint32_t told;
	int bad = 0;

	assert_non_null(idx);
	bad = expired_ends(who, l, idx, &n, &told);
	if (told != swept) {
		print_error("%s: the sweep removed %u flows and told of %u\n", who, swept, told);
		bad = 1;
	}

	while (nx < MAX_EVENTS && c->ev[nx].type)
		nx++;
	/* each flow is created by the packet of its first event */
	for (i = nx; i-- > 0;)
		creator_ack[bt.f[c->ev[i].frame].fs->alt] = bt.f[c->ev[i].frame].ack;
	if (l->over) {
		print_error("%s: too many events\n", who);
		bad = 1;
	}
	for (i = 0; i < nx || i < n; i++) {
		if (i >= n) {
			print_error("%s: event %zu (type %s, frame %d) missing\n", who, i,
				    ev_type_name(c->ev[i].type), c->ev[i].frame);
			bad = 1;
			break;
		}
		if (i >= nx) {
			print_error("%s: unexpected event %zu\n", who, i);
			bad = 1;
			break;
		}
		if (check_one(l->ev[idx[i]], l->size[idx[i]], (int)l->frame[idx[i]], &c->ev[i])) {
			print_error("%s: event %zu (%s): %s\n", who, i, ev_type_name(c->ev[i].type),
				    why);
			bad = 1;
			break;
		}
	}
	for (i = 0; i < TLSMON_C_MAX; i++) {
		uint64_t want = c->ctr[i];
		size_t j;

		/* one per ClientHello event: no case fills the ring buffer */
		if (i == TLSMON_C_CLIENT_HELLOS)
			for (j = 0; j < nx; j++)
				want += c->ev[j].type == TLSMON_EV_CLIENT_HELLO;
		if (ctr[i] != want) {
			print_error("%s: counter %s is %llu, expected %llu\n", who, dp_ctr_names[i],
				    (unsigned long long)ctr[i], (unsigned long long)want);
			bad = 1;
		}
	}
	if (swept != c->swept) {
		print_error("%s: the sweep removed %u flows, expected %u\n", who, swept, c->swept);
		bad = 1;
	}
	if (live != c->ctr[TLSMON_C_FLOWS_CREATED] - c->ctr[TLSMON_C_FLOWS_DELETED] - c->swept) {
		print_error("%s: %u flows left in the map\n", who, live);
		bad = 1;
	}
	if (bad)
		dump(who, l);
	free(idx);
	return bad;
}

static void test_case(void **state)
{
	const struct dcase *c = *state;
	uint64_t kc[TLSMON_C_MAX], uc[TLSMON_C_MAX];
	uint32_t klive, ulive, kswept, uswept;
	int bad;

	if (!dp || (c->port_filter && !dp_ports))
		skip();
	build(c, &bt);
	run_kernel(c, kc, &klive, &kswept);
	run_user(c, uc, &ulive, &uswept);
	bad = check(c, "kernel", &kern, kc, klive, kswept);
	bad |= check(c, "userspace", &user, uc, ulive, uswept);
	if (bad)
		fail_msg("%s: events or counters differ from the expectation", c->name);
}

int main(void)
{
	struct CMUnitTest tests[N_CASES];
	size_t i;
	int rc;

	/* TLSMON_DP_CASE=pattern runs the matching cases only */
	if (getenv("TLSMON_DP_CASE"))
		cmocka_set_test_filter(getenv("TLSMON_DP_CASE"));
	if (geteuid() != 0) {
		printf("1..1\nok 1 - datapath # SKIP needs root to load BPF programs\n");
		return 0;
	}
	if (payloads_init()) {
		fprintf(stderr, "corpus (%s): %s (set TLSMON_CORPUS)\n", corpus_dir(), corpus_err);
		return 1;
	}
	for (i = 0; i < N_CASES; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	dp = load(0, open_err, sizeof(open_err));
	if (dp)
		dp_ports = load(1, open_err, sizeof(open_err));
	if (!dp || !dp_ports)
		fprintf(stderr, "cannot load the BPF programs: %s\n", open_err);
	rc = _cmocka_run_group_tests("datapath", tests, N_CASES, NULL, NULL);
	if (!dp || !dp_ports)
		rc = 1;
	bpf_dp_close(dp_ports);
	bpf_dp_close(dp);
	evlist_free(&kern);
	evlist_free(&user);
	return rc;
}
