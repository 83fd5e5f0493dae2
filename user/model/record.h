/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One settled handshake: what the collector hands to every output (JSON
 * lines, text, aggregation).  Outputs only read it; pointers stay valid for
 * the duration of the callback.
 */
#ifndef TLSMON_RECORD_H
#define TLSMON_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "model/cert.h"
#include "model/fingerprint.h"
#include "tlsmon.h"

enum outcome {
	OUTCOME_ESTABLISHED,
	OUTCOME_FAILED,
	OUTCOME_UNKNOWN,	/* capture or tracking ended before it settled */
	OUTCOME_MAX
};

enum reason {
	REASON_NONE = 0,
	REASON_VERSION_MISMATCH,
	REASON_NO_SHARED_CIPHER,
	REASON_UNRECOGNIZED_NAME,
	REASON_OTHER_ALERT,
	REASON_SERVER_REJECTED_CLIENT_CERT,
	REASON_CLIENT_REJECTED_SERVER_CERT,
	REASON_RESET_AFTER_CLIENT_HELLO,
	REASON_CLOSED_AFTER_CLIENT_HELLO,
	REASON_NO_SERVER_HELLO,
	REASON_ABORTED_DURING_HANDSHAKE,
	REASON_NON_TLS_RESPONSE,
	REASON_CLIENT_HELLO_INCOMPLETE,
	REASON_NO_SHARED_ALPN,		/* no_application_protocol before the ServerHello */
	REASON_QUIC_VERSION_NEGOTIATION,	/* QUIC: no version both speak */
	REASON_NO_SERVER_RESPONSE,	/* QUIC: no datagram back before the timeout */
	REASON_MAX
};

enum hs_kind {
	KIND_FULL,
	KIND_RESUMED_SESSION_ID,
	KIND_RESUMED_TICKET,
	KIND_RESUMED_PSK,
	KIND_UNKNOWN,		/* no ServerHello */
	KIND_MAX
};

/* How the failure's reason was established. */
enum basis {
	BASIS_NONE,
	BASIS_ALERT,		/* a cleartext alert says so */
	BASIS_SERVER_PROFILE,	/* the alert is ambiguous; this server's history decides */
	BASIS_CLIENT_OFFER,	/* the alert is ambiguous; the client's offer decides */
	BASIS_INFERRED,		/* TLS 1.3: from the size of an encrypted record */
	BASIS_TRANSPORT,	/* RST, FIN, silence */
	BASIS_SIBLING,		/* the alert is ambiguous; another server accepted this client */
	BASIS_MAX
};

/*
 * How sure the reason is.  Confirmed: the wire says so (an alert that names
 * the cause, a reset, a close, silence) or this server's own history does.
 * Likely: inferred from what else is known (the client's offer, other
 * servers, the size of an encrypted record); the evidence says from what.
 */
enum confidence {
	CONFIDENCE_NONE,		/* not a failure */
	CONFIDENCE_CONFIRMED,
	CONFIDENCE_LIKELY,
	CONFIDENCE_MAX
};

enum side { SIDE_CLIENT = 0, SIDE_SERVER = 1 };

struct verify_result;	/* model/verify.h */
struct tlsmon_ev_quic_info;	/* pipe/quic_track.h */
struct local_id;	/* model/local_id.h */

#define REC_MAX_ALERTS 4
#define REC_MAX_APPDATA 8
#define REC_MAX_PROFILE 16
#define REC_MAX_TIMELINE 32	/* events kept per handshake for its timeline */

struct rec_alert {
	uint8_t sender;		/* enum side */
	uint8_t level;
	uint8_t desc;
	uint8_t encrypted;
	uint16_t rec_len;
	uint8_t after_server_hello;
	uint8_t pad;
};

struct rec_tcp_end {
	uint8_t seen;
	uint8_t sender;		/* enum side */
	uint8_t ttl;
	uint8_t pad;
	uint16_t ip_id;
	uint8_t before_server_hello;
	uint8_t pad2;
	uint64_t ts_ns;
};

/* One event of the handshake as the collector received it, for its timeline. */
struct rec_tl {
	uint64_t ts_ns;		/* wall clock */
	uint32_t len;		/* record length; HS_MSG: the message's; 0 unknown */
	uint8_t type;		/* enum tlsmon_ev_type */
	uint8_t side;		/* enum side: who sent it */
	uint8_t tcp_flags;
	uint8_t ttl;
	uint8_t content;	/* TLS record type, 0 unknown */
	uint8_t hs_type;	/* handshake message type */
	uint8_t level, desc;	/* ALERT */
	uint8_t flags;		/* TLSMON_SF_* */
	uint8_t pad[3];
};

/*
 * Another server that accepted what this one refused: one that accepted the
 * same client fingerprint (JA4), or, failing that, one serving the same SNI.
 */
struct rec_sibling {
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint8_t same_name;		/* it served this SNI to a client that succeeded */
	uint8_t same_fingerprint;	/* it accepted a client with this JA4 */
	uint8_t pad[3];
	uint16_t cipher, version;	/* what it chose, the last time */
	uint32_t handshakes;		/* its successes (with this JA4 when same_fingerprint) */
};

/* Other causes a likely reason leaves open (a bare handshake_failure). */
#define EV_ALT_NO_SHARED_GROUP 1u
#define EV_ALT_NO_SHARED_SIGALG 2u

/* The facts behind a failure's reason. */
struct evidence {
	enum basis basis;
	enum confidence confidence;
	uint8_t alternatives;		/* EV_ALT_*: what else a likely reason may be */
	uint8_t have_sibling;
	struct rec_sibling sibling;
	const struct rec_alert *alert;	/* the deciding alert */
	/* version_mismatch, no_shared_cipher: this server's history */
	uint32_t profile_successes;
	uint16_t profile_ciphers[REC_MAX_PROFILE];
	uint8_t n_profile_ciphers;
	uint16_t profile_min_version, profile_max_version;
	uint16_t client_max_version;
	/* reset_after_client_hello */
	uint8_t suspected_middlebox;
	uint8_t ttl_mismatch, ip_id_mismatch, baseline_known;
	uint8_t baseline_ttl;
	uint16_t baseline_ip_id;
	/* closed_after_client_hello */
	uint8_t client_sent_no_sni;
	/* inferred from encrypted records (TLS 1.3) */
	uint16_t inferred_record_len;
	/* client_rejected_server_cert without an alert: the client just closed */
	uint8_t closed_without_alert;
	/* mutual TLS */
	uint8_t client_cert_sent;	/* 0 no, 1 yes, 2 empty */
	/* non_tls_response */
	uint8_t first_bytes[TLSMON_PEEK_MAX];
	uint8_t n_first_bytes;
	/* no_server_hello */
	double waited_s;
	/* the ClientHello itself was malformed or incomplete */
	int hello_error;		/* enum tls_err, 0 if none */
	/* the ClientHello never came whole: its bytes received and its length (0: unknown) */
	uint8_t hello_incomplete;
	uint32_t hello_have, hello_need;
};

struct hs_record {
	uint64_t id;			/* increasing per collector */
	uint64_t start_ns;		/* wall clock (ns since the epoch) of the first event */
	uint64_t ch_ns, sh_ns, end_ns;	/* 0 when not seen */
	uint8_t family;
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t ifindex;
	const char *ifname;		/* or the capture's name */

	const struct tls_client_hello *ch;	/* NULL: not seen */
	const struct tls_client_hello *ch2;	/* after a HelloRetryRequest */
	const struct tls_server_hello *sh;	/* NULL: not seen */
	const struct tlsmon_ev_quic_info *quic;	/* QUIC's facts; NULL: TCP */
	struct tlsmon_peer_info peer;
	uint16_t version;		/* negotiated, 0 without a ServerHello */
	enum hs_kind kind;
	uint8_t mutual_tls;		/* the server asked for a client certificate */
	uint8_t hello_retry;
	uint8_t server_cert_seen;
	uint8_t hello_truncated;
	/* established, then closed before any application data: 1 client, 2 server */
	uint8_t closed_before_data;

	/* certificates sent in clear (TLS 1.2 and below), per side; NULL: none seen */
	const struct cert_chain *certs[2];	/* [SIDE_CLIENT], [SIDE_SERVER] */
	const struct cert_request *cert_request;	/* the server's, in mutual TLS */
	uint32_t cert_findings[2];	/* 1 << CERT_F_* per side's chain, at start_ns */
	int64_t cert_skew_s;		/* server chain not yet valid: by this many seconds */
	uint8_t cert_errors;		/* Certificate messages that did not parse */

	/* fingerprints, made at settle: valid, like the rest, during the call */
	const struct fingerprints *fp;		/* of ch; never NULL */
	const struct server_fingerprint *sfp;	/* of sh; never NULL, valid when sh */

	enum outcome outcome;
	enum reason reason;
	struct evidence ev;

	struct rec_alert alerts[REC_MAX_ALERTS];
	uint8_t n_alerts;
	struct rec_tcp_end rst, fin;
	/* first application-data record lengths, in order, per side */
	uint16_t app_len[2][REC_MAX_APPDATA];
	uint8_t n_app[2];
	char history[40];		/* Zeek's letters: upper case client, lower case server */

	/* --verify: the latest verification of this server:port, NULL if none yet */
	const struct verify_result *verified;
	uint8_t verify_asked;		/* it waited for a verification of its own */

	/* the program of this host at one end; NULL: both ends remote or unknown */
	const struct local_id *local;

	/* the events received for it, in order; past REC_MAX_TIMELINE only counted */
	const struct rec_tl *timeline;	/* NULL when none */
	uint8_t n_timeline;
	uint32_t timeline_cut;
};

/* Names of the record's values, as every output prints them. */
const char *outcome_name(enum outcome o);
const char *reason_name(enum reason r);	/* "no_shared_cipher", ... */
/* "other_alert:decode_error" for other_alert, else reason_name(); into buf. */
const char *reason_label(const struct hs_record *r, char *buf, size_t len);
const char *kind_name(enum hs_kind k);
const char *basis_name(enum basis b);
const char *confidence_name(enum confidence c);	/* "confirmed", "likely"; "" none */
const char *side_name(enum side s);	/* "client", "server" */

/* An address of a record or event (IPv4-mapped shown as IPv4). */
void addr_str(const unsigned char a[16], char *buf, size_t len);
/* "10.0.0.1:443" or "[fd00::1]:443": one end of the handshake. */
char *record_endpoint(const struct hs_record *r, enum side side, char *buf, size_t len);
/*
 * The host name the client asked for, as sent: NULL without one (no
 * ClientHello, no server_name, or one with no host_name entry).  *len:
 * bytes at the result; *cut: the name on the wire was longer than kept.
 */
const uint8_t *record_sni(const struct hs_record *r, size_t *len, int *cut);

#endif
