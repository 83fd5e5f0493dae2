// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/diag.c and profiles.c: the reason and confidence of a server's
 * fatal alert before its ServerHello, one rule per test (the rules are
 * written at refusal() in diag.c): the alerts that name their cause, the
 * server's own profile (confirmed), and, from a cold start, the client's
 * offer and the other servers that accepted the same fingerprint or served
 * the same name (likely).  Connections are built as the collector hands
 * them to diag_settle(); successes go through profiles_learn() as records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pkt.h"
#include "model/diag.h"
#include "tls_proto.h"

#define JA4_PY "t13d1812h1_aaaaaaaaaaaa_bbbbbbbbbbbb"
#define JA4_CURL "t13d3112h2_cccccccccccc_dddddddddddd"
#define A4 "10.77.2.2"
#define B4 "10.77.3.2"

/* Python 3.12's offer (field report 004): TLS 1.3 + forward-secret TLS 1.2 suites. */
static const uint16_t PY_SUITES[] = { 0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0xc02b, 0xc02f,
				      0xcca9, 0xcca8, 0xc0ad, 0xc0ac, 0xc024, 0xc028, 0xc023,
				      0xc027, 0x009f, 0x009e, 0x00ff };
static const uint16_t TLS13_12[] = { TLS_V_TLS13, TLS_V_TLS12 };

struct hs {
	struct conn c;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct fingerprints fp;
};

/*
 * A connection from 10.77.1.2 to server:443 with this offer: legacy version
 * 0x0303 and supported_versions vers (or legacy = the one version when
 * n_vers is 0, as a TLS 1.0/1.1-only client sends).
 */
static void offer(struct hs *s, const char *server, const char *sni, const char *ja4,
		  const uint16_t *suites, unsigned n_suites, const uint16_t *vers, unsigned n_vers,
		  uint16_t legacy)
{
	struct hs_record *r = &s->c.rec;
	unsigned i;

	memset(s, 0, sizeof(*s));
	r->family = 4;
	assert_int_equal(pkt_addr_rec(r->caddr, "10.77.1.2"), 0);
	assert_int_equal(pkt_addr_rec(r->saddr, server), 0);
	r->cport = 40000;
	r->sport = 443;
	s->ch.legacy_version = legacy;
	s->ch.n_ciphers = n_suites;
	for (i = 0; i < n_suites; i++)
		s->ch.ciphers[i] = suites[i];
	s->ch.n_versions = n_vers;
	for (i = 0; i < n_vers; i++)
		s->ch.versions[i] = vers[i];
	s->ch.n_groups = 2;
	s->ch.groups[0] = 0x001d;
	s->ch.groups[1] = 0x0017;
	s->ch.n_sigalgs = 2;
	s->ch.sigalgs[0] = 0x0804;
	s->ch.sigalgs[1] = 0x0403;
	if (sni) {
		s->ch.flags |= TLS_CHF_SNI;
		s->ch.sni_len = strlen(sni);
		memcpy(s->ch.sni, sni, s->ch.sni_len);
	}
	if (ja4) {
		s->fp.have_ja4 = 1;
		snprintf(s->fp.ja4, sizeof(s->fp.ja4), "%s", ja4);
	}
	s->c.ch = &s->ch;
	r->ch = &s->ch;
	r->fp = &s->fp;
}

static void py(struct hs *s, const char *server)
{
	offer(s, server, "api.lab.test", JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
}

/* The server's fatal alert before any ServerHello. */
static void refuse(struct hs *s, uint8_t desc)
{
	struct hs_record *r = &s->c.rec;

	r->alerts[0] = (struct rec_alert){ .sender = SIDE_SERVER, .level = TLS_ALERT_LEVEL_FATAL,
					   .desc = desc };
	r->n_alerts = 1;
}

/* The handshake succeeded with this suite and version: learnt by ps. */
static void accept_(struct profiles *ps, struct hs *s, uint16_t cipher, uint16_t version)
{
	struct hs_record *r = &s->c.rec;

	s->sh.cipher = cipher;
	s->sh.legacy_version = version;
	s->c.sh = &s->sh;
	r->sh = &s->sh;
	r->version = version;
	r->outcome = OUTCOME_ESTABLISHED;
	profiles_learn(ps, r);
}

static void settle(struct hs *s, struct profiles *ps)
{
	diag_settle(&s->c, ps, 0, 0);
	assert_int_equal(s->c.rec.outcome, OUTCOME_FAILED);
}

static const char *why(struct hs *s)
{
	static char buf[2048];

	diag_explain(&s->c.rec, buf, sizeof(buf), esc_term);
	if (getenv("TEST_DIAG_VERBOSE"))
		fprintf(stderr, "# %s\n", buf);
	return buf;
}

static struct hs S, T;	/* big: not on the stack */

/* ---- the alerts that name their cause: confirmed ---- */

static void test_named_alerts_confirmed(void **state)
{
	static const uint8_t desc[] = { TLS_ALERT_PROTOCOL_VERSION, TLS_ALERT_UNRECOGNIZED_NAME,
					TLS_ALERT_NO_APPLICATION_PROTOCOL };
	static const enum reason want[] = { REASON_VERSION_MISMATCH, REASON_UNRECOGNIZED_NAME,
					    REASON_NO_SHARED_ALPN };
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		py(&S, B4);
		refuse(&S, desc[i]);
		settle(&S, NULL);
		assert_int_equal(S.c.rec.reason, want[i]);
		assert_int_equal(S.c.rec.ev.basis, BASIS_ALERT);
		assert_int_equal(S.c.rec.ev.confidence, CONFIDENCE_CONFIRMED);
	}
}

/* no_application_protocol names the client's ALPN, escaped, as evidence */
static void test_no_shared_alpn_names_the_offer(void **state)
{
	static const uint8_t list[] = { 3, 'f', 'o', 'o', 4, 'h', 0x1b, ']', '2' };
	const char *w;

	(void)state;
	py(&S, A4);
	S.ch.flags |= TLS_CHF_ALPN;
	S.ch.alpn_len = sizeof(list);
	S.ch.alpn_count = 2;
	memcpy(S.ch.alpn, list, sizeof(list));
	refuse(&S, TLS_ALERT_NO_APPLICATION_PROTOCOL);
	settle(&S, NULL);
	assert_int_equal(S.c.rec.reason, REASON_NO_SHARED_ALPN);
	assert_string_equal(reason_name(S.c.rec.reason), "no_shared_alpn");
	w = why(&S);
	assert_non_null(strstr(w, "server sent fatal no_application_protocol"));
	assert_non_null(strstr(w, "the client offered ALPN foo,h\\x1b]2"));
	assert_null(strchr(w, 0x1b));
}

/* ---- rule 2: the client's offer alone (cold start) ---- */

/* handshake_failure or insufficient_security to a TLS 1.2+ client */
static void test_cold_negotiation_failure_is_likely_no_shared_cipher(void **state)
{
	static const uint8_t desc[] = { TLS_ALERT_HANDSHAKE_FAILURE,
					TLS_ALERT_INSUFFICIENT_SECURITY };
	struct profiles *ps = profiles_new(64);
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		py(&S, B4);
		refuse(&S, desc[i]);
		settle(&S, ps);
		assert_int_equal(S.c.rec.reason, REASON_NO_SHARED_CIPHER);
		assert_int_equal(S.c.rec.ev.basis, BASIS_CLIENT_OFFER);
		assert_int_equal(S.c.rec.ev.confidence, CONFIDENCE_LIKELY);
		assert_int_equal(S.c.rec.ev.alternatives,
				 EV_ALT_NO_SHARED_GROUP | EV_ALT_NO_SHARED_SIGALG);
		assert_false(S.c.rec.ev.have_sibling);
		assert_non_null(strstr(why(&S), "the client offers up to TLSv1.3 with 18 suite(s), "
					   "2 group(s), 2 signature algorithm(s)"));
		assert_non_null(strstr(why(&S), "no shared group or signature algorithm"));
	}
	profiles_free(ps);
}

/* a client whose best is TLS 1.1 or 1.0: the version, whatever the alert */
static void test_cold_old_client_is_likely_version_mismatch(void **state)
{
	static const uint8_t desc[] = { TLS_ALERT_INTERNAL_ERROR, TLS_ALERT_HANDSHAKE_FAILURE,
					TLS_ALERT_DECODE_ERROR };
	static const uint16_t suites[] = { 0xc014, 0x0035, 0x002f, 0x00ff };
	static const uint16_t legacy[] = { TLS_V_TLS11, TLS_V_TLS10 };
	unsigned i, v;

	(void)state;
	for (v = 0; v < 2; v++) {
		for (i = 0; i < 3; i++) {
			offer(&S, A4, "a.lab.test", NULL, suites, 4, NULL, 0, legacy[v]);
			refuse(&S, desc[i]);
			settle(&S, NULL);
			assert_int_equal(S.c.rec.reason, REASON_VERSION_MISMATCH);
			assert_int_equal(S.c.rec.ev.confidence, CONFIDENCE_LIKELY);
			assert_int_equal(S.c.rec.ev.basis, BASIS_CLIENT_OFFER);
			assert_int_equal(S.c.rec.ev.client_max_version, legacy[v]);
			assert_non_null(strstr(why(&S), "RFC 8996"));
		}
	}
}

/* any other alert to a TLS 1.2+ client, cold: named, not explained */
static void test_cold_other_alert_stays_named(void **state)
{
	char buf[64];

	(void)state;
	py(&S, B4);
	refuse(&S, TLS_ALERT_INTERNAL_ERROR);
	settle(&S, NULL);
	assert_int_equal(S.c.rec.reason, REASON_OTHER_ALERT);
	assert_string_equal(reason_label(&S.c.rec, buf, sizeof(buf)), "other_alert:internal_error");
	assert_int_equal(S.c.rec.ev.basis, BASIS_ALERT);
	assert_int_equal(S.c.rec.ev.confidence, CONFIDENCE_CONFIRMED);
	assert_false(S.c.rec.ev.have_sibling);
}

/* ---- rule 3: siblings, as evidence ---- */

/* DNS round robin: A accepted this very fingerprint for the same name, B refuses it */
static void test_sibling_same_name_same_fingerprint(void **state)
{
	struct profiles *ps = profiles_new(64);
	const struct rec_sibling *sib = &T.c.rec.ev.sibling;

	(void)state;
	py(&S, A4);
	accept_(ps, &S, 0xc028, TLS_V_TLS12);
	py(&T, B4);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_NO_SHARED_CIPHER);
	assert_int_equal(T.c.rec.ev.confidence, CONFIDENCE_LIKELY);
	assert_int_equal(T.c.rec.ev.basis, BASIS_SIBLING);
	assert_true(T.c.rec.ev.have_sibling);
	assert_memory_equal(sib->addr, S.c.rec.saddr, 16);
	assert_int_equal(sib->port, 443);
	assert_true(sib->same_name);
	assert_true(sib->same_fingerprint);
	assert_int_equal(sib->cipher, 0xc028);
	assert_int_equal(sib->handshakes, 1);
	assert_non_null(strstr(why(&T), "10.77.2.2, serving the same name, accepted this client "
				   "fingerprint with TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 at TLSv1.2 "
				   "(1 handshake(s)); this server refuses it; the client offers up to "
				   "TLSv1.3 with 18 suite(s)"));
	profiles_free(ps);
}

/* the fingerprint accepted elsewhere, under another name */
static void test_sibling_same_fingerprint_other_name(void **state)
{
	struct profiles *ps = profiles_new(64);

	(void)state;
	offer(&S, "10.77.9.9", "other.lab.test", JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
	accept_(ps, &S, 0x1302, TLS_V_TLS13);
	py(&T, B4);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_NO_SHARED_CIPHER);
	assert_true(T.c.rec.ev.have_sibling);
	assert_true(T.c.rec.ev.sibling.same_fingerprint);
	assert_false(T.c.rec.ev.sibling.same_name);
	assert_non_null(strstr(why(&T), "): 10.77.9.9 accepted this client fingerprint with "
				   "TLS_AES_256_GCM_SHA384"));
	profiles_free(ps);
}

/* the same name served elsewhere to another client; a same-name sibling
 * with this fingerprint is preferred over one without */
static void test_sibling_same_name_other_client(void **state)
{
	static const uint16_t curl[] = { 0x1301, 0xc02f, 0x0035 };
	struct profiles *ps = profiles_new(64);

	(void)state;
	offer(&S, A4, "api.lab.test", JA4_CURL, curl, 3, TLS13_12, 2, TLS_V_TLS12);
	accept_(ps, &S, 0x1301, TLS_V_TLS13);
	py(&T, B4);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_int_equal(T.c.rec.ev.basis, BASIS_SIBLING);
	assert_true(T.c.rec.ev.sibling.same_name);
	assert_false(T.c.rec.ev.sibling.same_fingerprint);
	assert_non_null(strstr(why(&T), "10.77.2.2, serving the same name, accepted other clients "
				   "with TLS_AES_128_GCM_SHA256"));
	/* then python succeeds at 10.77.9.9 under another name, and at A */
	offer(&S, "10.77.9.9", "other.lab.test", JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
	accept_(ps, &S, 0x1302, TLS_V_TLS13);
	py(&S, A4);
	accept_(ps, &S, 0xc028, TLS_V_TLS12);
	offer(&S, "10.77.9.9", "other.lab.test", JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
	accept_(ps, &S, 0x1302, TLS_V_TLS13);	/* the most recent, but not the same name */
	py(&T, B4);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_true(T.c.rec.ev.sibling.same_name);
	assert_true(T.c.rec.ev.sibling.same_fingerprint);
	assert_int_equal(T.c.rec.ev.sibling.cipher, 0xc028);
	profiles_free(ps);
}

/* a server is never its own sibling; a sibling never makes it confirmed */
static void test_sibling_not_self_and_still_likely(void **state)
{
	struct profiles *ps = profiles_new(64);

	(void)state;
	/* B's only success was TLS 1.3: its profile says nothing of a TLS 1.2 client */
	offer(&S, B4, "api.lab.test", JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
	accept_(ps, &S, 0x1302, TLS_V_TLS13);
	offer(&T, B4, "api.lab.test", JA4_PY, PY_SUITES + 3, 15, TLS13_12 + 1, 1, TLS_V_TLS12);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_NO_SHARED_CIPHER);
	assert_int_equal(T.c.rec.ev.confidence, CONFIDENCE_LIKELY);
	assert_false(T.c.rec.ev.have_sibling);
	assert_int_equal(T.c.rec.ev.basis, BASIS_CLIENT_OFFER);
	profiles_free(ps);
}

/* an old client with a sibling that accepted it: still the version, likely, with the sibling */
static void test_sibling_with_old_client(void **state)
{
	static const uint16_t suites[] = { 0xc014, 0x0035 };
	struct profiles *ps = profiles_new(64);

	(void)state;
	offer(&S, A4, "api.lab.test", JA4_CURL, suites, 2, NULL, 0, TLS_V_TLS11);
	accept_(ps, &S, 0xc014, TLS_V_TLS11);
	offer(&T, B4, "api.lab.test", JA4_CURL, suites, 2, NULL, 0, TLS_V_TLS11);
	refuse(&T, TLS_ALERT_INTERNAL_ERROR);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_VERSION_MISMATCH);
	assert_int_equal(T.c.rec.ev.confidence, CONFIDENCE_LIKELY);
	assert_int_equal(T.c.rec.ev.basis, BASIS_SIBLING);
	assert_non_null(strstr(why(&T), "10.77.2.2, serving the same name, accepted this client "
				   "fingerprint with TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA at TLSv1.1"));
	profiles_free(ps);
}

/* ---- rule 1: the server's own profile: confirmed ---- */

static void test_profile_confirms(void **state)
{
	static const uint16_t rsa[] = { 0x0035, 0x002f };
	struct profiles *ps = profiles_new(64);

	(void)state;
	offer(&S, B4, "b.lab.test", JA4_CURL, rsa, 2, NULL, 0, TLS_V_TLS12);
	accept_(ps, &S, 0x0035, TLS_V_TLS12);
	py(&T, B4);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_NO_SHARED_CIPHER);
	assert_int_equal(T.c.rec.ev.basis, BASIS_SERVER_PROFILE);
	assert_int_equal(T.c.rec.ev.confidence, CONFIDENCE_CONFIRMED);
	assert_int_equal(T.c.rec.ev.alternatives, 0);
	assert_non_null(strstr(why(&T), "in 1 successful handshakes this server accepted "
				   "TLS_RSA_WITH_AES_256_CBC_SHA at TLSv1.2..TLSv1.2"));
	/* a suite it chose is on offer: the alert stays unexplained */
	offer(&T, B4, "b.lab.test", JA4_CURL, rsa, 2, NULL, 0, TLS_V_TLS12);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_OTHER_ALERT);
	assert_int_equal(T.c.rec.ev.confidence, CONFIDENCE_CONFIRMED);
	/* a TLS 1.1 client where the server only ever spoke TLS 1.2: the version, confirmed */
	offer(&T, B4, "b.lab.test", NULL, rsa, 2, NULL, 0, TLS_V_TLS11);
	refuse(&T, TLS_ALERT_INTERNAL_ERROR);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_VERSION_MISMATCH);
	assert_int_equal(T.c.rec.ev.basis, BASIS_SERVER_PROFILE);
	assert_int_equal(T.c.rec.ev.confidence, CONFIDENCE_CONFIRMED);
	profiles_free(ps);
}

/* an old client at a server that accepted its version before: not the version */
static void test_profile_clears_the_version(void **state)
{
	static const uint16_t suites[] = { 0xc014, 0x0035 };
	struct profiles *ps = profiles_new(64);

	(void)state;
	offer(&S, A4, "a.lab.test", NULL, suites, 2, NULL, 0, TLS_V_TLS10);
	accept_(ps, &S, 0xc014, TLS_V_TLS10);
	offer(&T, A4, "a.lab.test", NULL, suites, 2, NULL, 0, TLS_V_TLS11);
	refuse(&T, TLS_ALERT_INTERNAL_ERROR);
	settle(&T, ps);
	assert_int_equal(T.c.rec.reason, REASON_OTHER_ALERT);
	assert_int_equal(T.c.rec.ev.confidence, CONFIDENCE_CONFIRMED);
	profiles_free(ps);
}

/* ---- the other reasons: what the wire showed ---- */

static void test_transport_and_inferred(void **state)
{
	(void)state;
	py(&S, B4);
	S.c.rec.rst = (struct rec_tcp_end){ .seen = 1, .sender = SIDE_SERVER,
					    .before_server_hello = 1 };
	settle(&S, NULL);
	assert_int_equal(S.c.rec.reason, REASON_RESET_AFTER_CLIENT_HELLO);
	assert_int_equal(S.c.rec.ev.confidence, CONFIDENCE_CONFIRMED);
	/* TLS 1.3: the client's only record after the ServerHello is alert-sized */
	py(&S, B4);
	S.sh.selected_version = TLS_V_TLS13;
	S.c.sh = &S.sh;
	S.c.rec.version = TLS_V_TLS13;
	S.c.app_seq[0] = (typeof(S.c.app_seq[0])){ .side = SIDE_CLIENT, .after_sh = 1, .len = 19 };
	S.c.n_app_seq = 1;
	settle(&S, NULL);
	assert_int_equal(S.c.rec.reason, REASON_CLIENT_REJECTED_SERVER_CERT);
	assert_int_equal(S.c.rec.ev.basis, BASIS_INFERRED);
	assert_int_equal(S.c.rec.ev.confidence, CONFIDENCE_LIKELY);
	/* established: no confidence */
	py(&S, A4);
	S.c.end_reason = TLSMON_END_SETTLED;
	diag_settle(&S.c, NULL, 0, 0);
	assert_int_equal(S.c.rec.outcome, OUTCOME_ESTABLISHED);
	assert_int_equal(S.c.rec.ev.confidence, CONFIDENCE_NONE);
	assert_string_equal(confidence_name(CONFIDENCE_LIKELY), "likely");
	assert_string_equal(confidence_name(CONFIDENCE_CONFIRMED), "confirmed");
}

/*
 * A fingerprint's servers are bounded: the least recent goes.  10.77.20.1,
 * the only one serving x.lab.test, would be the preferred sibling of a
 * failure for x.lab.test; four more servers later it is gone from the JA4's
 * set and the most recent of them is given instead.
 */
static void test_siblings_bounded(void **state)
{
	struct profiles *ps = profiles_new(64);
	char ip[32], name[32];
	unsigned i;

	(void)state;
	for (i = 1; i <= PROFILES_MAX_SIBLINGS + 1; i++) {
		snprintf(ip, sizeof(ip), "10.77.20.%u", i);
		snprintf(name, sizeof(name), i == 1 ? "x.lab.test" : "s%u.lab.test", i);
		offer(&S, ip, name, JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
		accept_(ps, &S, 0x1302, TLS_V_TLS13);
		if (i != PROFILES_MAX_SIBLINGS)
			continue;
		/* still there at the cap: preferred for its name */
		offer(&T, B4, "x.lab.test", JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
		refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
		settle(&T, ps);
		assert_int_equal(pkt_addr_rec(S.c.rec.saddr, "10.77.20.1"), 0);
		assert_memory_equal(T.c.rec.ev.sibling.addr, S.c.rec.saddr, 16);
		assert_true(T.c.rec.ev.sibling.same_name);
	}
	offer(&T, B4, "x.lab.test", JA4_PY, PY_SUITES, 18, TLS13_12, 2, TLS_V_TLS12);
	refuse(&T, TLS_ALERT_HANDSHAKE_FAILURE);
	settle(&T, ps);
	assert_true(T.c.rec.ev.have_sibling);
	assert_true(T.c.rec.ev.sibling.same_fingerprint);
	assert_false(T.c.rec.ev.sibling.same_name);
	assert_int_equal(pkt_addr_rec(S.c.rec.saddr, "10.77.20.5"), 0);
	assert_memory_equal(T.c.rec.ev.sibling.addr, S.c.rec.saddr, 16);
	profiles_free(ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_alerts_confirmed),
		cmocka_unit_test(test_no_shared_alpn_names_the_offer),
		cmocka_unit_test(test_cold_negotiation_failure_is_likely_no_shared_cipher),
		cmocka_unit_test(test_cold_old_client_is_likely_version_mismatch),
		cmocka_unit_test(test_cold_other_alert_stays_named),
		cmocka_unit_test(test_sibling_same_name_same_fingerprint),
		cmocka_unit_test(test_sibling_same_fingerprint_other_name),
		cmocka_unit_test(test_sibling_same_name_other_client),
		cmocka_unit_test(test_sibling_not_self_and_still_likely),
		cmocka_unit_test(test_sibling_with_old_client),
		cmocka_unit_test(test_profile_confirms),
		cmocka_unit_test(test_profile_clears_the_version),
		cmocka_unit_test(test_transport_and_inferred),
		cmocka_unit_test(test_siblings_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
