// SPDX-License-Identifier: BSD-3-Clause
#include <ctype.h>
#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "model/anchors.h"
#include "model/cert.h"
#include "lib/lru.h"
#include "tls_proto.h"

static struct {
	X509_STORE *store;		/* NULL: no trust anchors could be loaded */
	int defaults_tried;		/* the system's anchors added (or tried) */
	struct lru *cache;		/* SHA-256 of the message -> struct cert_chain * */
	struct cert_stats st;
} g;

static const char *const finding_names[CERT_F_MAX] = {
	[CERT_F_EXPIRED] = "cert_expired",
	[CERT_F_NOT_YET_VALID] = "cert_not_yet_valid",
	[CERT_F_SNI_NOT_IN_CERT] = "sni_not_in_certificate",
	[CERT_F_WEAK_KEY] = "weak_key",
	[CERT_F_WEAK_SIGNATURE] = "weak_signature",
	[CERT_F_SELF_SIGNED] = "self_signed",
	[CERT_F_INCOMPLETE_CHAIN] = "incomplete_chain",
};

const char *cert_finding_name(enum cert_finding f)
{
	return f < CERT_F_MAX ? finding_names[f] : "unknown";
}

const char *cert_verify_str(int verify_error)
{
	if (verify_error == -2)
		return "no leaf certificate to verify";
	if (verify_error < 0)
		return "no trust store";
	return X509_verify_cert_error_string(verify_error);
}

/*
 * A chain with the message it was parsed from, when that is at most
 * COPY_MAX bytes: a cache hit is then a cheap hash and a memcmp() instead of
 * a SHA-256 of the message.
 */
#define COPY_MAX (16 * 1024)

struct chain_box {
	struct cert_chain c;
	struct cert_chain_memo memo;
	size_t len;		/* of msg; 0: not kept (keyed by SHA-256) */
	uint8_t msg[];
};

static struct chain_box *box_of(struct cert_chain *c)
{
	return (struct chain_box *)((char *)c - offsetof(struct chain_box, c));
}

/*
 * X509_check_host() decodes the leaf's names on every call: its answer is
 * kept per chain and SNI (direct-mapped; a chain's entries go with it).
 */
#define HOST_SLOTS 64
#define HOST_MAX 255

static struct host_slot {
	const struct cert_chain *c;	/* NULL: empty */
	uint8_t len;
	uint8_t match;
	char sni[HOST_MAX];
} hosts[HOST_SLOTS];

static struct host_slot *host_slot(const struct cert_chain *c, const char *sni, size_t len)
{
	uint64_t h = (uintptr_t)c;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)sni[i]) * 0x100000001b3ull;
	return &hosts[(h ^ h >> 32) % HOST_SLOTS];
}

static int host_matches(const struct cert_chain *c, const char *sni, size_t len)
{
	struct host_slot *hs;
	int m;

	if (len > HOST_MAX)
		return X509_check_host(c->leaf, sni, len, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
				       NULL) == 1;
	hs = host_slot(c, sni, len);
	if (hs->c == c && hs->len == len && !memcmp(hs->sni, sni, len))
		return hs->match;
	m = X509_check_host(c->leaf, sni, len, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
	hs->c = c;
	hs->len = len;
	hs->match = m;
	memcpy(hs->sni, sni, len);
	return m;
}

static void chain_free(struct cert_chain *c)
{
	unsigned i;

	/* a later chain at this address must not find this one's answers */
	for (i = 0; i < HOST_SLOTS; i++)
		if (hosts[i].c == c)
			hosts[i].c = NULL;
	X509_free(c->leaf);
	free(c->memo->json);
	free(box_of(c));
}

void cert_chain_put(struct cert_chain *c)
{
	if (c && !--c->refs)
		chain_free(c);
}

static void on_evict(void *ctx, const void *key, void *val)
{
	(void)ctx;
	(void)key;
	cert_chain_put(*(struct cert_chain **)val);
}

int cert_init(const char *ca_file, uint32_t cache_entries, char *err, size_t errlen)
{
	cert_fini();	/* a second call starts afresh */
	g.cache = lru_new(32, sizeof(struct cert_chain *), cache_entries ? cache_entries : 1);
	if (!g.cache) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lru_set_evict_cb(g.cache, on_evict, NULL);
	/*
	 * The user's file now, so that a bad one stops the start; the system's
	 * anchors (a file of a hundred certificates, the larger part of a short
	 * --read) only when a chain is first verified: see store_get().
	 */
	if (ca_file) {
		g.store = X509_STORE_new();
		if (!g.store || X509_STORE_load_file(g.store, ca_file) != 1) {
			snprintf(err, errlen, "--ca-file %s: not a readable PEM file of certificates",
				 ca_file);
			return -1;
		}
	}
	return 0;
}

/* Does dir hold certificates by subject hash ("1a2b3c4d.0"), as OpenSSL looks them up? */
static int hashed_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0, i;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		for (i = 0; i < 8 && isxdigit((unsigned char)de->d_name[i]); i++)
			;
		found = i == 8 && !strcmp(de->d_name + 8, ".0");
	}
	closedir(d);
	return found;
}

/*
 * The system's anchors.  Where its directory holds them by subject hash
 * (update-ca-certificates, c_rehash), only that directory: an issuer is
 * then read when a chain asks for it, and no file of a hundred
 * certificates is parsed whole.  Else, or when SSL_CERT_FILE or
 * SSL_CERT_DIR say where they are, OpenSSL's default paths, the file and
 * the directory, the file's certificates decoded only when a chain asks
 * for their subject (model/anchors.c).
 */
static int add_system_anchors(X509_STORE *st)
{
	const char *dir = X509_get_default_cert_dir();

	if (!getenv(X509_get_default_cert_file_env()) && !getenv(X509_get_default_cert_dir_env()) &&
	    hashed_dir(dir))
		return X509_STORE_load_path(st, dir);
	return anchors_add_defaults(st);
}

/*
 * The trust store, the system's anchors added on first use.  Without
 * --ca-file a store whose anchors cannot be set is none at all (as it was
 * when they were loaded at the start).
 */
static X509_STORE *store_get(void)
{
	X509_STORE *st;

	if (g.defaults_tried)
		return g.store;
	g.defaults_tried = 1;
	st = g.store ? g.store : X509_STORE_new();
	if (st && add_system_anchors(st) != 1 && !g.store) {
		X509_STORE_free(st);
		st = NULL;
	}
	g.store = st;
	return g.store;
}

static int release_one(void *ctx, const void *key, void *val)
{
	(void)ctx;
	(void)key;
	cert_chain_put(*(struct cert_chain **)val);
	return 0;
}

void cert_fini(void)
{
	if (g.cache) {
		lru_foreach(g.cache, release_one, NULL);
		lru_free(g.cache);
	}
	X509_STORE_free(g.store);
	memset(&g, 0, sizeof(g));
}

void cert_stats(struct cert_stats *st)
{
	*st = g.st;
}

/* Copy at most n bytes as a C string; a cut one ends in "...". */
static void keep(char *dst, size_t size, const unsigned char *src, size_t n)
{
	if (n >= size) {
		memcpy(dst, src, size - 4);
		memcpy(dst + size - 4, "...", 4);
		return;
	}
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void asn1_keep(char *dst, size_t size, const ASN1_STRING *s)
{
	unsigned char *u = NULL;
	int n = s ? ASN1_STRING_to_UTF8(&u, s) : -1;

	if (n < 0) {
		/* not convertible: the raw bytes, escaped by whoever prints them */
		if (s)
			keep(dst, size, ASN1_STRING_get0_data(s), ASN1_STRING_length(s));
		else
			dst[0] = 0;
		return;
	}
	keep(dst, size, u, n);
	OPENSSL_free(u);
}

static void name_keep(char *dst, size_t size, const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	dst[0] = 0;
	if (!b)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0)
			keep(dst, size, (unsigned char *)p, n);
	}
	BIO_free(b);
}

static int64_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void describe(struct cert_info *ci, X509 *x)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	GENERAL_NAMES *gens;
	ASN1_INTEGER *serial = X509_get_serialNumber(x);
	BIGNUM *bn;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int i, mdnid = 0, pknid = 0, secbits = 0, id;
	uint32_t flags = 0;
	unsigned int n = 0;
	char *hex;

	i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (i >= 0)
		asn1_keep(ci->subject_cn, sizeof(ci->subject_cn),
			  X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
	name_keep(ci->subject, sizeof(ci->subject), subj);
	name_keep(ci->issuer, sizeof(ci->issuer), X509_get_issuer_name(x));
	bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex)
		keep(ci->serial, sizeof(ci->serial), (unsigned char *)hex, strlen(hex));
	OPENSSL_free(hex);
	BN_free(bn);

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		char *dst;

		if (gn->type != GEN_DNS && gn->type != GEN_IPADD)
			continue;
		ci->n_sans_total++;
		if (ci->n_sans >= CERT_MAX_SANS)
			continue;
		dst = ci->sans[ci->n_sans++];
		if (gn->type == GEN_DNS) {
			asn1_keep(dst, CERT_STR, gn->d.dNSName);
		} else {
			const unsigned char *a = ASN1_STRING_get0_data(gn->d.iPAddress);
			int len = ASN1_STRING_length(gn->d.iPAddress);

			if (len == 4)
				snprintf(dst, CERT_STR, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
			else if (len == 16)
				snprintf(dst, CERT_STR, "%x:%x:%x:%x:%x:%x:%x:%x",
					 a[0] << 8 | a[1], a[2] << 8 | a[3], a[4] << 8 | a[5],
					 a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
					 a[12] << 8 | a[13], a[14] << 8 | a[15]);
			else
				snprintf(dst, CERT_STR, "(IP address of %d bytes)", len);
		}
	}
	GENERAL_NAMES_free(gens);

	ci->not_before = asn1_time(X509_get0_notBefore(x));
	ci->not_after = asn1_time(X509_get0_notAfter(x));
	if (pk) {
		id = EVP_PKEY_get_base_id(pk);
		ci->key_bits = EVP_PKEY_get_bits(pk);
		snprintf(ci->key_type, sizeof(ci->key_type), "%s",
			 id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS ? "RSA" :
			 id == EVP_PKEY_EC ? "EC" : id == EVP_PKEY_DSA ? "DSA" :
			 id == EVP_PKEY_ED25519 ? "ED25519" : id == EVP_PKEY_ED448 ? "ED448" :
			 OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "unknown");
		if (id == EVP_PKEY_EC)
			EVP_PKEY_get_group_name(pk, ci->key_group, sizeof(ci->key_group), NULL);
		if (((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_DSA) &&
		     ci->key_bits < 2048) || (id == EVP_PKEY_EC && ci->key_bits < 224))
			ci->weak_key = 1;
	} else {
		snprintf(ci->key_type, sizeof(ci->key_type), "unknown");
	}
	snprintf(ci->signature, sizeof(ci->signature), "%s",
		 OBJ_nid2ln(X509_get_signature_nid(x)) ?: "unknown");
	if (X509_get_signature_info(x, &mdnid, &pknid, &secbits, &flags) == 1 &&
	    (mdnid == NID_sha1 || mdnid == NID_md5 || mdnid == NID_md5_sha1 || mdnid == NID_md4 ||
	     mdnid == NID_md2))
		ci->weak_signature = 1;
	ci->self_signed = X509_self_signed(x, 1) == 1;
	X509_digest(x, EVP_sha256(), ci->fp_sha256, &n);
	X509_digest(x, EVP_sha1(), ci->fp_sha1, &n);
}

/*
 * Does the chain reach a trust anchor?  Times are not checked here (the
 * findings compare them with the handshake's own time, which offline is the
 * capture's); neither is the purpose.
 */
static void verify(struct cert_chain *c, STACK_OF(X509) *sent)
{
	X509_STORE_CTX *ctx;
	X509 *top = sk_X509_value(sent, sk_X509_num(sent) - 1);

	c->verify_error = -1;
	if (!store_get() || !(ctx = X509_STORE_CTX_new()))
		return;
	if (X509_STORE_CTX_init(ctx, g.store, c->leaf, sent) == 1) {
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
		c->verify_error = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	}
	X509_STORE_CTX_free(ctx);
	c->incomplete = (c->verify_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
			 c->verify_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) &&
			X509_self_signed(top, 0) != 1;
}

static uint32_t u24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static struct cert_chain *parse_chain(const uint8_t *msg, size_t len, const char **err)
{
	size_t keep = len <= COPY_MAX ? len : 0;
	struct chain_box *box;
	struct cert_chain *c;
	STACK_OF(X509) *sent;
	size_t off, end;
	uint32_t n;

	if (len < TLS_HS_HDR_LEN + 3 || u24(msg + 1) != len - TLS_HS_HDR_LEN) {
		*err = "certificate message length";
		return NULL;
	}
	end = TLS_HS_HDR_LEN + 3 + (size_t)u24(msg + TLS_HS_HDR_LEN);
	if (end != len) {
		*err = "certificate_list length";
		return NULL;
	}
	box = calloc(1, sizeof(*box) + keep);
	c = box ? &box->c : NULL;
	sent = sk_X509_new_null();
	if (!c || !sent) {
		free(box);
		sk_X509_free(sent);
		*err = "out of memory";
		return NULL;
	}
	c->refs = 1;
	c->memo = &box->memo;
	box->len = keep;
	memcpy(box->msg, msg, keep);
	for (off = TLS_HS_HDR_LEN + 3; off < end; off += n) {
		const unsigned char *p;
		X509 *x;

		if (end - off < 3 || (n = u24(msg + off)) > end - off - 3) {
			*err = "certificate entry length";
			goto bad;
		}
		off += 3;
		if (c->n_sent < 255)
			c->n_sent++;
		p = msg + off;
		x = d2i_X509(NULL, &p, n);
		if (!x || p != msg + off + n) {
			X509_free(x);
			c->bad++;
			continue;
		}
		if (c->n < CERT_MAX_CHAIN)
			describe(&c->c[c->n++], x);
		/* the first entry is the leaf; if it did not parse, there is none */
		if (c->n_sent == 1 && X509_up_ref(x))
			c->leaf = x;
		if (!sk_X509_push(sent, x))
			X509_free(x);
	}
	if (c->leaf)
		verify(c, sent);
	else
		c->verify_error = -2;
	sk_X509_pop_free(sent, X509_free);
	g.st.certs += c->n;
	return c;
bad:
	sk_X509_pop_free(sent, X509_free);
	chain_free(c);
	return NULL;
}

/* The cache's key of a message: a 64-bit hash and the length when it is kept whole, else SHA-256. */
static int chain_key(const uint8_t *msg, size_t len, unsigned char key[32])
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, l[4] = { h, h + 1, h + 2, h + 3 }, w;
	size_t i, j;

	if (len > COPY_MAX)
		return EVP_Digest(msg, len, key, NULL, EVP_sha256(), NULL) == 1;
	/* four lanes that do not wait for each other: a hit costs this pass and a memcmp */
	for (i = 0; i + 32 <= len; i += 32)
		for (j = 0; j < 4; j++) {
			memcpy(&w, msg + i + 8 * j, 8);
			l[j] = (l[j] ^ w) * 0xff51afd7ed558ccdull;
			l[j] ^= l[j] >> 32;
		}
	for (j = 0; j < 4; j++) {
		h = (h ^ l[j]) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, msg + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ msg[i]) * 0x100000001b3ull;
	memset(key, 0, 32);
	/* the marker and the length: never confused with a digest's key in practice,
	 * and a hit is checked against the message itself */
	key[0] = 'h';
	memcpy(key + 1, &h, sizeof(h));
	memcpy(key + 9, &len, sizeof(len));
	return 1;
}

struct cert_chain *cert_chain_get(const uint8_t *msg, size_t len, const char **err)
{
	unsigned char key[32];
	struct cert_chain **slot, *c;
	struct chain_box *box;
	int keyed;

	*err = NULL;
	g.st.chains++;
	keyed = g.cache && chain_key(msg, len, key);
	if (keyed) {
		slot = lru_lookup(g.cache, key);
		box = slot ? box_of(*slot) : NULL;
		/* a hash's key only for the very message it was made of */
		if (slot && len <= COPY_MAX && (box->len != len || memcmp(box->msg, msg, len)))
			keyed = 0;
		else if (slot) {
			g.st.cache_hits++;
			(*slot)->refs++;
			return *slot;
		}
	}
	c = parse_chain(msg, len, err);
	if (!c) {
		g.st.parse_errors++;
		return NULL;
	}
	if (keyed && lru_insert(g.cache, key, &c))
		c->refs++;	/* the cache's reference */
	return c;
}

void cert_request_put(struct cert_request *r)
{
	if (r && !--r->refs)
		free(r);
}

struct cert_request *cert_request_parse(const uint8_t *msg, size_t len, uint16_t version,
					const char **err)
{
	struct cert_request *r;
	size_t off = TLS_HS_HDR_LEN, end = len;
	uint32_t n, i;

	*err = NULL;
	if (len < TLS_HS_HDR_LEN + 1 || u24(msg + 1) != len - TLS_HS_HDR_LEN) {
		*err = "certificate_request length";
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		*err = "out of memory";
		return NULL;
	}
	r->refs = 1;
	n = msg[off++];
	if (n < 1 || n > end - off)
		goto bad;
	for (i = 0; i < n; i++)
		if (r->n_types < sizeof(r->types))
			r->types[r->n_types++] = msg[off + i];
	off += n;
	if (version >= TLS_V_TLS12) {
		/* supported_signature_algorithms<2..2^16-2> */
		if (end - off < 2 || (n = msg[off] << 8 | msg[off + 1]) > end - off - 2 || n & 1)
			goto bad;
		off += 2 + n;
	}
	if (end - off < 2 || (size_t)(msg[off] << 8 | msg[off + 1]) != end - off - 2)
		goto bad;
	off += 2;
	while (off < end) {
		const unsigned char *p;
		X509_NAME *name;

		if (end - off < 2 || (n = msg[off] << 8 | msg[off + 1]) > end - off - 2)
			goto bad;
		off += 2;
		p = msg + off;
		name = d2i_X509_NAME(NULL, &p, n);
		if (r->n_ca_total < 0xffff)
			r->n_ca_total++;
		if (name && r->n_ca < CERT_MAX_CA_NAMES)
			name_keep(r->ca[r->n_ca++], CERT_DN, name);
		X509_NAME_free(name);
		off += n;
	}
	return r;
bad:
	*err = "certificate_request layout";
	free(r);
	return NULL;
}

uint32_t cert_findings(const struct cert_chain *c, int64_t now, const char *sni, size_t sni_len,
		       int64_t *skew_s)
{
	uint32_t f = 0;
	unsigned i;

	*skew_s = 0;
	if (!c || !c->n)
		return 0;
	for (i = 0; i < c->n; i++) {
		const struct cert_info *ci = &c->c[i];

		if (ci->not_after && ci->not_after < now)
			f |= 1u << CERT_F_EXPIRED;
		if (ci->not_before > now) {
			f |= 1u << CERT_F_NOT_YET_VALID;
			if (!*skew_s || ci->not_before - now < *skew_s)
				*skew_s = ci->not_before - now;
		}
		if (ci->weak_key)
			f |= 1u << CERT_F_WEAK_KEY;
		/* a self-signed root's own signature is never checked by anyone */
		if (ci->weak_signature && !(ci->self_signed && i > 0))
			f |= 1u << CERT_F_WEAK_SIGNATURE;
	}
	if (c->leaf && c->c[0].self_signed)
		f |= 1u << CERT_F_SELF_SIGNED;
	if (c->incomplete)
		f |= 1u << CERT_F_INCOMPLETE_CHAIN;
	if (sni && sni_len && c->leaf && !host_matches(c, sni, sni_len))
		f |= 1u << CERT_F_SNI_NOT_IN_CERT;
	return f;
}
