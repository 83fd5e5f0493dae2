// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/whatif.c and offers.c: --what-if.  The policy parser (libssl
 * reads every list; what it resolved is checked against the IANA code
 * points), its refusals, and the verdicts on real ClientHellos of the
 * corpus, each expectation written from what tshark shows of that hello
 * (noted at each fixture).  tests/e2e/test_what_if.sh checks the same
 * rules against a real server.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "corpus.h"
#include "model/local_id.h"
#include "model/offers.h"
#include "model/whatif.h"
#include "tls_parse.h"

/*
 * Chrome (ja4/latest.pcapng frame 10): supported_versions 1.3, 1.2; suites
 * 1301-1303, ECDHE, and RSA key exchange 002f, 0035; groups X25519, P-256,
 * P-384; sigalgs 0403 0804 0401 0503 0805 0501 0806 0601; ALPN h2,http/1.1.
 */
#define CHROME "ja4/latest.pcapng", 10
/*
 * A TLS 1.2-only client (same capture, frame 75): no supported_versions,
 * no ALPN; ECDHE and RSA key exchange suites; groups X25519, P-256, P-384;
 * sigalgs with 0401 (rsa_pkcs1_sha256) and 0804.
 */
#define T12 "ja4/latest.pcapng", 75
/* A TLS 1.0 client (ndpi/tls_cipher_lens.pcap frame 1): 0035, 002f among its suites. */
#define T10 "ndpi/tls_cipher_lens.pcap", 1
/* Firefox (ja4/tls12.pcap frame 1): 1.3 and 1.2, groups up to ffdhe2048/3072. */
#define FIREFOX "ja4/tls12.pcap", 1

static int hello(const char *rel, uint64_t frame, struct tls_client_hello *ch)
{
	static uint8_t buf[16384 + TLSP_SLACK];
	struct tlsp_ws ws;
	char err[256];
	long n;

	memset(buf, 0, sizeof(buf));
	n = corpus_tcp_payload(rel, frame, 0, buf, sizeof(buf) - TLSP_SLACK, err, sizeof(err));
	if (n < 5) {
		print_message("%s frame %llu: %s\n", rel, (unsigned long long)frame, err);
		return -1;
	}
	return tls_parse_client_hello(buf, 5, n, (uint16_t)buf[1] << 8 | buf[2], ch, &ws);
}

static struct whatif_policy pol;

static void policy(const char *s)
{
	char err[512] = "";
	int r = whatif_parse(s, &pol, err, sizeof(err));

	if (r)
		print_message("%s: %s\n", s, err);
	assert_int_equal(r, 0);
}

/* The verdict on a corpus hello; skips the test when the corpus is missing. */
static struct whatif_verdict judge(const char *p, const char *rel, uint64_t frame)
{
	struct tls_client_hello ch;
	struct whatif_verdict v;

	if (hello(rel, frame, &ch))
		skip();
	policy(p);
	whatif_eval(&pol, &ch, &v);
	return v;
}

static int has(const uint16_t *v, unsigned n, uint16_t x)
{
	while (n--)
		if (v[n] == x)
			return 1;
	return 0;
}

static void test_parse_versions(void **state)
{
	(void)state;
	policy("min_version=TLS1.3");
	assert_int_equal(pol.min_version, 0x0304);
	assert_int_equal(pol.max_version, 0x0304);
	/* libssl's spelling too; unset min is TLS 1.2 */
	policy("max_version=TLSv1.2");
	assert_int_equal(pol.min_version, 0x0303);
	assert_int_equal(pol.max_version, 0x0303);
	policy("min_version=TLS1.0,max_version=TLS1.1");
	assert_int_equal(pol.min_version, 0x0301);
	assert_int_equal(pol.max_version, 0x0302);
}

static void test_parse_suites(void **state)
{
	(void)state;
	policy("ciphers=ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA");
	assert_int_equal(pol.n_suites, 2);
	/* in the order given: the server's preference */
	assert_int_equal(pol.suites[0].id, 0xc02f);
	assert_int_equal(pol.suites[0].kx, WHATIF_KX_ECDHE);
	assert_int_equal(pol.suites[0].auth, WHATIF_CERT_RSA);
	assert_int_equal(pol.suites[0].min_version, 0x0303);	/* GCM: TLS 1.2 on */
	assert_int_equal(pol.suites[1].id, 0x0035);
	assert_int_equal(pol.suites[1].kx, WHATIF_KX_RSA);
	assert_true(pol.suites[1].min_version < 0x0303);
	/* libssl's default TLS 1.3 suites stay */
	assert_true(has(pol.suites13, pol.n_suites13, 0x1301));
	policy("ciphersuites=TLS_AES_256_GCM_SHA384");
	assert_int_equal(pol.n_suites13, 1);
	assert_int_equal(pol.suites13[0], 0x1302);
	assert_true(pol.n_suites > 2);	/* the default cipher string */
	/* empty: no TLS 1.3 suite at all */
	policy("ciphersuites=");
	assert_int_equal(pol.n_suites13, 0);
	/* a libssl cipher-string expression, resolved by libssl */
	policy("ciphers=ECDHE+AESGCM:!ECDSA");
	assert_true(pol.n_suites >= 2);
	assert_true(has((uint16_t[]){ pol.suites[0].id, pol.suites[1].id }, 2, 0xc02f));
	for (unsigned i = 0; i < pol.n_suites; i++)
		assert_int_equal(pol.suites[i].kx, WHATIF_KX_ECDHE);
}

static void test_parse_groups_sigalgs_alpn(void **state)
{
	(void)state;
	policy("groups=P-384:X25519");
	assert_int_equal(pol.n_groups, 2);
	assert_int_equal(pol.groups[0], 0x0018);
	assert_int_equal(pol.groups[1], 0x001d);
	policy("groups=ffdhe2048");
	assert_int_equal(pol.n_groups, 1);
	assert_int_equal(pol.groups[0], 0x0100);
	policy("sigalgs=rsa_pss_rsae_sha256:ECDSA+SHA256");
	assert_int_equal(pol.n_sigalgs, 2);
	assert_int_equal(pol.sigalgs[0], 0x0804);
	assert_int_equal(pol.sigalgs[1], 0x0403);
	/* unset: libssl's defaults */
	policy("cert=ecdsa");
	assert_int_equal(pol.cert, WHATIF_CERT_ECDSA);
	assert_true(has(pol.groups, pol.n_groups, 0x001d));
	assert_true(has(pol.sigalgs, pol.n_sigalgs, 0x0804));
	assert_int_equal(pol.alpn_len, 0);
	policy("alpn=h2:http/1.1");
	assert_int_equal(pol.alpn_len, 12);
	assert_memory_equal(pol.alpn, "\x02h2\x08http/1.1", 12);
	assert_string_equal(pol.text, "alpn=h2:http/1.1");
}

static void test_parse_refused(void **state)
{
	static const struct {
		const char *in, *says;
	} bad[] = {
		{ "", "empty" },
		{ "foo=1", "unknown key 'foo'" },
		{ "min_version", "expected KEY=VALUE" },
		{ "min_version=TLS1.4", "min_version=TLS1.4" },
		{ "min_version=SSLv3", "min_version=SSLv3" },
		{ "max_version=", "max_version=: empty" },
		{ "min_version=TLS1.3,max_version=TLS1.2", "above" },
		{ "min_version=TLS1.2,min_version=TLS1.3", "twice" },
		{ "ciphers=NO-SUCH-SUITE", "ciphers=NO-SUCH-SUITE" },
		{ "ciphers=TLS_AES_128_GCM_SHA256", "no TLS 1.2 suite" },
		{ "ciphersuites=AES128-SHA", "ciphersuites=AES128-SHA" },
		{ "groups=P-999", "groups=P-999" },
		{ "sigalgs=rsa_sha999", "sigalgs=rsa_sha999" },
		{ "alpn=h2::x", "alpn=h2::x" },
		{ "alpn=h2:", "empty name" },
		{ "cert=dsa", "cert=dsa" },
	};
	char err[512], big[WHATIF_TEXT_MAX + 8];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(whatif_parse(bad[i].in, &pol, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].in, err, bad[i].says);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "alpn=", 5);
	assert_int_equal(whatif_parse(big, &pol, err, sizeof(err)), -EINVAL);
}

static void test_eval_version(void **state)
{
	struct whatif_verdict v;

	(void)state;
	v = judge("min_version=TLS1.3", CHROME);
	assert_false(v.would_fail);
	assert_int_equal(v.version, 0x0304);
	v = judge("min_version=TLS1.3", T12);
	assert_true(v.would_fail);
	assert_int_equal(v.reason, REASON_VERSION_MISMATCH);
	/* Chrome lists 1.2 in supported_versions: a TLS 1.2 server takes it */
	v = judge("max_version=TLS1.2", CHROME);
	assert_false(v.would_fail);
	assert_int_equal(v.version, 0x0303);
	/* TLS 1.0: refused by default, taken at TLS 1.0 (with AES128-SHA) when allowed */
	v = judge("ciphers=AES128-SHA", T10);
	assert_int_equal(v.cause, WHATIF_VERSION);
	v = judge("min_version=TLS1.0,ciphers=AES128-SHA", T10);
	assert_false(v.would_fail);
	assert_int_equal(v.version, 0x0301);
	/* GCM is TLS 1.2 only: a TLS 1.0 client cannot have it */
	v = judge("min_version=TLS1.0,ciphers=AES128-GCM-SHA256", T10);
	assert_int_equal(v.cause, WHATIF_CIPHER);
	assert_int_equal(v.reason, REASON_NO_SHARED_CIPHER);
}

static void test_eval_suites(void **state)
{
	struct whatif_verdict v;

	(void)state;
	/* no shared TLS 1.3 suite: libssl fails at 1.3, it never falls back to 1.2 */
	v = judge("ciphersuites=TLS_AES_128_CCM_SHA256", CHROME);
	assert_true(v.would_fail);
	assert_int_equal(v.version, 0x0304);
	assert_int_equal(v.cause, WHATIF_CIPHER);
	assert_int_equal(v.reason, REASON_NO_SHARED_CIPHER);
	v = judge("ciphersuites=TLS_AES_256_GCM_SHA384", CHROME);
	assert_false(v.would_fail);
	/* at 1.2 the same client shares AES256-SHA */
	v = judge("max_version=TLS1.2,ciphers=AES256-SHA", CHROME);
	assert_false(v.would_fail);
	/* a suite for a key the server does not have */
	v = judge("max_version=TLS1.2,ciphers=ECDHE-ECDSA-AES128-GCM-SHA256", CHROME);
	assert_int_equal(v.cause, WHATIF_CIPHER);
	v = judge("max_version=TLS1.2,ciphers=ECDHE-ECDSA-AES128-GCM-SHA256,cert=ecdsa", CHROME);
	assert_false(v.would_fail);
	/* T12 offers no DHE suite */
	v = judge("ciphers=DHE-RSA-AES128-GCM-SHA256", T12);
	assert_int_equal(v.cause, WHATIF_CIPHER);
}

static void test_eval_groups(void **state)
{
	struct whatif_verdict v;

	(void)state;
	v = judge("groups=P-521", CHROME);
	assert_true(v.would_fail);
	assert_int_equal(v.cause, WHATIF_GROUP);
	/* what diagnosis calls the handshake_failure alert */
	assert_int_equal(v.reason, REASON_NO_SHARED_CIPHER);
	v = judge("groups=P-384", CHROME);
	assert_false(v.would_fail);
	/* FFDHE: Firefox offers ffdhe2048 (0x0100) */
	v = judge("groups=ffdhe2048", FIREFOX);
	assert_false(v.would_fail);
	/* TLS 1.2: ECDHE needs a shared curve, RSA key exchange none */
	v = judge("groups=P-521,ciphers=ECDHE-RSA-AES128-GCM-SHA256", T12);
	assert_int_equal(v.cause, WHATIF_GROUP);
	v = judge("groups=P-521,ciphers=ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA", T12);
	assert_false(v.would_fail);
}

static void test_eval_sigalgs(void **state)
{
	struct whatif_verdict v;

	(void)state;
	/* TLS 1.3 signs with RSA-PSS only: PKCS#1 alone leaves the RSA key nothing */
	v = judge("sigalgs=rsa_pkcs1_sha256", CHROME);
	assert_int_equal(v.cause, WHATIF_SIGALG);
	assert_int_equal(v.reason, REASON_NO_SHARED_CIPHER);
	/* TLS 1.2 takes PKCS#1, which T12 offers (0x0401) */
	v = judge("sigalgs=rsa_pkcs1_sha256", T12);
	assert_false(v.would_fail);
	/* even RSA key exchange: libssl checks the certificate against the sigalgs */
	v = judge("sigalgs=ECDSA+SHA256,ciphers=AES128-SHA", T12);
	assert_int_equal(v.cause, WHATIF_SIGALG);
	v = judge("sigalgs=ECDSA+SHA256,cert=ecdsa", CHROME);
	assert_false(v.would_fail);
}

static void test_eval_alpn(void **state)
{
	struct whatif_verdict v;

	(void)state;
	v = judge("alpn=h2", CHROME);
	assert_false(v.would_fail);
	v = judge("alpn=imap:smtp", CHROME);
	assert_int_equal(v.cause, WHATIF_ALPN);
	assert_int_equal(v.reason, REASON_NO_SHARED_ALPN);
	/* a client without ALPN is not refused for it */
	v = judge("alpn=imap", T12);
	assert_false(v.would_fail);
	/* TLS 1.3: the suite is checked before ALPN, ALPN before the group */
	v = judge("alpn=imap,ciphersuites=TLS_AES_128_CCM_SHA256", CHROME);
	assert_int_equal(v.cause, WHATIF_CIPHER);
	v = judge("alpn=imap,groups=P-521", CHROME);
	assert_int_equal(v.cause, WHATIF_ALPN);
}

/* Mutations of a real hello: each list emptied of what the policy shares. */
static void test_eval_mutated(void **state)
{
	struct tls_client_hello ch;
	struct whatif_verdict v;
	unsigned i;

	(void)state;
	if (hello(CHROME, &ch))
		skip();
	policy("groups=X25519");
	whatif_eval(&pol, &ch, &v);
	assert_false(v.would_fail);
	for (i = 0; i < ch.n_groups; i++)
		if (ch.groups[i] == 0x001d)
			ch.groups[i] = 0x0019;
	whatif_eval(&pol, &ch, &v);
	assert_int_equal(v.cause, WHATIF_GROUP);
	/* without supported_versions the 1.3 offer is gone: 1.2 with its suites */
	if (hello(CHROME, &ch))
		skip();
	ch.n_versions = 0;
	policy("min_version=TLS1.2");
	whatif_eval(&pol, &ch, &v);
	assert_false(v.would_fail);
	assert_int_equal(v.version, 0x0303);
	for (i = 0; i < ch.n_ciphers; i++)
		ch.ciphers[i] = 0x1301;	/* only TLS 1.3 suites left: none at 1.2 */
	whatif_eval(&pol, &ch, &v);
	assert_int_equal(v.cause, WHATIF_CIPHER);
}

/* A record of hello ch to server, as the collector hands it to a sink. */
static void rec(struct offers *o, const struct tls_client_hello *ch, const char *ja4,
		uint8_t server, enum outcome out)
{
	struct fingerprints fp = { .have_ja4 = ja4 != NULL };
	struct hs_record r = { .ch = ch, .fp = &fp, .family = 4, .sport = 443, .outcome = out };

	if (ja4)
		snprintf(fp.ja4, sizeof(fp.ja4), "%s", ja4);
	r.saddr[10] = r.saddr[11] = 0xff;
	r.saddr[12] = 10;
	r.saddr[15] = server;
	offers_record(o, &r);
}

static void test_offers(void **state)
{
	struct tls_client_hello a, b;
	struct offers_stats st;
	struct whatif_row rows[4];
	struct offers *o = offers_new(2);
	unsigned i;

	(void)state;
	if (hello(CHROME, &a))
		skip();
	assert_non_null(o);
	b = a;
	/* GREASE is drawn anew per hello: the same offer */
	for (i = 0; i < b.n_groups; i++)
		if (TLS_IS_GREASE(b.groups[i]))
			b.groups[i] = 0xdada;
	rec(o, &a, "t13d1516h2_8daaf6152771_e5627efa2ab1", 1, OUTCOME_ESTABLISHED);
	rec(o, &b, "t13d1516h2_8daaf6152771_e5627efa2ab1", 2, OUTCOME_FAILED);
	assert_int_equal(offers_count(o), 1);
	assert_int_equal(offers_get(o, 0)->handshakes, 2);
	assert_int_equal(offers_get(o, 0)->failed, 1);
	assert_int_equal(offers_get(o, 0)->n_servers, 2);
	/* bounded servers: the ninth is "more" */
	for (i = 3; i < 3 + OFFERS_MAX_SERVERS; i++)
		rec(o, &a, "t13d1516h2_8daaf6152771_e5627efa2ab1", i, OUTCOME_ESTABLISHED);
	assert_int_equal(offers_get(o, 0)->n_servers, OFFERS_MAX_SERVERS);
	assert_int_equal(offers_get(o, 0)->more_servers, 1);
	/* JA4 leaves the groups out: another group list is another offer */
	b.groups[1] = 0x0019;
	rec(o, &b, "t13d1516h2_8daaf6152771_e5627efa2ab1", 1, OUTCOME_ESTABLISHED);
	assert_int_equal(offers_count(o), 2);
	/* past the bound: counted, not kept */
	rec(o, &a, "t12d190800_d83cc789557e_7af1ed941c26", 1, OUTCOME_ESTABLISHED);
	rec(o, &a, "t12d190800_d83cc789557e_7af1ed941c26", 1, OUTCOME_ESTABLISHED);
	rec(o, &a, NULL, 1, OUTCOME_ESTABLISHED);
	offers_stats(o, &st);
	assert_int_equal(offers_count(o), 2);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.dropped_offers, 3);
	/* the report: the one that would fail (X25519 gone) first, though it has fewer */
	policy("groups=X25519");
	for (i = 0; i < a.n_groups; i++)
		assert_true(a.groups[i] != 0x0019);
	assert_int_equal(whatif_eval_all(&pol, o, rows, 4), 2);
	assert_false(rows[1].v.would_fail);
	assert_int_equal(rows[1].o->handshakes, 2 + OFFERS_MAX_SERVERS);
	assert_int_equal(rows[0].o->handshakes, 1);
	offers_free(o);
}

/* The local programs behind an offer: named as aggregation names them, bounded. */
static void test_offers_processes(void **state)
{
	struct tls_client_hello ch;
	struct fingerprints fp = { .have_ja4 = 1, .ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1" };
	struct hs_record r = { .ch = &ch, .fp = &fp, .family = 4, .sport = 443 };
	struct local_id id = { .comm = "curl" };
	struct offers *o = offers_new(0);
	char want[OFFERS_PROC_MAX];
	unsigned i;

	(void)state;
	if (hello(CHROME, &ch))
		skip();
	assert_non_null(o);
	offers_record(o, &r);	/* no local end: none */
	assert_int_equal(offers_get(o, 0)->n_procs, 0);
	r.local = &id;
	offers_record(o, &r);
	offers_record(o, &r);
	assert_int_equal(offers_get(o, 0)->n_procs, 1);
	assert_string_equal(offers_get(o, 0)->procs[0], local_id_process(&id, want, sizeof(want)));
	snprintf(id.unit, sizeof(id.unit), "nginx.service");
	offers_record(o, &r);
	assert_int_equal(offers_get(o, 0)->n_procs, 2);
	assert_string_equal(offers_get(o, 0)->procs[1], "nginx.service");
	for (i = 0; i < OFFERS_MAX_PROCS; i++) {
		snprintf(id.unit, sizeof(id.unit), "app%u.service", i);
		offers_record(o, &r);
	}
	assert_int_equal(offers_get(o, 0)->n_procs, OFFERS_MAX_PROCS);
	assert_int_equal(offers_get(o, 0)->more_procs, 1);
	assert_int_equal(offers_get(o, 0)->handshakes, 4 + OFFERS_MAX_PROCS);
	offers_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_versions),
		cmocka_unit_test(test_parse_suites),
		cmocka_unit_test(test_parse_groups_sigalgs_alpn),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_eval_version),
		cmocka_unit_test(test_eval_suites),
		cmocka_unit_test(test_eval_groups),
		cmocka_unit_test(test_eval_sigalgs),
		cmocka_unit_test(test_eval_alpn),
		cmocka_unit_test(test_eval_mutated),
		cmocka_unit_test(test_offers),
		cmocka_unit_test(test_offers_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
