// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/cert.c: chains built here with OpenSSL (a CA, an intermediate,
 * leaves with chosen keys, digests, names and validity), wrapped in a TLS
 * Certificate message, must give exactly the findings they deserve; a
 * CertificateRequest's CA names are read for TLS 1.2 and 1.0; malformed
 * messages are refused, never half-read; the cache hands out one parse,
 * and a chain met again is written exactly as it was formatted the first time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "model/cert.h"
#include "output/out_json.h"
#include "tls_proto.h"

#define NOW 1700000000ll	/* 2023-11-14: the handshake's time in these tests */
#define DAY 86400ll

static EVP_PKEY *rsa(int bits)
{
	EVP_PKEY *k = EVP_RSA_gen(bits);

	assert_non_null(k);
	return k;
}

/* A certificate for cn (and SAN dns, if any), signed by issuer's key with md. */
static X509 *mkcert(const char *cn, const char *dns, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
		    const EVP_MD *md, long long nb, long long na, int ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	char san[300];
	static long serial = 1000;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"tlsmon test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	if (dns) {
		snprintf(san, sizeof(san), "%s", dns);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, ikey ? ikey : key, md) > 0);
	return x;
}

/* A Certificate message (TLS 1.2 layout) carrying the chain. */
static size_t message(uint8_t *out, size_t cap, X509 **chain, int n)
{
	size_t off = 7, list;
	int i, len;

	for (i = 0; i < n; i++) {
		unsigned char *p = out + off + 3;

		len = i2d_X509(chain[i], NULL);
		assert_true(len > 0 && off + 3 + (size_t)len <= cap);
		i2d_X509(chain[i], &p);
		out[off] = len >> 16;
		out[off + 1] = len >> 8;
		out[off + 2] = len;
		off += 3 + len;
	}
	list = off - 7;
	out[0] = TLS_HS_CERTIFICATE;
	out[1] = (off - 4) >> 16;
	out[2] = (off - 4) >> 8;
	out[3] = off - 4;
	out[4] = list >> 16;
	out[5] = list >> 8;
	out[6] = list;
	return off;
}

static EVP_PKEY *ca_key, *mid_key;
static X509 *ca, *mid;
static char ca_file[] = "/tmp/tlsmon-test-ca.XXXXXX";

static int setup(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	ca_key = rsa(2048);
	mid_key = rsa(2048);
	ca = mkcert("test root", NULL, ca_key, NULL, NULL, EVP_sha256(), NOW - 100 * DAY,
		    NOW + 3650 * DAY, 1);
	mid = mkcert("test intermediate", NULL, mid_key, ca, ca_key, EVP_sha256(),
		     NOW - 100 * DAY, NOW + 3650 * DAY, 1);
	fd = mkstemp(ca_file);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	PEM_write_X509(f, ca);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(ca_file);
	X509_free(ca);
	X509_free(mid);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(mid_key);
	cert_fini();
	return 0;
}

static uint32_t bits(enum cert_finding a)
{
	return 1u << a;
}

/* The findings of leaf (+ mid if with_mid) for sni at NOW. */
static uint32_t findings_of(X509 *leaf, int with_mid, const char *sni, int64_t *skew)
{
	static uint8_t buf[16384];
	X509 *chain[2] = { leaf, mid };
	struct cert_chain *c;
	const char *err;
	uint32_t f;
	size_t n = message(buf, sizeof(buf), chain, with_mid ? 2 : 1);

	c = cert_chain_get(buf, n, &err);
	assert_non_null(c);
	assert_int_equal(c->n, with_mid ? 2 : 1);
	f = cert_findings(c, NOW, sni, sni ? strlen(sni) : 0, skew);
	cert_chain_put(c);
	return f;
}

static X509 *leaf_with(EVP_PKEY *k, const EVP_MD *md, long long nb, long long na, const char *san)
{
	return mkcert("www.example.test", san, k, mid, mid_key, md, nb, na, 0);
}

static void test_findings(void **state)
{
	EVP_PKEY *k2048 = rsa(2048), *k1024 = rsa(1024);
	const char *san = "DNS:www.example.test,DNS:*.api.example.test";
	int64_t skew;
	X509 *x;
	char err[128];

	(void)state;
	assert_int_equal(cert_init(ca_file, 16, err, sizeof(err)), 0);

	x = leaf_with(k2048, EVP_sha256(), NOW - DAY, NOW + 90 * DAY, san);
	assert_int_equal(findings_of(x, 1, "www.example.test", &skew), 0);
	/* a wildcard covers one label, not two, not the bare domain */
	assert_int_equal(findings_of(x, 1, "v1.api.example.test", &skew), 0);
	assert_int_equal(findings_of(x, 1, "a.b.api.example.test", &skew),
			 bits(CERT_F_SNI_NOT_IN_CERT));
	assert_int_equal(findings_of(x, 1, "api.example.test", &skew), bits(CERT_F_SNI_NOT_IN_CERT));
	/* no SNI: nothing to match */
	assert_int_equal(findings_of(x, 1, NULL, &skew), 0);
	/* the intermediate left out: the root alone cannot vouch for the leaf */
	assert_int_equal(findings_of(x, 0, "www.example.test", &skew), bits(CERT_F_INCOMPLETE_CHAIN));
	X509_free(x);

	x = leaf_with(k2048, EVP_sha256(), NOW - 400 * DAY, NOW - DAY, san);
	assert_int_equal(findings_of(x, 1, "www.example.test", &skew), bits(CERT_F_EXPIRED));
	X509_free(x);

	x = leaf_with(k2048, EVP_sha256(), NOW + 3 * 3600, NOW + 90 * DAY, san);
	assert_int_equal(findings_of(x, 1, "www.example.test", &skew), bits(CERT_F_NOT_YET_VALID));
	assert_int_equal(skew, 3 * 3600);
	X509_free(x);

	x = leaf_with(k1024, EVP_sha256(), NOW - DAY, NOW + 90 * DAY, san);
	assert_int_equal(findings_of(x, 1, "www.example.test", &skew), bits(CERT_F_WEAK_KEY));
	X509_free(x);

	x = leaf_with(k2048, EVP_sha1(), NOW - DAY, NOW + 90 * DAY, san);
	assert_int_equal(findings_of(x, 1, "www.example.test", &skew), bits(CERT_F_WEAK_SIGNATURE));
	X509_free(x);

	/* self-signed: no chain to anyone's anchor, but not "incomplete" */
	x = mkcert("www.example.test", san, k2048, NULL, NULL, EVP_sha256(), NOW - DAY,
		   NOW + 90 * DAY, 0);
	assert_int_equal(findings_of(x, 0, "www.example.test", &skew), bits(CERT_F_SELF_SIGNED));
	X509_free(x);
	EVP_PKEY_free(k2048);
	EVP_PKEY_free(k1024);
}

static void test_describe_and_cache(void **state)
{
	static uint8_t buf[16384];
	EVP_PKEY *k = rsa(2048);
	X509 *x = leaf_with(k, EVP_sha256(), NOW - DAY, NOW + DAY,
			    "DNS:a.example.test,IP:192.0.2.7,IP:2001:db8::1");
	X509 *chain[2] = { x, mid };
	struct cert_stats st0, st1;
	struct cert_chain *c, *c2;
	const char *err;
	size_t n = message(buf, sizeof(buf), chain, 2);
	char err2[128];

	(void)state;
	assert_int_equal(cert_init(ca_file, 16, err2, sizeof(err2)), 0);
	cert_stats(&st0);
	c = cert_chain_get(buf, n, &err);
	c2 = cert_chain_get(buf, n, &err);
	cert_stats(&st1);
	assert_ptr_equal(c, c2);	/* one parse, shared */
	assert_int_equal(st1.cache_hits - st0.cache_hits, 1);
	assert_int_equal(c->n_sent, 2);
	assert_string_equal(c->c[0].subject_cn, "www.example.test");
	assert_string_equal(c->c[0].subject, "CN=www.example.test,O=tlsmon test");
	assert_string_equal(c->c[0].issuer, "CN=test intermediate,O=tlsmon test");
	assert_int_equal(c->c[0].n_sans, 3);
	assert_string_equal(c->c[0].sans[0], "a.example.test");
	assert_string_equal(c->c[0].sans[1], "192.0.2.7");
	assert_string_equal(c->c[0].sans[2], "2001:db8:0:0:0:0:0:1");
	assert_string_equal(c->c[0].key_type, "RSA");
	assert_int_equal(c->c[0].key_bits, 2048);
	assert_int_equal(c->c[0].not_after, NOW + DAY);
	assert_string_equal(c->c[1].subject_cn, "test intermediate");
	assert_int_equal(c->verify_error, 0);
	assert_string_equal(cert_verify_str(c->verify_error), "ok");
	cert_chain_put(c);
	cert_chain_put(c2);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* A message that differs by one byte is another chain, never the cached one. */
static void test_cache_exact(void **state)
{
	static uint8_t buf[16384], buf2[16384];
	EVP_PKEY *k = rsa(2048);
	X509 *x = leaf_with(k, EVP_sha256(), NOW - DAY, NOW + DAY, "DNS:a.example.test");
	X509 *chain[2] = { x, mid };
	struct cert_stats st0, st1;
	struct cert_chain *c, *c2, *c3;
	const char *err;
	size_t n = message(buf, sizeof(buf), chain, 2);
	char err2[128];

	(void)state;
	assert_int_equal(cert_init(ca_file, 16, err2, sizeof(err2)), 0);
	memcpy(buf2, buf, n);
	buf2[n - 5] ^= 1;	/* inside the intermediate's signature */
	cert_stats(&st0);
	c = cert_chain_get(buf, n, &err);
	c2 = cert_chain_get(buf2, n, &err);
	c3 = cert_chain_get(buf, n, &err);
	cert_stats(&st1);
	assert_non_null(c);
	assert_non_null(c2);
	assert_ptr_not_equal(c, c2);
	assert_ptr_equal(c, c3);
	assert_int_equal(st1.cache_hits - st0.cache_hits, 1);
	/* the host-name answer is the chain's and the name's: each asked in turn */
	assert_int_equal(cert_findings(c, NOW, "a.example.test", 14, &(int64_t){ 0 }), 0);
	assert_int_equal(cert_findings(c, NOW, "b.example.test", 14, &(int64_t){ 0 }),
			 bits(CERT_F_SNI_NOT_IN_CERT));
	assert_int_equal(cert_findings(c, NOW, "a.example.test", 14, &(int64_t){ 0 }), 0);
	cert_chain_put(c);
	cert_chain_put(c2);
	cert_chain_put(c3);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* The certificates object of a record with chain c on the server side. */
static void chain_json(struct jbuf *b, struct cert_chain *c)
{
	struct hs_record r;

	memset(&r, 0, sizeof(r));
	r.certs[SIDE_SERVER] = c;
	jbuf_reset(b);
	jbuf_obj_open(b);
	out_json_certificates(b, "certificates", &r);
	jbuf_obj_close(b);
	assert_false(b->oom);
}

/* A cached chain's JSON, kept at its first record, is what formatting it again gives. */
static void test_cache_json(void **state)
{
	static uint8_t buf[16384];
	EVP_PKEY *k = rsa(2048);
	X509 *x = leaf_with(k, EVP_sha256(), NOW - DAY, NOW + DAY,
			    "DNS:a.example.test,IP:192.0.2.7");
	X509 *chain[2] = { x, mid };
	struct cert_chain *c, *c2, fresh;
	struct jbuf first, again, direct;
	const char *err;
	size_t n = message(buf, sizeof(buf), chain, 2);
	char err2[128];

	(void)state;
	assert_int_equal(cert_init(ca_file, 16, err2, sizeof(err2)), 0);
	jbuf_init(&first);
	jbuf_init(&again);
	jbuf_init(&direct);
	c = cert_chain_get(buf, n, &err);
	assert_non_null(c);
	assert_non_null(c->memo);
	assert_null(c->memo->json);
	chain_json(&first, c);
	assert_non_null(c->memo->json);
	c2 = cert_chain_get(buf, n, &err);
	assert_ptr_equal(c, c2);
	chain_json(&again, c2);
	/* the same chain with nothing kept: formatted field by field */
	fresh = *c;
	fresh.memo = NULL;
	chain_json(&direct, &fresh);
	assert_string_equal(again.s, first.s);
	assert_string_equal(direct.s, first.s);
	assert_non_null(strstr(first.s, "\"subject_cn\":\"www.example.test\""));
	assert_non_null(strstr(first.s, "],\"sent\":2,"));
	jbuf_free(&first);
	jbuf_free(&again);
	jbuf_free(&direct);
	cert_chain_put(c);
	cert_chain_put(c2);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_malformed(void **state)
{
	static uint8_t buf[16384];
	EVP_PKEY *k = rsa(2048);
	X509 *x = leaf_with(k, EVP_sha256(), NOW - DAY, NOW + DAY, NULL);
	X509 *chain[1] = { x };
	struct cert_chain *c;
	const char *err;
	size_t n = message(buf, sizeof(buf), chain, 1), cut;

	(void)state;
	/* every cut of the message: refused with a reason, nothing half-read */
	for (cut = 0; cut < n; cut++) {
		c = cert_chain_get(buf, cut, &err);
		assert_null(c);
		assert_non_null(err);
	}
	/* an entry whose bytes are not X.509: counted, the message still read */
	buf[10] ^= 0xff;
	c = cert_chain_get(buf, n, &err);
	assert_non_null(c);
	assert_int_equal(c->n, 0);
	assert_int_equal(c->bad, 1);
	assert_null(c->leaf);
	assert_string_equal(cert_verify_str(c->verify_error), "no leaf certificate to verify");
	cert_chain_put(c);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* CertificateRequest: TLS 1.2 (with signature algorithms) and TLS 1.0 layouts. */
static void test_request(void **state)
{
	unsigned char dn[256], *p = dn;
	uint8_t m[512];
	int dl = i2d_X509_NAME(X509_get_subject_name(ca), &p);
	size_t o = 4, lenpos;
	struct cert_request *r;
	const char *err;
	int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		o = 4;
		m[o++] = 1;
		m[o++] = 1;	/* rsa_sign */
		if (v == 0) {
			m[o++] = 0;
			m[o++] = 2;
			m[o++] = 4;
			m[o++] = 1;	/* rsa_pkcs1_sha256 */
		}
		lenpos = o;
		o += 2;
		m[o++] = dl >> 8;
		m[o++] = dl;
		memcpy(m + o, dn, dl);
		o += dl;
		m[lenpos] = (o - lenpos - 2) >> 8;
		m[lenpos + 1] = o - lenpos - 2;
		m[0] = TLS_HS_CERTIFICATE_REQUEST;
		m[1] = 0;
		m[2] = (o - 4) >> 8;
		m[3] = o - 4;
		r = cert_request_parse(m, o, v == 0 ? TLS_V_TLS12 : TLS_V_TLS10, &err);
		assert_non_null(r);
		assert_int_equal(r->n_ca_total, 1);
		assert_string_equal(r->ca[0], "CN=test root,O=tlsmon test");
		cert_request_put(r);
		/* the other version's layout does not fit */
		assert_null(cert_request_parse(m, o, v == 0 ? TLS_V_TLS10 : TLS_V_TLS12, &err));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_describe_and_cache),
		cmocka_unit_test(test_cache_exact),
		cmocka_unit_test(test_cache_json),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_request),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
