/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the dashboard shows, kept apart from how: a rec_sink fed every settled
 * handshake, and a tick with tlsmon's own counters for the header.  Per-second
 * buckets over the last DASH_SECS seconds give the rates and sparklines;
 * bounded tables give the top failing servers, client fingerprints and local
 * processes (dash_proc.h) and the negotiated versions and ciphers; a ring keeps the recent failures with
 * their evidence.  Past a table's cap the least failing, least recent entry
 * is folded into the table's "other" counts, so a server that starts failing
 * late still gets a row and nothing goes uncounted.  A QUIC server is
 * another row than the TCP one at the same address and port: its address
 * ends in " quic", in the servers' table and in the failures alike.
 *
 * Every wire string (SNI, fingerprint, evidence) is stored escaped with
 * esc_term(): printable ASCII only.  No curses here; the view only reads.
 * The clock is the wall clock live and the capture's clock offline.
 */
#ifndef TLSMON_DASH_MODEL_H
#define TLSMON_DASH_MODEL_H

#include <stdint.h>
#include "model/fingerprint.h"
#include "model/record.h"
#include "model/run_stats.h"

#define DASH_SECS 60		/* seconds of per-second history */
#define DASH_RATE_SECS 10	/* window of the header's handshakes/s */
#define DASH_MAX_SERVERS 256
#define DASH_MAX_CLIENTS 128
#define DASH_MAX_VERSIONS 16
#define DASH_MAX_CIPHERS 64
#define DASH_MAX_RECENT 256
#define DASH_MAX_CERTS 128	/* server certificates seen, by server and SNI */
#define DASH_SRV_SNIS 4		/* distinct SNIs kept per server */
#define DASH_SRV_CIPHERS 8	/* suites a server was seen choosing */
#define DASH_CLI_SERVERS 4	/* servers kept per client fingerprint */
#define DASH_NAME 128		/* an escaped SNI, cut with "..." past this */
#define DASH_ADDR 64		/* "[v6]:port", and " quic" */
#define DASH_LABEL 48		/* "other_alert:certificate_unknown" */
#define DASH_WHY 512
#define DASH_MAX_PROCS 128	/* programs of this host (model/local_id.h) */
#define DASH_MAX_DETAILS 64	/* failures whose whole detail is kept (dash_detail.h) */
#define DASH_DETAIL_TEXT 6144
#define DASH_MAX_OK 32		/* successes whose whole detail is kept (dash_detail.h) */
#define DASH_OK_PER_SEC 16	/* at most these a second are written out */

/* Series for dash_model_series() besides a reason (1 .. REASON_MAX-1). */
#define DASH_S_HANDSHAKES (-1)
#define DASH_S_FAILED (-2)
#define DASH_S_ESTABLISHED (-3)

struct dash_count {
	uint64_t total, failed, unknown;
	uint64_t by_reason[REASON_MAX];
	char other_label[DASH_LABEL];	/* the latest other_alert:<name> */
};

struct dash_sni {
	char s[DASH_NAME];		/* "-": no SNI */
	uint64_t total, failed;
};

struct dash_server {
	char addr[DASH_ADDR];		/* "10.77.3.2:443", the key; QUIC: "10.77.3.2:443 quic" */
	struct dash_count c;
	uint64_t last_ns;
	struct dash_sni sni[DASH_SRV_SNIS];
	uint8_t n_sni;
	uint64_t sni_more;		/* handshakes with an SNI past DASH_SRV_SNIS */
	/* what it accepted, learned from its successes (dash_page_learn()) */
	uint64_t ok;
	uint16_t min_version, max_version;
	uint16_t ok_ciphers[DASH_SRV_CIPHERS];
	uint8_t n_ok_ciphers;
};

struct dash_client_srv {
	char addr[DASH_ADDR];
	uint64_t total, failed;
};

struct dash_client {
	char key[DASH_NAME];		/* the JA4, or "no-ja4 " + the profile */
	char profile[64];		/* offered versions and suites */
	char last_client[DASH_ADDR];	/* latest client address with it */
	struct dash_count c;
	uint64_t last_ns;
	struct dash_client_srv srv[DASH_CLI_SERVERS];
	uint8_t n_srv;
};

struct dash_nego {
	uint16_t value;			/* version or cipher */
	uint64_t total, failed;
};

struct dash_failure {
	uint64_t id, ts_ns;		/* ts_ns: the handshake's start */
	enum reason reason;
	enum confidence confidence;
	char label[DASH_LABEL];
	char client[DASH_ADDR], server[DASH_ADDR];
	char sni[DASH_NAME];
	char ja4[JA4_LEN + 1];
	char alpn[DASH_NAME];		/* offered, "h2,http/1.1"; "" none */
	char version[24];		/* negotiated, "" without a ServerHello */
	char why[DASH_WHY];		/* "[likely] " + diag_explain() */
	char process[DASH_NAME];	/* the local program, escaped; "" none */
	char proc_who[DASH_NAME];	/* "client pid 1234 curl", escaped */
};

/* A program of this host (local_id_process()) and its handshakes, at either end. */
struct dash_proc {
	char name[DASH_NAME];		/* escaped, the key */
	char latest[DASH_NAME];		/* "client pid 1234 curl /usr/bin/curl", escaped */
	char last_failed[DASH_ADDR];	/* the server of its latest failure; "" none */
	struct dash_count c;
	uint64_t last_ns;
};

/* A server's certificate as its clients saw it (TLS 1.2 and below: in clear). */
struct dash_cert {
	char server[DASH_ADDR];		/* with sni, the key */
	char sni[DASH_NAME];
	char cn[DASH_NAME];		/* the leaf's subject CN, escaped */
	char issuer[DASH_NAME];		/* its issuer, escaped */
	char key[24];			/* "RSA 2048" */
	int64_t not_after;		/* seconds since the epoch; 0 unknown */
	uint32_t findings;		/* 1 << CERT_F_*, of the latest handshake */
	uint64_t total, failed, last_ns;
};

/* A failure's drill-down, as lines of text ('\n' between them). */
struct dash_detail {
	uint64_t id;			/* the record's; 0: empty slot */
	char text[DASH_DETAIL_TEXT];
};

/* A success kept whole: its row (label "established") and its detail. */
struct dash_ok {
	struct dash_failure f;
	struct dash_detail d;
};

/* The header: from the last tick's run_stats. */
struct dash_header {
	int live;
	char source[64];
	uint64_t start_ns, now_ns;
	uint64_t records, by_outcome[OUTCOME_MAX];
	uint32_t open;
	/* losses, all counted somewhere in run_stats */
	uint64_t lost_ringbuf;		/* TLSMON_C_RB_FAIL */
	uint64_t lost_flow_full;	/* flow map: create failed or evicted */
	uint64_t lost_malformed;	/* events refused by the check */
	uint64_t lost_conns;		/* collector's max_conns cap */
	uint64_t lost_reasm;		/* reassembly streams dropped */
	uint64_t lost_frames;		/* offline: frames not read */
};

struct dash_sec {
	uint64_t sec;			/* which second this bucket holds */
	uint32_t hs, established, failed;
	uint32_t by_reason[REASON_MAX];
};

enum dash_sort {
	DASH_SORT_FAILED,		/* failures, then handshakes */
	DASH_SORT_RATIO,		/* failure %, then failures */
	DASH_SORT_TOTAL,		/* handshakes */
	DASH_SORT_RECENT,		/* last seen */
	DASH_SORT_MAX
};

struct dash_model {
	struct dash_header hdr;
	uint64_t now_ns;		/* the model's clock: ticks and records move it */
	uint64_t first_sec;		/* first second seen, for rates over short runs */
	uint64_t cur_sec;
	struct dash_sec secs[DASH_SECS];	/* by sec % DASH_SECS */

	struct dash_count all;
	struct dash_count quic;		/* of those, QUIC's */
	struct dash_server servers[DASH_MAX_SERVERS];
	uint32_t n_servers;
	struct dash_count servers_other;	/* folded past the cap */
	struct dash_client clients[DASH_MAX_CLIENTS];
	uint32_t n_clients;
	struct dash_count clients_other;
	struct dash_nego versions[DASH_MAX_VERSIONS];
	uint32_t n_versions;
	struct dash_nego ciphers[DASH_MAX_CIPHERS];
	uint32_t n_ciphers;
	struct dash_nego nego_other;	/* versions and ciphers past the caps */

	struct dash_cert certs[DASH_MAX_CERTS];
	uint32_t n_certs;
	uint64_t certs_other;		/* server/SNI pairs pushed out past the cap */
	uint64_t client_findings[CERT_F_MAX];	/* handshakes whose client cert had it */

	struct dash_proc procs[DASH_MAX_PROCS];
	uint32_t n_procs;
	struct dash_count procs_other;	/* folded past the cap */
	uint64_t no_proc;		/* handshakes with no local program */

	struct dash_failure recent[DASH_MAX_RECENT];	/* ring */
	uint32_t recent_head;		/* next slot */
	uint64_t recent_total;		/* failures ever added */
	struct dash_detail details[DASH_MAX_DETAILS];	/* ring */
	uint32_t details_head;
	struct dash_ok oks[DASH_MAX_OK];	/* ring: recent successes (dash_detail_ok()) */
	uint32_t oks_head, oks_in_sec;
	uint64_t oks_total, oks_sec;	/* successes seen; the second oks_in_sec counts */
	uint64_t oks_skipped;		/* not written out: past DASH_OK_PER_SEC */
	uint64_t generation;		/* bumped by every change */
};

struct dash_model *dash_model_new(void);
void dash_model_free(struct dash_model *m);
/* A copy to keep still (pause); free with dash_model_free(). */
struct dash_model *dash_model_clone(const struct dash_model *m);

/* The rec_sink callback. */
void dash_model_record(void *ctx, const struct hs_record *r);
/* The header's numbers, and the clock. */
void dash_model_tick(struct dash_model *m, const struct run_stats *st);

/* The last n seconds of a series, oldest first (n <= DASH_SECS). */
void dash_model_series(const struct dash_model *m, int what, uint32_t *out, unsigned n);
/* Events per second of a series over the last secs seconds (fewer when the
 * run is younger). */
double dash_model_rate(const struct dash_model *m, int what, unsigned secs);
/* Failed / (failed + established) over the last secs seconds, 0 .. 1; -1 when none. */
double dash_model_fail_ratio(const struct dash_model *m, unsigned secs);
uint64_t dash_model_lost(const struct dash_model *m);

/* For the model's tables: a record into a count, a count into another. */
void dash_model_count(struct dash_count *c, const struct hs_record *r, const char *label);
void dash_model_count_fold(struct dash_count *into, const struct dash_count *c);

#endif
