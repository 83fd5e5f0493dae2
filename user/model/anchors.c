// SPDX-License-Identifier: BSD-3-Clause
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "model/anchors.h"

struct anchor {
	unsigned long hash;	/* of the subject, as X509_NAME_hash_ex */
	unsigned char *der;	/* NULL once decoded and added */
	long len;
};

struct index {
	struct anchor *a;
	size_t n, cap;
};

static unsigned long decoded;

unsigned long anchors_decoded(void)
{
	return decoded;
}

static void index_free(struct index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; i < ix->n; i++)
		OPENSSL_free(ix->a[i].der);
	free(ix->a);
	free(ix);
}

/* Into the next element at *p (before end), a universal constructed one of tag: -1 otherwise. */
static int der_enter(const unsigned char **p, const unsigned char *end, int tag, long *len)
{
	int t, cls, r;

	if (*p >= end)
		return -1;
	r = ASN1_get_object(p, len, &t, &cls, end - *p);
	/* 0x80: malformed; 0x01: indefinite length, which DER has not */
	if (r & 0x81 || !(r & V_ASN1_CONSTRUCTED) || cls != V_ASN1_UNIVERSAL || t != tag ||
	    *len > end - *p)
		return -1;
	return 0;
}

/* Past the next element at *p (before end), whatever it is; -1 when malformed. */
static int der_skip(const unsigned char **p, const unsigned char *end)
{
	long len;
	int t, cls;

	if (*p >= end || ASN1_get_object(p, &len, &t, &cls, end - *p) & 0x81 ||
	    len > end - *p)
		return -1;
	*p += len;
	return 0;
}

/*
 * The hash of a DER certificate's subject, without decoding the rest (its
 * public key is what costs): Certificate and TBSCertificate, [0] version,
 * serial number, signature algorithm, issuer, validity, then the subject.
 */
static int subject_hash(const unsigned char *der, long len, unsigned long *hash)
{
	const unsigned char *p = der, *end = der + len, *tbs_end, *s;
	long n;
	X509_NAME *name;
	int ok = 0, i;

	if (der_enter(&p, end, V_ASN1_SEQUENCE, &n))
		return -1;
	end = p + n;
	if (der_enter(&p, end, V_ASN1_SEQUENCE, &n))
		return -1;
	tbs_end = p + n;
	if (p < tbs_end && *p == 0xa0 && der_skip(&p, tbs_end))	/* [0] version */
		return -1;
	for (i = 0; i < 4; i++)		/* serial, signature, issuer, validity */
		if (der_skip(&p, tbs_end))
			return -1;
	s = p;
	if (der_skip(&p, tbs_end))
		return -1;
	name = d2i_X509_NAME(NULL, &s, p - s);
	if (!name)
		return -1;
	*hash = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	X509_NAME_free(name);
	return ok ? 0 : -1;
}

/*
 * The file's certificates by subject hash; NULL when it holds anything else
 * or a block PEM cannot read (*other set: OpenSSL loads it, whole), or when
 * it cannot be opened (*other clear: no anchors from it, as OpenSSL ignores
 * a missing default file).  A block whose contents are not a certificate is
 * left out.
 */
static struct index *index_file(const char *path, int *other)
{
	BIO *bio = BIO_new_file(path, "r");
	struct index *ix = calloc(1, sizeof(*ix));
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	struct anchor *a;
	unsigned long e;
	long len;

	*other = 0;
	ERR_clear_error();
	if (!bio || !ix)
		goto fail;
	while (PEM_read_bio(bio, &name, &header, &data, &len)) {
		if (strcmp(name, PEM_STRING_X509) || *header) {
			*other = 1;
			goto fail;
		}
		if (ix->n == ix->cap) {
			ix->cap = ix->cap ? 2 * ix->cap : 256;
			a = realloc(ix->a, ix->cap * sizeof(*a));
			if (!a)
				goto fail;
			ix->a = a;
		}
		a = &ix->a[ix->n];
		/* contents that are not a certificate: left out, the rest still count */
		if (!subject_hash(data, len, &a->hash)) {
			a->der = data;
			a->len = len;
			data = NULL;
			ix->n++;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	/* the end of the file is "no start line" to PEM_read_bio; anything else: OpenSSL's way */
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		*other = 1;
		goto fail;
	}
	ERR_clear_error();
	BIO_free(bio);
	return ix;
fail:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	index_free(ix);
	ERR_clear_error();
	return NULL;
}

/*
 * A lookup by subject: every certificate of the file with the subject's
 * hash is decoded and added to the store, then the store answers.  As
 * OpenSSL's own lookups do, ret borrows the store's object: the caller
 * takes its own reference.
 */
static int by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type, const X509_NAME *name,
		      X509_OBJECT *ret)
{
	struct index *ix = X509_LOOKUP_get_method_data(lu);
	X509_STORE *st = X509_LOOKUP_get_store(lu);
	const unsigned char *p;
	X509_OBJECT *o;
	unsigned long h;
	X509 *x;
	size_t i;
	int ok = 0;

	if (!ix || !st || type != X509_LU_X509)
		return 0;
	h = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	if (!ok)
		return 0;
	for (i = 0; i < ix->n; i++) {
		if (ix->a[i].hash != h || !ix->a[i].der)
			continue;
		p = ix->a[i].der;
		x = d2i_X509(NULL, &p, ix->a[i].len);
		OPENSSL_free(ix->a[i].der);
		ix->a[i].der = NULL;
		if (!x)
			continue;
		decoded++;
		X509_STORE_add_cert(st, x);	/* one already there is no error */
		X509_free(x);
	}
	ERR_clear_error();
	ok = 0;
	if (!X509_STORE_lock(st))
		return 0;
	o = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(st), type, name);
	x = o ? X509_OBJECT_get0_X509(o) : NULL;
	if (x && X509_OBJECT_set1_X509(ret, x)) {
		X509_free(x);	/* borrowed: the store keeps its reference */
		ok = 1;
	}
	X509_STORE_unlock(st);
	return ok;
}

static void lookup_free(X509_LOOKUP *lu)
{
	index_free(X509_LOOKUP_get_method_data(lu));
}

static X509_LOOKUP_METHOD *method(void)
{
	static X509_LOOKUP_METHOD *m;

	if (!m && (m = X509_LOOKUP_meth_new("tlsmon anchors by subject"))) {
		X509_LOOKUP_meth_set_get_by_subject(m, by_subject);
		X509_LOOKUP_meth_set_free(m, lookup_free);
	}
	return m;
}

int anchors_add_defaults(X509_STORE *st)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	X509_LOOKUP *lu;
	struct index *ix;
	int other;

	if (!file)
		file = X509_get_default_cert_file();
	ix = index_file(file, &other);
	if (!ix && other)
		return X509_STORE_set_default_paths(st);
	if (ix) {
		if (!method() || !(lu = X509_STORE_add_lookup(st, method()))) {
			index_free(ix);
			return 0;
		}
		X509_LOOKUP_set_method_data(lu, ix);
	}
	/* the rest as X509_STORE_set_default_paths() adds them */
	lu = X509_STORE_add_lookup(st, X509_LOOKUP_hash_dir());
	if (!lu)
		return 0;
	X509_LOOKUP_add_dir(lu, NULL, X509_FILETYPE_DEFAULT);
	lu = X509_STORE_add_lookup(st, X509_LOOKUP_store());
	if (!lu)
		return 0;
	X509_LOOKUP_add_store_ex(lu, NULL, NULL, NULL);
	ERR_clear_error();
	return 1;
}
