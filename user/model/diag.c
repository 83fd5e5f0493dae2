// SPDX-License-Identifier: BSD-3-Clause
/*
 * Diagnosis: one outcome and, for a failure, exactly one reason with the
 * evidence behind it.  The rules follow the failure scenarios of the field
 * reports (version mismatch, no shared cipher, rejected certificates either
 * way, a middlebox reset, a proxy closing on a missing SNI) and what real
 * clients and servers put on the wire in each.
 */
#include <stdio.h>
#include <string.h>
#include "lib/esc.h"
#include "lib/str.h"
#include "model/diag.h"
#include "model/verify.h"
#include "pipe/quic_track.h"
#include "lib/tls_names.h"
#include "tls_proto.h"

/* TLS 1.3 encrypted alert: 2 bytes, content type, 16-byte AEAD tag. */
#define ALERT_RECORD_MIN 19
#define ALERT_RECORD_MAX 24	/* allowing a little record padding */

static int is_cert_alert(uint8_t d)
{
	switch (d) {
	case TLS_ALERT_BAD_CERTIFICATE:
	case TLS_ALERT_UNSUPPORTED_CERTIFICATE:
	case TLS_ALERT_CERTIFICATE_REVOKED:
	case TLS_ALERT_CERTIFICATE_EXPIRED:
	case TLS_ALERT_CERTIFICATE_UNKNOWN:
	case TLS_ALERT_UNKNOWN_CA:
	case TLS_ALERT_ACCESS_DENIED:
	case TLS_ALERT_CERTIFICATE_REQUIRED:
		return 1;
	}
	return 0;
}

/* The highest version a client offers (supported_versions, else legacy). */
static uint16_t client_max_version(const struct tls_client_hello *ch)
{
	uint16_t best = 0;
	unsigned i, n = ch->n_versions < TLSMON_MAX_VERSIONS ? ch->n_versions : TLSMON_MAX_VERSIONS;

	for (i = 0; i < n; i++)
		if (!TLS_IS_GREASE(ch->versions[i]) && ch->versions[i] > best &&
		    !TLS_V_IS_TLS13_DRAFT(ch->versions[i]))
			best = ch->versions[i];
	return best ? best : ch->legacy_version;
}

static int offers(const struct tls_client_hello *ch, uint16_t suite)
{
	unsigned i, n = ch->n_ciphers < TLSMON_MAX_CIPHERS ? ch->n_ciphers : TLSMON_MAX_CIPHERS;

	for (i = 0; i < n; i++)
		if (ch->ciphers[i] == suite)
			return 1;
	return 0;
}

/* TLS 1.3 suites name no key exchange: they never count for a TLS 1.2 offer. */
static int is_tls13_suite(uint16_t s)
{
	return (s >= 0x1301 && s <= 0x1305) || s == 0x00c6 || s == 0x00c7;
}

/*
 * A server's fatal alert before its ServerHello, other than the three that
 * name their cause (protocol_version, unrecognized_name,
 * no_application_protocol), says "no" without saying to what.
 * handshake_failure (40) and insufficient_security (71) are the alerts of a
 * failed negotiation: no shared suite, group or signature algorithm, or no
 * version; the others (OpenSSL 3 sends internal_error, 80, to a TLS 1.0 or
 * 1.1 client whose version its security level cannot sign for) name nothing
 * at all.  The rules, strongest evidence first:
 *
 * 1. This server's own history (its profile: the versions and suites it
 *    chose for clients that succeeded) -> confirmed.  A profile proves
 *    suites, not a minimum version: a server that has only ever negotiated
 *    TLS 1.3 has only ever met clients offering it, and may well speak TLS
 *    1.2 too.  So the version is blamed only for a client stuck below TLS 1.2
 *    that this server never accepted at its version, and the suites only
 *    against those it chose for the same kind of handshake (TLS 1.3 suites
 *    for a TLS 1.3 client, the others for the rest): none offered ->
 *    no_shared_cipher; some offered -> the alert stays unexplained.
 * 2. Without a (useful) profile, the client's own offer -> likely:
 *    - a client whose highest version is below TLS 1.2 -> version_mismatch,
 *      whatever the alert: RFC 8996 retired TLS 1.0 and 1.1, most servers
 *      refuse them (OpenSSL 3 by default: internal_error);
 *    - handshake_failure or insufficient_security to a TLS 1.2+ client ->
 *      no_shared_cipher, the commonest of the negotiation failures; the
 *      evidence names the alternatives (no shared group, no shared signature
 *      algorithm) that the same alert would also mean.
 * 3. Siblings strengthen rule 2 as evidence (never to confirmed): another
 *    server that accepted this client's fingerprint (JA4), one serving the
 *    same SNI first (DNS round robin: backend A accepts what backend B
 *    refuses), else one that served this SNI to other clients.  The offer
 *    works there; this server refuses it.
 * Any other alert, with a client at TLS 1.2 or above: other_alert, named.
 */
static enum reason refusal(struct conn *c, const struct profile *p, struct profiles *ps,
			   int negotiation)
{
	struct evidence *ev = &c->rec.ev;
	const struct tls_client_hello *ch = c->ch;
	unsigned i, comparable = 0, shared = 0;
	uint16_t cmax;
	int tls13;

	ev->confidence = CONFIDENCE_CONFIRMED;
	if (!ch)
		return REASON_OTHER_ALERT;
	cmax = client_max_version(ch);
	tls13 = TLS_V_IS_TLS13(cmax);
	ev->client_max_version = cmax;
	if (p && p->successes) {
		/* rule 1 */
		ev->basis = BASIS_SERVER_PROFILE;
		ev->profile_successes = p->successes;
		ev->profile_min_version = p->min_version;
		ev->profile_max_version = p->max_version;
		ev->n_profile_ciphers = p->n_ciphers;
		memcpy(ev->profile_ciphers, p->ciphers, sizeof(p->ciphers));
		if (cmax < TLS_V_TLS12 && cmax < p->min_version)
			return REASON_VERSION_MISMATCH;
		if (!negotiation) {
			if (cmax >= p->min_version) {
				/* it accepted this version before: not the version */
				ev->basis = BASIS_ALERT;
				return REASON_OTHER_ALERT;
			}
		} else {
			for (i = 0; i < p->n_ciphers; i++) {
				/* a TLS 1.3 client may also settle for TLS 1.2 suites */
				if (is_tls13_suite(p->ciphers[i]) && !tls13)
					continue;
				comparable++;
				shared += offers(ch, p->ciphers[i]);
			}
			if (comparable && !shared)
				return REASON_NO_SHARED_CIPHER;
			if (comparable)
				return REASON_OTHER_ALERT;
		}
		/* this server's history says nothing about such a client */
	}
	/* rules 2 and 3: no (useful) history, only what else is known */
	ev->basis = BASIS_CLIENT_OFFER;
	if (ps && profiles_sibling(ps, &c->rec, &ev->sibling)) {
		ev->have_sibling = 1;
		ev->basis = BASIS_SIBLING;
	}
	ev->confidence = CONFIDENCE_LIKELY;
	if (cmax < TLS_V_TLS12)
		return REASON_VERSION_MISMATCH;
	if (negotiation) {
		ev->alternatives = EV_ALT_NO_SHARED_GROUP | EV_ALT_NO_SHARED_SIGALG;
		return REASON_NO_SHARED_CIPHER;
	}
	ev->basis = BASIS_ALERT;
	ev->confidence = CONFIDENCE_CONFIRMED;
	ev->have_sibling = 0;
	memset(&ev->sibling, 0, sizeof(ev->sibling));
	return REASON_OTHER_ALERT;
}

static const struct rec_alert *first_fatal(const struct hs_record *r, int encrypted)
{
	int i;

	for (i = 0; i < r->n_alerts; i++)
		if (r->alerts[i].encrypted == encrypted &&
		    (encrypted || r->alerts[i].level == TLS_ALERT_LEVEL_FATAL))
			return &r->alerts[i];
	return NULL;
}

static enum reason from_alert(struct conn *c, const struct rec_alert *a, struct profiles *ps)
{
	struct evidence *ev = &c->rec.ev;
	const struct profile *p = ps ? profiles_get(ps, &c->rec) : NULL;

	ev->alert = a;
	ev->basis = BASIS_ALERT;
	ev->confidence = CONFIDENCE_CONFIRMED;
	if (a->sender == SIDE_SERVER && !a->after_server_hello) {
		switch (a->desc) {
		/* the alerts that name their cause */
		case TLS_ALERT_PROTOCOL_VERSION:
			return REASON_VERSION_MISMATCH;
		case TLS_ALERT_UNRECOGNIZED_NAME:
			return REASON_UNRECOGNIZED_NAME;
		case TLS_ALERT_NO_APPLICATION_PROTOCOL:
			/* RFC 7301: none of the client's protocols is served (nginx 1.21.4+) */
			return REASON_NO_SHARED_ALPN;
		case TLS_ALERT_HANDSHAKE_FAILURE:
		case TLS_ALERT_INSUFFICIENT_SECURITY:
			return refusal(c, p, ps, 1);
		}
		return refusal(c, p, ps, 0);
	}
	if (a->sender == SIDE_SERVER) {
		/* after the ServerHello: a certificate the server asked for, refused */
		if ((c->cert_request || ev->client_cert_sent) &&
		    (is_cert_alert(a->desc) || a->desc == TLS_ALERT_HANDSHAKE_FAILURE ||
		     a->desc == TLS_ALERT_DECRYPT_ERROR))
			return REASON_SERVER_REJECTED_CLIENT_CERT;
		return REASON_OTHER_ALERT;
	}
	/* the client: a certificate alert after the server's flight */
	if (a->after_server_hello && is_cert_alert(a->desc))
		return REASON_CLIENT_REJECTED_SERVER_CERT;
	return REASON_OTHER_ALERT;
}

/* Server records that follow the client's first ciphertext record (TLS 1.3). */
static int tls13_inference(struct conn *c, enum reason *out)
{
	struct hs_record *r = &c->rec;
	struct evidence *ev = &r->ev;
	unsigned i, client_first = CONN_MAX_APP_SEQ, client_bytes = 0;
	int client_more = 0, server_after = -1;

	if (!c->sh || !TLS_V_IS_TLS13(r->version))
		return 0;
	for (i = 0; i < c->n_app_seq; i++) {
		if (c->app_seq[i].side != SIDE_CLIENT || !c->app_seq[i].after_sh)
			continue;
		if (client_first == CONN_MAX_APP_SEQ)
			client_first = i;
		else
			client_more = 1;
	}
	if (client_first == CONN_MAX_APP_SEQ)
		return 0;
	/* the client's first record is an alert: it refused what the server sent */
	if (c->app_seq[client_first].len >= ALERT_RECORD_MIN &&
	    c->app_seq[client_first].len <= ALERT_RECORD_MAX && !client_more) {
		ev->basis = BASIS_INFERRED;
		ev->inferred_record_len = c->app_seq[client_first].len;
		*out = REASON_CLIENT_REJECTED_SERVER_CERT;
		return 1;
	}
	/* the server's first record after the client's flight is an alert */
	for (i = client_first; i < c->n_app_seq; i++) {
		if (c->app_seq[i].side == SIDE_CLIENT) {
			client_bytes += c->app_seq[i].len;
			continue;
		}
		server_after = i;
		break;
	}
	if (server_after < 0 || c->app_seq[server_after].len < ALERT_RECORD_MIN ||
	    c->app_seq[server_after].len > ALERT_RECORD_MAX)
		return 0;
	/* a Finished alone is 53 bytes (69 with SHA-384); more carried a certificate */
	for (i = server_after + 1; i < c->n_app_seq; i++)
		if (c->app_seq[i].side == SIDE_SERVER)
			return 0;	/* the server went on: not a terminal alert */
	ev->basis = BASIS_INFERRED;
	ev->inferred_record_len = c->app_seq[server_after].len;
	ev->client_cert_sent = client_bytes > 80 ? 1 : ev->client_cert_sent;
	*out = client_bytes > 80 ? REASON_SERVER_REJECTED_CLIENT_CERT
				 : REASON_ABORTED_DURING_HANDSHAKE;
	return 1;
}

/*
 * Did the handshake complete, on the wire?  TLS 1.3: the client's first
 * encrypted record after the ServerHello is its Finished (an alert would be
 * 19-24 bytes and was looked at before): the client accepted the server.
 */
static int completed(const struct conn *c)
{
	const struct hs_record *r = &c->rec;
	unsigned i;

	if (c->end_reason == TLSMON_END_SETTLED)
		return 1;
	if (!c->sh)
		return 0;
	if (!TLS_V_IS_TLS13(r->version))
		return (c->finished[SIDE_CLIENT] && c->finished[SIDE_SERVER]) ||
		       (r->n_app[SIDE_CLIENT] && r->n_app[SIDE_SERVER]);
	for (i = 0; i < c->n_app_seq; i++)
		if (c->app_seq[i].after_sh && c->app_seq[i].side == SIDE_CLIENT)
			return c->app_seq[i].len > ALERT_RECORD_MAX;
	return 0;
}

static int alert_sized(uint16_t len)
{
	return len >= ALERT_RECORD_MIN && len <= ALERT_RECORD_MAX;
}

/*
 * Which side closed first: its close_notify (an encrypted alert in TLS 1.2;
 * in TLS 1.3 an alert-sized record after the client's Finished, the server's
 * 23-byte EncryptedExtensions before it being no alert), else its FIN or RST.
 */
static int first_closer(const struct conn *c)
{
	const struct hs_record *r = &c->rec;
	int tls13 = TLS_V_IS_TLS13(r->version), client_fin = 0;
	unsigned i;

	if (!tls13) {
		for (i = 0; i < r->n_alerts; i++)
			if (r->alerts[i].encrypted && r->alerts[i].after_server_hello)
				return r->alerts[i].sender;
	} else {
		for (i = 0; i < c->n_app_seq; i++) {
			if (!c->app_seq[i].after_sh)
				continue;
			if (client_fin && alert_sized(c->app_seq[i].len))
				return c->app_seq[i].side;
			client_fin |= c->app_seq[i].side == SIDE_CLIENT;
		}
	}
	if (r->fin.seen && r->rst.seen)
		return r->fin.ts_ns <= r->rst.ts_ns ? r->fin.sender : r->rst.sender;
	if (r->fin.seen || r->rst.seen)
		return r->fin.seen ? r->fin.sender : r->rst.sender;
	return -1;
}

/*
 * An established handshake closed before the client sent application data
 * (curl checks the host name only after the handshake, then closes).  TLS
 * 1.2: no client record of type 23.  TLS 1.3: after its Finished, nothing
 * from the client but alert-sized records (its close_notify, which may be
 * what settled the flow before any FIN or RST).
 */
static void closed_early(struct conn *c)
{
	struct hs_record *r = &c->rec;
	unsigned i, seen = 0, data = 0;
	int closer;

	if (TLS_V_IS_TLS13(r->version)) {
		for (i = 0; i < c->n_app_seq; i++) {
			if (c->app_seq[i].side != SIDE_CLIENT || !c->app_seq[i].after_sh)
				continue;
			if (seen++ && !alert_sized(c->app_seq[i].len))
				data++;
		}
		if (c->n_app_seq == CONN_MAX_APP_SEQ)
			return;	/* the records kept may not be all of them */
	} else {
		data = r->n_app[SIDE_CLIENT];
	}
	closer = first_closer(c);
	if (!data && closer >= 0)
		r->closed_before_data = closer + 1;
}

static void handshake_kind(struct conn *c)
{
	struct hs_record *r = &c->rec;

	if (!c->sh) {
		r->kind = KIND_UNKNOWN;
		return;
	}
	if (TLS_V_IS_TLS13(r->version)) {
		r->kind = (c->sh->flags & TLS_SHF_PSK) ? KIND_RESUMED_PSK : KIND_FULL;
		return;
	}
	/* TLS <= 1.2: an abbreviated handshake has the server's CCS and no certificate */
	if (!r->server_cert_seen && c->ccs[SIDE_SERVER] && !c->server_done)
		r->kind = c->ch && (c->ch->flags & TLS_CHF_TICKET_NONEMPTY) ? KIND_RESUMED_TICKET
									    : KIND_RESUMED_SESSION_ID;
	else
		r->kind = KIND_FULL;
}

/* A reset's TTL or IP ID against what the server sent before (its SYN-ACK). */
static void reset_evidence(struct conn *c)
{
	struct hs_record *r = &c->rec;
	struct evidence *ev = &r->ev;

	ev->basis = BASIS_TRANSPORT;
	if (!r->peer.synack_seen)
		return;
	ev->baseline_known = 1;
	ev->baseline_ttl = r->peer.synack_ttl;
	ev->baseline_ip_id = r->peer.synack_ip_id;
	ev->ttl_mismatch = r->rst.ttl != r->peer.synack_ttl;
	/*
	 * IPv4 only: a stack that numbers its packets sequentially gives its own
	 * reset an ID shortly after the SYN-ACK's; zero IDs (random or DF-only
	 * stacks) tell nothing.
	 */
	if (r->family == 4 && r->peer.synack_ip_id && r->rst.ip_id)
		ev->ip_id_mismatch = (uint16_t)(r->rst.ip_id - r->peer.synack_ip_id) > 64;
	ev->suspected_middlebox = ev->ttl_mismatch || ev->ip_id_mismatch;
}

/*
 * QUIC past its alerts (a crypto CONNECTION_CLOSE came as one): what the
 * Initials show.  Nonzero when that settles it; the rest (silence) is TCP's.
 */
static int quic_settle(struct conn *c)
{
	const struct tlsmon_ev_quic_info *q = c->quic;
	struct hs_record *r = &c->rec;

	if (!c->sh && (q->flags & QUIC_CF_VN)) {
		r->ev.basis = BASIS_TRANSPORT;
		r->reason = REASON_QUIC_VERSION_NEGOTIATION;
		return 1;
	}
	/* the rest of the handshake is in Handshake packets, whose keys nobody else has */
	if (c->sh && !(c->sh->flags & TLS_SHF_HRR) &&
	    !(q->flags & (QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_S))) {
		r->outcome = OUTCOME_ESTABLISHED;
		r->reason = REASON_NONE;
		return 1;
	}
	if (q->flags & (QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_S)) {
		/* a transport error, not an alert: the handshake was cut */
		r->ev.basis = BASIS_TRANSPORT;
		r->reason = REASON_ABORTED_DURING_HANDSHAKE;
		return 1;
	}
	return 0;
}

static void settle(struct conn *c, struct profiles *p, int timed_out, double waited)
{
	struct hs_record *r = &c->rec;
	struct evidence *ev = &r->ev;
	const struct rec_alert *a;
	enum reason why = REASON_NONE;

	handshake_kind(c);
	r->outcome = OUTCOME_FAILED;
	if (c->non_tls) {
		ev->basis = BASIS_TRANSPORT;
		r->reason = REASON_NON_TLS_RESPONSE;
		return;
	}
	a = first_fatal(r, 0);
	if (a) {
		r->reason = from_alert(c, a, p);
		return;
	}
	if (c->quic && quic_settle(c))
		return;
	if (tls13_inference(c, &why)) {
		r->reason = why;
		return;
	}
	if (completed(c)) {
		r->outcome = OUTCOME_ESTABLISHED;
		r->reason = REASON_NONE;
		closed_early(c);
		return;
	}
	if (r->rst.seen) {
		if (r->rst.sender == SIDE_SERVER && r->rst.before_server_hello) {
			reset_evidence(c);
			r->reason = REASON_RESET_AFTER_CLIENT_HELLO;
		} else {
			ev->basis = BASIS_TRANSPORT;
			r->reason = REASON_ABORTED_DURING_HANDSHAKE;
		}
		return;
	}
	if (r->fin.seen) {
		ev->basis = BASIS_TRANSPORT;
		if (r->fin.sender == SIDE_SERVER && r->fin.before_server_hello) {
			ev->client_sent_no_sni = c->ch && !(c->ch->flags & TLS_CHF_SNI);
			r->reason = REASON_CLOSED_AFTER_CLIENT_HELLO;
		} else {
			r->reason = REASON_ABORTED_DURING_HANDSHAKE;
		}
		return;
	}
	if (timed_out) {
		ev->basis = BASIS_TRANSPORT;
		ev->waited_s = waited;
		if (c->sh)
			r->reason = REASON_ABORTED_DURING_HANDSHAKE;
		else if (ev->hello_incomplete)
			/* the rest of the hello never came: dropped on the way, not refused */
			r->reason = REASON_CLIENT_HELLO_INCOMPLETE;
		else if (c->quic)
			/* UDP: nothing at all came back (a ServerHello-less answer is a close) */
			r->reason = REASON_NO_SERVER_RESPONSE;
		else
			r->reason = REASON_NO_SERVER_HELLO;
		return;
	}
	/* the capture (or the datapath's tracking) ended before anything settled */
	r->outcome = OUTCOME_UNKNOWN;
	r->reason = REASON_NONE;
}

/*
 * --verify: this server was asked from here (model/verify.c).  A refusal of
 * the hello (an alert before the ServerHello) whose cause the probes name for
 * this client's offer (no version it offers is taken, or none of its suites,
 * every suite the server takes being known) is that cause, confirmed: it
 * replaces an unnamed alert or an inference, never another named cause.
 */
void diag_verified(struct conn *c)
{
	struct hs_record *r = &c->rec;
	enum reason why;

	if (!r->verified || r->outcome != OUTCOME_FAILED || c->sh || !first_fatal(r, 0))
		return;
	if (r->reason != REASON_OTHER_ALERT && r->reason != REASON_NO_SHARED_CIPHER &&
	    r->reason != REASON_VERSION_MISMATCH)
		return;
	why = verify_cause_for(r->verified, r);
	if (why == REASON_NONE)
		return;
	if (r->reason != why && r->reason != REASON_OTHER_ALERT &&
	    r->ev.confidence == CONFIDENCE_CONFIRMED)
		return;	/* the server's own history named another cause */
	r->reason = why;
	r->ev.confidence = CONFIDENCE_CONFIRMED;
}

void diag_settle(struct conn *c, struct profiles *p, int timed_out, double waited)
{
	struct hs_record *r = &c->rec;
	struct evidence *ev = &r->ev;

	settle(c, p, timed_out, waited);
	if (r->outcome != OUTCOME_FAILED) {
		ev->confidence = CONFIDENCE_NONE;
		return;
	}
	/*
	 * The alerts' rules said how sure they are; the rest is what the wire
	 * showed (a reset, a close, silence, plain text): confirmed, except a
	 * TLS 1.3 alert inferred from the size of an encrypted record.
	 */
	if (ev->confidence == CONFIDENCE_NONE)
		ev->confidence = ev->basis == BASIS_INFERRED ? CONFIDENCE_LIKELY
							     : CONFIDENCE_CONFIRMED;
	diag_verified(c);
}

/* ": the server speaks QUIC 0x00000001, 0x6b3343cf" */
static size_t quic_vn_words(const struct hs_record *r, char *buf, size_t len, size_t n)
{
	unsigned i;

	if (!r->quic || !r->quic->n_vn)
		return n;
	n = str_catf(buf, len, n, ": the server speaks QUIC");
	for (i = 0; i < r->quic->n_vn && i < QUIC_INFO_VN_MAX; i++)
		n = str_catf(buf, len, n, "%s 0x%08x", i ? "," : "", r->quic->vn[i]);
	return n;
}

/* "; the client offers up to TLSv1.3 with 18 suite(s), 4 group(s), 9 signature algorithm(s)" */
static size_t offer_words(const struct hs_record *r, char *buf, size_t len, size_t n, int first)
{
	char x[40];

	return str_catf(buf, len, n, "%s the client offers up to %s with %u suite(s), %u group(s), "
			"%u signature algorithm(s)", first ? ":" : ";",
			tls_version_str(r->ev.client_max_version, x, sizeof(x)), r->ch->n_ciphers,
			r->ch->n_groups, r->ch->n_sigalgs);
}

/*
 * ": 10.77.2.2, serving the same name, accepted this client fingerprint with
 * X at TLSv1.2 (3 handshake(s)); this server refuses it"
 */
static size_t sibling_words(const struct rec_sibling *s, char *buf, size_t len, size_t n)
{
	char a[64], x[40], y[40];
	const char *cipher = tls_cipher_str(s->cipher, x, sizeof(x));
	const char *version = tls_version_str(s->version, y, sizeof(y));

	addr_str(s->addr, a, sizeof(a));
	if (s->same_fingerprint)
		return str_catf(buf, len, n, ": %s%s accepted this client fingerprint with %s at %s "
				"(%u handshake(s)); this server refuses it", a,
				s->same_name ? ", serving the same name," : "", cipher, version,
				s->handshakes);
	return str_catf(buf, len, n, ": %s, serving the same name, accepted other clients with %s "
			"at %s; this server refuses this one", a, cipher, version);
}

/* ": the client offered ALPN h2,http/1.1", each name escaped */
static size_t alpn_words(const struct tls_client_hello *ch, char *buf, size_t len, size_t n)
{
	size_t have = ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX, p = 0, k;
	char e[4 * 32 + 1];
	unsigned i = 0;

	if (!have) {
		return str_catf(buf, len, n, ": the client offered %s",
				(ch->flags & TLS_CHF_ALPN) ? "an empty ALPN list" : "no ALPN");
	}
	n = str_catf(buf, len, n, ": the client offered ALPN");
	while (p < have && i < 8) {
		k = ch->alpn[p++];
		if (k > have - p)
			k = have - p;
		esc_term(e, sizeof(e), ch->alpn + p, k > 32 ? 32 : k);
		n = str_catf(buf, len, n, "%s%s%s", i++ ? "," : " ", e, k > 32 ? "..." : "");
		p += k;
	}
	if (ch->alpn_count > i)
		n = str_catf(buf, len, n, " (%u in all)", ch->alpn_count);
	return n;
}

/* Why, in words, from the evidence; appended at n. */
static size_t explain(const struct hs_record *r, char *buf, size_t len, size_t n, esc_fn esc)
{
	const struct evidence *ev = &r->ev;
	char x[40], y[40], fb[4 * 24 + 1];
	unsigned i;

	if (ev->alert && !ev->alert->encrypted)
		n = str_catf(buf, len, n, " (%s sent %s %s)", ev->alert->sender ? "server" : "client",
			ev->alert->level == TLS_ALERT_LEVEL_FATAL ? "fatal" : "warning",
			tls_alert_str(ev->alert->desc, x, sizeof(x)));
	switch (r->reason) {
	case REASON_VERSION_MISMATCH:
	case REASON_NO_SHARED_CIPHER:
		if (ev->basis == BASIS_SERVER_PROFILE) {
			n = str_catf(buf, len, n, ": in %u successful handshakes this server accepted",
				ev->profile_successes);
			for (i = 0; i < ev->n_profile_ciphers; i++)
				n = str_catf(buf, len, n, "%s %s", i ? "," : "",
					tls_cipher_str(ev->profile_ciphers[i], x, sizeof(x)));
			n = str_catf(buf, len, n, " at %s..%s; the client offers up to %s and %s of those",
				tls_version_str(ev->profile_min_version, x, sizeof(x)),
				tls_version_str(ev->profile_max_version, y, sizeof(y)),
				tls_version_str(ev->client_max_version, x, sizeof(x)),
				r->reason == REASON_NO_SHARED_CIPHER ? "none" : "some");
		} else if ((ev->basis == BASIS_CLIENT_OFFER || ev->basis == BASIS_SIBLING) && r->ch) {
			/* the other server first: the strongest of the evidence */
			if (ev->have_sibling)
				n = sibling_words(&ev->sibling, buf, len, n);
			n = offer_words(r, buf, len, n, !ev->have_sibling);
			if (r->reason == REASON_VERSION_MISMATCH)
				n = str_catf(buf, len, n, "; TLS below 1.2 is refused by most servers "
					     "(RFC 8996)");
			if (ev->alternatives)
				n = str_catf(buf, len, n, "; the same alert also means no shared %s",
					(ev->alternatives & EV_ALT_NO_SHARED_GROUP) &&
					(ev->alternatives & EV_ALT_NO_SHARED_SIGALG)
						? "group or signature algorithm"
						: ev->alternatives & EV_ALT_NO_SHARED_GROUP
							  ? "group" : "signature algorithm");
		}
		break;
	case REASON_NO_SHARED_ALPN:
		if (r->ch)
			n = alpn_words(r->ch, buf, len, n);
		break;
	case REASON_RESET_AFTER_CLIENT_HELLO:
		n = str_catf(buf, len, n, ": reset with TTL %u", r->rst.ttl);
		if (ev->baseline_known)
			n = str_catf(buf, len, n, " where the SYN-ACK had %u", ev->baseline_ttl);
		if (ev->suspected_middlebox)
			n = str_catf(buf, len, n, ", suspected middlebox");
		break;
	case REASON_CLOSED_AFTER_CLIENT_HELLO:
		n = str_catf(buf, len, n, ": the server closed%s",
			ev->client_sent_no_sni ? ", and the client sent no SNI" : "");
		break;
	case REASON_CLIENT_REJECTED_SERVER_CERT:
	case REASON_SERVER_REJECTED_CLIENT_CERT: {
		/* the refused side's certificate: what is wrong with it, when seen */
		uint32_t f = r->cert_findings[r->reason == REASON_CLIENT_REJECTED_SERVER_CERT
						      ? SIDE_SERVER : SIDE_CLIENT];
		unsigned i, k = 0;

		if (ev->basis == BASIS_INFERRED)
			n = str_catf(buf, len, n, " (inferred from a %u-byte encrypted record)",
				ev->inferred_record_len);
		for (i = 0; i < CERT_F_MAX; i++)
			if (f & (1u << i))
				n = str_catf(buf, len, n, "%s%s", k++ ? ", " : ": ", cert_finding_name(i));
		break;
	}
	case REASON_NON_TLS_RESPONSE:
		esc(fb, sizeof(fb), ev->first_bytes, ev->n_first_bytes > 24 ? 24 : ev->n_first_bytes);
		n = str_catf(buf, len, n, ": the server answered \"%s\"", fb);
		break;
	case REASON_NO_SERVER_HELLO:
	case REASON_NO_SERVER_RESPONSE:
		n = str_catf(buf, len, n, ": no answer in %.1f s", ev->waited_s);
		break;
	case REASON_QUIC_VERSION_NEGOTIATION:
		n = quic_vn_words(r, buf, len, n);
		break;
	case REASON_CLIENT_HELLO_INCOMPLETE:
		if (ev->hello_need)
			n = str_catf(buf, len, n, ": %u of its %u bytes came", ev->hello_have,
				ev->hello_need);
		else
			n = str_catf(buf, len, n, ": %u bytes came", ev->hello_have);
		n = str_catf(buf, len, n, ", then nothing in %.1f s", ev->waited_s);
		break;
	default:
		break;
	}
	if (r->verified && !r->sh)
		n = verify_explain(r->verified, buf, len, n);
	return n;
}

void diag_explain(const struct hs_record *r, char *buf, size_t len, esc_fn esc)
{
	if (len)
		buf[0] = 0;
	if (r->outcome == OUTCOME_FAILED)
		explain(r, buf, len, 0, esc);
}
