/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificates seen in clear (TLS 1.2 and below): the chain of a Certificate
 * message parsed with OpenSSL's X.509 API, the acceptable CA names of a
 * CertificateRequest, and the findings an operator wants before clients
 * complain (expired, not yet valid, a name that does not cover the SNI, weak
 * keys or signatures, self-signed, an incomplete chain).
 *
 * Everything here comes from the wire: strings are kept as sent (UTF-8 from
 * the ASN.1 string types, or the raw bytes) and escaped by each output.
 * Parsed chains are cached by the SHA-256 of the message, so a busy server
 * costs one parse, not one per handshake.
 */
#ifndef TLSMON_CERT_H
#define TLSMON_CERT_H

#include <stddef.h>
#include <stdint.h>

#define CERT_MAX_CHAIN 6	/* certificates kept per chain (the rest are counted) */
#define CERT_MAX_SANS 8		/* subjectAltName entries shown per certificate (the
				 * SNI check uses them all) */
#define CERT_MAX_CA_NAMES 8	/* CertificateRequest CA names kept */
#define CERT_STR 128		/* bytes kept of a name (cut ones end in "...") */
#define CERT_DN 320		/* bytes kept of a distinguished name */

enum cert_finding {
	CERT_F_EXPIRED,			/* a certificate's notAfter is before the handshake */
	CERT_F_NOT_YET_VALID,		/* a notBefore after it (a clock skew?) */
	CERT_F_SNI_NOT_IN_CERT,		/* the leaf does not cover the SNI */
	CERT_F_WEAK_KEY,		/* RSA/DSA below 2048 bits, EC below 224 */
	CERT_F_WEAK_SIGNATURE,		/* signed with SHA-1 or MD5 (roots aside) */
	CERT_F_SELF_SIGNED,		/* the leaf signs itself */
	CERT_F_INCOMPLETE_CHAIN,	/* an issuer is neither sent nor a trust anchor */
	CERT_F_MAX
};

struct cert_info {
	char subject_cn[CERT_STR];
	char subject[CERT_DN];		/* RFC 2253 */
	char issuer[CERT_DN];
	char serial[80];		/* hex */
	char sans[CERT_MAX_SANS][CERT_STR];
	uint8_t n_sans;			/* kept */
	uint16_t n_sans_total;
	int64_t not_before, not_after;	/* seconds since the epoch */
	char key_type[16];		/* "RSA", "EC", "ED25519", ... */
	uint16_t key_bits;
	char key_group[32];		/* EC curve */
	char signature[48];		/* e.g. "sha256WithRSAEncryption" */
	uint8_t weak_key, weak_signature, self_signed;
	uint8_t fp_sha256[32];
	uint8_t fp_sha1[20];		/* what some tools still print */
};

/*
 * What an output made of a chain, kept with it and freed with it: a chain
 * met again (the cache's hit) is written without being formatted again.
 * Chains and outputs live in one thread.
 */
struct cert_chain_memo {
	char *json;			/* the chain array's elements as JSON */
	size_t json_len;
};

struct cert_chain {
	uint8_t n;			/* parsed and kept */
	uint8_t n_sent;			/* in the message */
	uint8_t bad;			/* entries that did not parse as X.509 */
	uint8_t incomplete;		/* CERT_F_INCOMPLETE_CHAIN */
	int verify_error;		/* X509_V_* of the chain against the trust anchors
					 * (times not checked: the findings say that), -1
					 * when no trust store could be loaded, -2 when the
					 * leaf did not parse */
	struct cert_info c[CERT_MAX_CHAIN];
	void *leaf;			/* X509 *, for host-name checks; NULL when the first
					 * entry (the leaf) did not parse: c[0] is then not it */
	uint32_t refs;
	struct cert_chain_memo *memo;	/* see above; NULL: nothing kept */
};

struct cert_request {
	uint8_t n_types;
	uint8_t types[8];
	uint16_t n_ca_total;
	uint8_t n_ca;
	char ca[CERT_MAX_CA_NAMES][CERT_DN];
	uint32_t refs;
};

/*
 * Trust anchors for the incomplete-chain check: the system's (OpenSSL's
 * default paths) and, if given, ca_file (PEM).  Call once before parsing;
 * cache_entries bounds the chain cache.  Returns 0 or -1 with a message.
 */
int cert_init(const char *ca_file, uint32_t cache_entries, char *err, size_t errlen);
void cert_fini(void);

/*
 * A whole Certificate message (header included), TLS 1.2 and below layout.
 * The chain is shared: release it with cert_chain_put().  NULL when the
 * message is malformed (*err says why) or memory runs out.
 */
struct cert_chain *cert_chain_get(const uint8_t *msg, size_t len, const char **err);
void cert_chain_put(struct cert_chain *c);

/* A whole CertificateRequest message (TLS 1.2 and below; also TLS 1.0/1.1). */
struct cert_request *cert_request_parse(const uint8_t *msg, size_t len, uint16_t version,
					const char **err);
void cert_request_put(struct cert_request *r);

/*
 * The findings of a chain at time now (seconds since the epoch) for a client
 * that asked for sni (NULL: none): a CERT_F_* bit mask.  *skew_s: for
 * not-yet-valid, how far ahead the earliest notBefore is.
 */
uint32_t cert_findings(const struct cert_chain *c, int64_t now, const char *sni, size_t sni_len,
		       int64_t *skew_s);
const char *cert_finding_name(enum cert_finding f);
/* "ok", OpenSSL's words for a chain error, or "no trust store" */
const char *cert_verify_str(int verify_error);

struct cert_stats {
	uint64_t chains, cache_hits, parse_errors, certs;
};
void cert_stats(struct cert_stats *st);

#endif
