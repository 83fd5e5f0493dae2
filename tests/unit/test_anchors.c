// SPDX-License-Identifier: BSD-3-Clause
/*
 * The system's anchors from a bundle file (user/model/anchors.c), made here
 * with libcrypto: no certificate of the file is decoded before a chain asks
 * for its issuer, then only those of that subject (all of them: two CAs may
 * share a name); a chain whose issuer is not in the file fails as before;
 * a block that is not a certificate leaves the others usable; a file with
 * more than plain certificates, or a block PEM cannot read, is loaded as
 * OpenSSL's default paths load it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "model/anchors.h"

#define CAS 40

static char dir[] = "/tmp/tlsmon-anchors-XXXXXX";
static char bundle[128], empty[128];

struct ca {
	EVP_PKEY *key;
	X509 *cert;
};

/* A certificate of subject signed by signer: a CA (self-signed) when issuer is NULL. */
static X509 *make_cert(const char *subject, X509 *issuer, EVP_PKEY *key, EVP_PKEY *signer,
		       long serial)
{
	X509 *x = X509_new();
	X509_NAME *s = X509_NAME_new();
	X509_EXTENSION *e;
	X509V3_CTX v3;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(s, "CN", MBSTRING_ASC, (const unsigned char *)subject, -1, -1, 0);
	X509_set_subject_name(x, s);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : s);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	/* key identifiers: two CAs of one name are told apart by them */
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	if (!issuer) {
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_key_identifier, "hash");
	} else {
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier, "keyid:always");
	}
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	X509_NAME_free(s);
	return x;
}

static struct ca cas[CAS], twin, stranger;

/* CA k's name: twin shares CA 7's. */
static void ca_name(int k, char *name, size_t len)
{
	snprintf(name, len, "tlsmon test CA %d", k);
}

static void make_ca(struct ca *ca, int k, long serial)
{
	char name[64];

	ca_name(k, name, sizeof(name));
	ca->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ca->key);
	ca->cert = make_cert(name, NULL, ca->key, ca->key, serial);
}

/* The bundle: every CA, then twin; extra (may be NULL) written in the middle as is. */
static void write_bundle(const char *extra)
{
	FILE *f = fopen(bundle, "w");
	int k;

	assert_non_null(f);
	for (k = 0; k < CAS; k++) {
		PEM_write_X509(f, cas[k].cert);
		if (k == CAS / 2 && extra)
			fputs(extra, f);
	}
	PEM_write_X509(f, twin.cert);
	fclose(f);
}

static int setup(void **state)
{
	int k;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(bundle, sizeof(bundle), "%s/bundle.pem", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	if (mkdir(empty, 0700))
		return -1;
	for (k = 0; k < CAS; k++)
		make_ca(&cas[k], k, 100 + k);
	make_ca(&twin, 7, 999);
	make_ca(&stranger, CAS + 1, 1000);
	/* only the bundle: no directory, no store URI with anchors */
	setenv("SSL_CERT_FILE", bundle, 1);
	setenv("SSL_CERT_DIR", empty, 1);
	setenv("SSL_CERT_URI", empty, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	int k;

	(void)state;
	for (k = 0; k < CAS; k++) {
		X509_free(cas[k].cert);
		EVP_PKEY_free(cas[k].key);
	}
	X509_free(twin.cert);
	EVP_PKEY_free(twin.key);
	X509_free(stranger.cert);
	EVP_PKEY_free(stranger.key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* A leaf issued by ca, checked against st: X509_V_OK or the error. */
static int verify_leaf(X509_STORE *st, const struct ca *ca)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *leaf;
	int r;

	assert_non_null(key);
	leaf = make_cert("leaf.test", ca->cert, key, ca->key, 7);
	assert_true(X509_STORE_CTX_init(ctx, st, leaf, NULL) == 1);
	r = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_free(leaf);
	EVP_PKEY_free(key);
	return r;
}

static int objects(X509_STORE *st)
{
	return sk_X509_OBJECT_num(X509_STORE_get0_objects(st));
}

static void test_decoded_when_asked(void **state)
{
	X509_STORE *st = X509_STORE_new();
	unsigned long before = anchors_decoded();

	(void)state;
	write_bundle(NULL);
	assert_int_equal(anchors_add_defaults(st), 1);
	assert_int_equal(anchors_decoded() - before, 0);
	assert_int_equal(objects(st), 0);
	assert_int_equal(verify_leaf(st, &cas[3]), X509_V_OK);
	assert_int_equal(anchors_decoded() - before, 1);
	assert_int_equal(verify_leaf(st, &cas[CAS - 1]), X509_V_OK);
	assert_int_equal(verify_leaf(st, &cas[3]), X509_V_OK);
	assert_int_equal(anchors_decoded() - before, 2);
	assert_int_equal(objects(st), 2);
	/* an issuer the file does not hold: as without it, nothing more decoded */
	assert_int_equal(verify_leaf(st, &stranger), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	assert_int_equal(anchors_decoded() - before, 2);
	X509_STORE_free(st);
}

/* Two CAs of one name: both taken in when it is asked for, and each one's leaf verifies. */
static void test_same_subject(void **state)
{
	X509_STORE *st = X509_STORE_new();
	unsigned long before = anchors_decoded();

	(void)state;
	write_bundle(NULL);
	assert_int_equal(anchors_add_defaults(st), 1);
	assert_int_equal(verify_leaf(st, &twin), X509_V_OK);
	assert_int_equal(anchors_decoded() - before, 2);
	assert_int_equal(verify_leaf(st, &cas[7]), X509_V_OK);
	assert_int_equal(anchors_decoded() - before, 2);
	X509_STORE_free(st);
}

/* A block whose contents are not a certificate: left out, the others still anchor. */
static void test_damaged_block(void **state)
{
	static const char bad[] = "-----BEGIN CERTIFICATE-----\n"
				  "MIIBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
				  "-----END CERTIFICATE-----\n";
	X509_STORE *st = X509_STORE_new();

	(void)state;
	write_bundle(bad);
	assert_int_equal(anchors_add_defaults(st), 1);
	assert_int_equal(verify_leaf(st, &cas[CAS / 2 + 1]), X509_V_OK);
	assert_int_equal(verify_leaf(st, &cas[0]), X509_V_OK);
	X509_STORE_free(st);
}

/* A block PEM cannot read: the file as OpenSSL's own default paths take it. */
static void test_unreadable_block(void **state)
{
	static const char garbled[] = "-----BEGIN CERTIFICATE-----\n"
				      "!!!! not base64 !!!!\n"
				      "-----END CERTIFICATE-----\n";
	X509_STORE *st = X509_STORE_new(), *ref = X509_STORE_new();
	unsigned long before = anchors_decoded();
	static const int ks[] = { 0, CAS / 2, CAS / 2 + 1, CAS - 1 };
	size_t i;

	(void)state;
	write_bundle(garbled);
	assert_int_equal(anchors_add_defaults(st), 1);
	assert_int_equal(X509_STORE_set_default_paths(ref), 1);
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++)
		assert_int_equal(verify_leaf(st, &cas[ks[i]]), verify_leaf(ref, &cas[ks[i]]));
	assert_int_equal(anchors_decoded() - before, 0);
	X509_STORE_free(st);
	X509_STORE_free(ref);
}

/* A CRL block in the file: OpenSSL's own loading, the whole file at once. */
static void test_other_blocks(void **state)
{
	X509_CRL *crl = X509_CRL_new();
	X509_STORE *st = X509_STORE_new();
	unsigned long before = anchors_decoded();
	char *text;
	BIO *b = BIO_new(BIO_s_mem());
	long n;

	(void)state;
	ASN1_TIME *now = ASN1_TIME_new();

	X509_CRL_set_issuer_name(crl, X509_get_subject_name(cas[1].cert));
	X509_CRL_set_version(crl, 1);
	X509_gmtime_adj(now, 0);
	X509_CRL_set1_lastUpdate(crl, now);
	X509_gmtime_adj(now, 86400);
	X509_CRL_set1_nextUpdate(crl, now);
	ASN1_TIME_free(now);
	assert_true(X509_CRL_sign(crl, cas[1].key, EVP_sha256()) > 0);
	PEM_write_bio_X509_CRL(b, crl);
	n = BIO_get_mem_data(b, &text);
	{
		char *copy = strndup(text, n);

		write_bundle(copy);
		free(copy);
	}
	assert_int_equal(anchors_add_defaults(st), 1);
	/* loaded whole: every certificate (and the CRL) in the store at once */
	assert_true(objects(st) >= CAS + 1);
	assert_int_equal(anchors_decoded() - before, 0);
	assert_int_equal(verify_leaf(st, &cas[5]), X509_V_OK);
	X509_STORE_free(st);
	X509_CRL_free(crl);
	BIO_free(b);
}

/* No file where SSL_CERT_FILE points: no anchors from it, no error. */
static void test_missing_file(void **state)
{
	X509_STORE *st = X509_STORE_new();

	(void)state;
	unlink(bundle);
	assert_int_equal(anchors_add_defaults(st), 1);
	assert_int_equal(verify_leaf(st, &cas[2]), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	X509_STORE_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoded_when_asked),
		cmocka_unit_test(test_same_subject),
		cmocka_unit_test(test_damaged_block),
		cmocka_unit_test(test_unreadable_block),
		cmocka_unit_test(test_other_blocks),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests_name("anchors", tests, setup, teardown);
}
