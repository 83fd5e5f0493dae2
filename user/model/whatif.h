/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What would break: a proposed server policy (--what-if), resolved by
 * libssl into code points, and its verdict on one client offer.  The
 * verdict follows what a libssl server (OpenSSL 3, nginx) does with that
 * ClientHello: the version first, then at that version the suite, the
 * group, the signature algorithm and ALPN, each failure with the reason
 * tlsmon would diagnose from the server's alert.
 */
#ifndef TLSMON_WHATIF_H
#define TLSMON_WHATIF_H

#include <stddef.h>
#include <stdint.h>
#include "model/offers.h"
#include "model/record.h"
#include "tlsmon.h"

#define WHATIF_TEXT_MAX 1024
#define WHATIF_MAX_SUITES 256		/* libssl's ALL has ~150 */
#define WHATIF_MAX_SUITES13 16
#define WHATIF_MAX_GROUPS 64
#define WHATIF_MAX_SIGALGS 64
#define WHATIF_ALPN_MAX 256		/* wire format: length-prefixed names */

/* The server certificate's key: what it can sign with (cert=). */
enum whatif_cert { WHATIF_CERT_RSA, WHATIF_CERT_ECDSA, WHATIF_CERT_MAX };

/* A TLS 1.2 (and below) suite's key exchange, as libssl names it. */
enum whatif_kx { WHATIF_KX_RSA, WHATIF_KX_ECDHE, WHATIF_KX_DHE, WHATIF_KX_OTHER };

struct whatif_suite {
	uint16_t id;			/* IANA code point */
	uint16_t min_version;		/* the lowest version it is defined for */
	uint8_t kx;			/* enum whatif_kx */
	uint8_t auth;			/* enum whatif_cert; WHATIF_CERT_MAX: neither (PSK, anon) */
};

struct whatif_policy {
	char text[WHATIF_TEXT_MAX];	/* as given */
	uint16_t min_version, max_version;
	uint8_t cert;			/* enum whatif_cert */
	uint16_t n_suites, n_suites13, n_groups, n_sigalgs, alpn_len;
	struct whatif_suite suites[WHATIF_MAX_SUITES];	/* TLS <= 1.2, server order */
	uint16_t suites13[WHATIF_MAX_SUITES13];
	uint16_t groups[WHATIF_MAX_GROUPS];
	uint16_t sigalgs[WHATIF_MAX_SIGALGS];
	uint8_t alpn[WHATIF_ALPN_MAX];	/* empty: the server does no ALPN */
};

/* What fails first; the reason is what the server's alert would be diagnosed as. */
enum whatif_cause {
	WHATIF_OK,
	WHATIF_VERSION,		/* protocol_version -> version_mismatch */
	WHATIF_CIPHER,		/* handshake_failure -> no_shared_cipher */
	WHATIF_GROUP,		/* handshake_failure -> no_shared_cipher */
	WHATIF_SIGALG,		/* handshake_failure -> no_shared_cipher */
	WHATIF_ALPN,		/* no_application_protocol -> no_shared_alpn */
	WHATIF_CAUSE_MAX
};

struct whatif_verdict {
	int would_fail;
	enum whatif_cause cause;
	enum reason reason;		/* REASON_NONE when it would not fail */
	uint16_t version;		/* the version it would negotiate, 0 if none */
};

/*
 * POLICY: comma-separated KEY=VALUE (see tlsmon(8)).  0, or -EINVAL with
 * the reason in err.  Calls libssl (and reads its configuration file):
 * before privileges are dropped and the sandbox entered.
 */
int whatif_parse(const char *s, struct whatif_policy *p, char *err, size_t errlen);
/* The verdict on one ClientHello (whatif_eval.c). */
void whatif_eval(const struct whatif_policy *p, const struct tls_client_hello *ch,
		 struct whatif_verdict *v);
/* "no_shared_group", ...: the finer cause ("ok" for none). */
const char *whatif_cause_name(enum whatif_cause c);

/* One distinct client offer and its verdict. */
struct whatif_row {
	const struct offer *o;
	struct whatif_verdict v;
};

/*
 * The verdict on every offer collected, into rows (at most max): the ones
 * that would fail first, then by handshakes.  What the outputs print and
 * the dashboard can show.  Returns the number of rows.
 */
size_t whatif_eval_all(const struct whatif_policy *p, const struct offers *o,
		       struct whatif_row *rows, size_t max);

#endif
