/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active verification (--verify): after a server refused a client's hello
 * with a fatal alert, tlsmon asks that server itself, with libssl, from the
 * monitoring host, only at that address and port and with the same SNI.
 * First the failing client's offer as seen on the wire (the replay), then a
 * few probes that narrow down which versions and which suites the server
 * accepts.  libssl reads the server's answers; nothing here parses them.
 *
 * What a verification sends, and why:
 *   1. the replay: the failing client's versions, suites, groups, signature
 *      algorithms and ALPN as the collector saw them (what libssl knows of
 *      them; GREASE and signalling values left out), with the same SNI.  A
 *      refusal confirms the server refuses that offer from anywhere; an
 *      acceptance says the offer was not the cause.
 *   2. one probe per version, TLS 1.3 down to TLS 1.0, each offering every
 *      suite libssl has at security level 0 (no NULL ciphers): which versions
 *      the server accepts, and the suite it prefers at each.
 *   3. at the highest accepted version below 1.3 (then at 1.3), the same offer
 *      without the suites found so far, until the server refuses: the suites it
 *      accepts at all.
 *   4. if room is left and the server takes a key exchange that uses groups
 *      (TLS 1.3, or an ECDHE suite found) at a version the client offered:
 *      that version, ECDHE suites, the client's groups only.  Refused: the
 *      server takes none of the client's groups.
 * Every probe is one TCP connection to the server's address and port and one
 * handshake, given up at its timeout (connect and handshake together).  No
 * certificate is checked and nothing is sent after the handshake.
 *
 * Two layers:
 *   verify_run_probe(), verify_run(): one handshake, one verification,
 *     blocking, each handshake bounded by its timeout (the tests call them
 *     directly; verify_run.c), to a target verify_target.c makes;
 *   verify_new() ... : the verifier the collector feeds.  verify_submit()
 *     never blocks: it checks the bounds (one verification per server:port
 *     per interval, a bounded queue, drops counted) and queues the job; a
 *     worker thread, started at the first job (so after privileges are
 *     dropped), runs it with a global rate cap; verify_poll() hands the
 *     finished results back on the caller's thread.
 */
#ifndef TLSMON_VERIFY_H
#define TLSMON_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include "model/record.h"
#include "tlsmon.h"

#define VERIFY_MAX_PROBES 16		/* the most --verify-probes allows */
#define VERIFY_DEFAULT_PROBES 8
#define VERIFY_MAX_SUITES 64		/* offered in one probe (the replay) */
#define VERIFY_MAX_ACCEPTED 16		/* suites found accepted */
#define VERIFY_MAX_LIST 16		/* groups, sigalgs offered in the replay */

/* What one probe came to; every value is a Prometheus label (bounded). */
enum verify_res {
	VERIFY_ACCEPTED,	/* a ServerHello: the server took this offer */
	VERIFY_ALERT,		/* the server answered with an alert */
	VERIFY_TIMEOUT,		/* no answer within the timeout (connect or handshake) */
	VERIFY_RESET,		/* TCP reset */
	VERIFY_CLOSED,		/* the server closed without an alert */
	VERIFY_NOT_TLS,		/* the answer was not TLS */
	VERIFY_REFUSED,		/* connection refused */
	VERIFY_UNREACHABLE,	/* no route to the address (or the network says so) */
	VERIFY_LOCAL_ERROR,	/* the offer could not be made here (libssl refused it) */
	VERIFY_RES_MAX
};

/* A TLS offer, in wire code points. */
struct verify_offer {
	uint16_t min_version, max_version;	/* 0x0301 .. 0x0304 */
	uint16_t suites[VERIFY_MAX_SUITES];	/* IANA; empty: every suite libssl has */
	uint8_t n_suites;
	uint16_t groups[VERIFY_MAX_LIST];	/* empty: libssl's default */
	uint8_t n_groups;
	uint16_t sigalgs[VERIFY_MAX_LIST];	/* empty: libssl's default */
	uint8_t n_sigalgs;
	uint8_t alpn[TLSMON_ALPN_MAX];		/* protocol_name_list as on the wire */
	uint16_t alpn_len;
	/* suites not to offer (the ones already found): with n_suites == 0 only */
	uint16_t exclude[VERIFY_MAX_ACCEPTED];
	uint8_t n_exclude;
	uint8_t ecdhe_only;			/* with n_suites == 0: ECDHE suites only (below 1.3) */
};

struct verify_probe {
	char what[64];			/* "replay", "TLSv1.2 any suite", ... */
	enum verify_res res;
	uint16_t version;		/* accepted: negotiated */
	uint16_t suite;			/* accepted: chosen, IANA */
	uint8_t alert;			/* alert: its description */
	uint16_t n_offered;		/* suites actually offered */
	uint32_t ms;			/* how long it took */
};

/* A server to verify and the failure that asked for it. */
struct verify_target {
	uint8_t family;			/* AF_INET, AF_INET6 */
	uint8_t addr[16];		/* IPv4-mapped for IPv4, as in records */
	uint16_t port;
	char sni[TLSMON_SNI_MAX + 1];	/* NUL-terminated; "" without one */
	uint64_t record_id;
	enum reason reason;
	char reason_label[48];
	struct verify_offer offer;	/* the client's */
};

enum verify_verdict {
	VERIFY_CONFIRMED,	/* the server refuses the client's offer, from here too */
	VERIFY_NOT_REPRODUCED,	/* the replayed offer was accepted: the offer was not the cause */
	VERIFY_INCONCLUSIVE,	/* no answer that decides (timeouts, resets, not TLS) */
	VERIFY_UNREACHABLE_V,	/* the server's address cannot be reached from here */
	VERIFY_VERDICT_MAX
};

struct verify_result {
	struct verify_target t;
	uint64_t start_ns, end_ns;	/* wall clock */
	struct verify_probe probes[VERIFY_MAX_PROBES];
	uint8_t n_probes;
	uint8_t versions;		/* accepted: bit (minor - 1): 1.0 = bit 0 .. 1.3 = bit 3 */
	uint8_t versions_tried;		/* probed alone: same bits */
	uint16_t suites[VERIFY_MAX_ACCEPTED];	/* accepted, IANA, in the order found */
	uint8_t n_suites;
	uint8_t suites_complete;	/* the search ran until the server refused (not cut by the bound) */
	uint8_t shared;			/* accepted suites the client offered */
	/* the client's groups, with a key exchange the server takes: 1 accepted,
	 * 0 refused, -1 not asked (no groups, no room, or no such key exchange) */
	int8_t groups;
	enum verify_verdict verdict;
	/* confirmed, and the probes tell which: version_mismatch (no version the
	 * client offered is taken), no_shared_cipher (every suite the server takes
	 * was found, none of them the client's); REASON_NONE when they cannot tell */
	enum reason cause;
};

struct verify_opts {
	unsigned interval_s;		/* per server:port (600) */
	unsigned timeout_ms;		/* per probe: connect + handshake (3000) */
	unsigned max_probes;		/* per verification (8) */
	unsigned rate_ms;		/* between verifications, globally (1000) */
	unsigned queue_len;		/* waiting verifications (16) */
	unsigned max_servers;		/* server:port entries remembered (4096) */
};

struct verify_stats {
	uint64_t runs;			/* verifications finished */
	uint64_t probes[VERIFY_RES_MAX];
	uint64_t verdicts[VERIFY_VERDICT_MAX];
	uint64_t dropped_queue;		/* queue full */
	uint64_t dropped_table;		/* no room to remember the server (counted, not run) */
	uint64_t skipped_interval;	/* asked again within the interval */
	uint64_t submitted;
	uint64_t own_records;		/* handshakes seen that were tlsmon's own probes */
};

const char *verify_res_name(enum verify_res r);
const char *verify_verdict_name(enum verify_verdict v);

/* A version's bit in verify_result.versions (TLS 1.0 .. 1.3), 0 for others. */
static inline uint8_t verify_version_bit(uint16_t v)
{
	return v >= 0x0301 && v <= 0x0304 ? 1u << (v - 0x0301) : 0;
}

static inline int verify_is_tls13_suite(uint16_t v)
{
	return (v >> 8) == 0x13;
}

/* Does this failure ask for verification (a server alert before its ServerHello)? */
int verify_target_wanted(const struct hs_record *r);
/* The target and the client's offer from a record: 0, or -1 without a ClientHello. */
int verify_target_from(const struct hs_record *r, struct verify_target *t);

/* One handshake to the target with this offer, within timeout_ms. */
void verify_run_probe(const struct verify_target *t, const struct verify_offer *o,
		      unsigned timeout_ms, struct verify_probe *p);
/* One verification: the replay, then the narrowing, at most max_probes handshakes. */
void verify_run(const struct verify_target *t, unsigned max_probes, unsigned timeout_ms,
		struct verify_result *res);
/* A probe's connected socket, before its ClientHello goes (the verifier's own list). */
typedef void (*verify_socket_fn)(void *ctx, int fd, const struct verify_target *t);
/* verify_run(), stopping between probes once *stop is set (NULL: never), on_socket told. */
void verify_run_with(const struct verify_target *t, unsigned max_probes, unsigned timeout_ms,
		     struct verify_result *res, const volatile int *stop, verify_socket_fn on_socket,
		     void *ctx);

struct verify;

struct verify *verify_new(const struct verify_opts *o);
/*
 * Stop the worker: the probe in progress ends (at most one timeout), the
 * verification stops there and its result waits for verify_poll().
 */
void verify_stop(struct verify *v);
void verify_free(struct verify *v);
/* A rec_sink callback: queue a verification if r asks for one and the bounds allow. */
void verify_record(void *ctx, const struct hs_record *r);
/* The same, saying whether a verification was queued for it (1) or not (0). */
int verify_submit(struct verify *v, const struct hs_record *r);
/* Finished verifications, on the caller's thread; each result valid during the call. */
void verify_poll(struct verify *v, void (*cb)(void *ctx, const struct verify_result *res),
		 void *ctx);
/* Latest result for a server:port, NULL if none (the caller's thread only). */
const struct verify_result *verify_lookup(const struct verify *v, const uint8_t addr[16],
					  uint16_t port);
/*
 * 1: r is one of tlsmon's own probes (its client end is a probe's socket),
 * seen by the datapath when tlsmon watches the interface it probes through;
 * counted.  Such a record is no client's and goes to no output.
 */
int verify_own(struct verify *v, const struct hs_record *r);
/*
 * 1: r's server has a verification whose verdict confirms a refused offer
 * (r->verified, set by the collector's annotate hook before diagnosis, so
 * diag can read it; its cause, when not REASON_NONE, names the reason).
 */
int verify_confirms(const struct hs_record *r);
/*
 * The cause this server's verification names for this record's client
 * (version_mismatch, no_shared_cipher), or REASON_NONE when it cannot tell.
 */
enum reason verify_cause_for(const struct verify_result *v, const struct hs_record *r);
/*
 * Appends to buf (at n, snprintf-like) what the server answered when asked
 * from here: "; asked from here: it takes TLSv1.2 with ...".  Returns the new n.
 */
size_t verify_explain(const struct verify_result *v, char *buf, size_t len, size_t n);
void verify_stats(struct verify *v, struct verify_stats *st);

#endif
