// SPDX-License-Identifier: BSD-3-Clause
/*
 * --what-if: the verdict on one offer, as OpenSSL's server gives it (tested
 * against s_server in tests/e2e/test_what_if.sh).  It picks the highest
 * version both speak and never falls back from it, so a TLS 1.3 client that
 * shares no TLS 1.3 suite or group fails even when TLS 1.2 would have
 * worked.  At TLS 1.3 the suite is checked, then ALPN, then the group, then
 * the signature algorithm; at TLS 1.2 a suite is usable only with the
 * certificate's key, a shared group (ECDHE) and a shared signature
 * algorithm (every key exchange: libssl checks the certificate against
 * them), then ALPN.
 */
#include <stdlib.h>
#include <string.h>
#include "model/whatif.h"
#include "tls_proto.h"

static int has16(const uint16_t *v, unsigned n, uint16_t x)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static unsigned n_kept(unsigned n, unsigned max)
{
	return n < max ? n : max;
}

/*
 * The version a libssl server picks: the highest of supported_versions it
 * allows, or without that extension the highest it allows up to the
 * hello's legacy version.  0: none.
 */
static uint16_t pick_version(const struct whatif_policy *p, const struct tls_client_hello *ch)
{
	unsigned i, n = n_kept(ch->n_versions, TLSMON_MAX_VERSIONS);
	uint16_t best = 0, v;

	if (!n) {
		v = ch->legacy_version < p->max_version ? ch->legacy_version : p->max_version;
		/* supported_versions is how TLS 1.3 is offered; never from the legacy field */
		if (v > TLS_V_TLS12)
			v = TLS_V_TLS12;
		return v >= p->min_version ? v : 0;
	}
	for (i = 0; i < n; i++) {
		v = ch->versions[i];
		if (v >= p->min_version && v <= p->max_version && v > best)
			best = v;
	}
	return best;
}

/*
 * The signature algorithms the certificate's key can sign with: RSA with
 * RSA-PSS (rsae) at any version and PKCS#1 below TLS 1.3; ECDSA (a P-256
 * key) with ecdsa_secp256r1_sha256 in TLS 1.3 and any ECDSA hash before.
 * TLS 1.2 code points are hash << 8 | signature (RFC 5246 7.4.1.4.1).
 */
static int sigalg_fits(uint8_t cert, uint16_t s, int tls13)
{
	if (cert == WHATIF_CERT_RSA)
		return (s >= 0x0804 && s <= 0x0806) || (!tls13 && (s & 0xff) == 1 && s < 0x0700);
	if (tls13)
		return s == 0x0403;
	return (s & 0xff) == 3 && s < 0x0700;
}

static int sigalg_shared(const struct whatif_policy *p, const struct tls_client_hello *ch,
			 int tls13)
{
	unsigned i, n = n_kept(ch->n_sigalgs, TLSMON_MAX_SIGALGS);

	/* TLS 1.2 without the extension: the legacy defaults (RFC 5246 7.4.1.4.1) */
	if (!n)
		return !tls13;
	for (i = 0; i < p->n_sigalgs; i++)
		if (sigalg_fits(p->cert, p->sigalgs[i], tls13) && has16(ch->sigalgs, n, p->sigalgs[i]))
			return 1;
	return 0;
}

/* An ECDHE curve of TLS 1.2 (RFC 8422); not FFDHE, not the TLS 1.3-only brainpool ones. */
static int tls12_curve(uint16_t g)
{
	return g < 0x0100 && !(g >= 0x001f && g <= 0x0021);
}

static int group_shared(const struct whatif_policy *p, const struct tls_client_hello *ch,
			int tls13)
{
	unsigned i, n = n_kept(ch->n_groups, TLSMON_MAX_GROUPS);

	for (i = 0; i < p->n_groups; i++) {
		if (!tls13 && !tls12_curve(p->groups[i]))
			continue;
		/* TLS 1.2 without the extension: any curve (RFC 8422 4) */
		if ((!n && !tls13) || has16(ch->groups, n, p->groups[i]))
			return 1;
	}
	return 0;
}

static int alpn_has(const uint8_t *l, size_t len, const uint8_t *name, size_t n)
{
	size_t i = 0;

	while (i < len) {
		if (l[i] == n && i + 1 + n <= len && !memcmp(l + i + 1, name, n))
			return 1;
		i += 1 + l[i];
	}
	return 0;
}

/* RFC 7301: a server with protocols refuses a client that offers none of them. */
static int alpn_refused(const struct whatif_policy *p, const struct tls_client_hello *ch)
{
	size_t len = n_kept(ch->alpn_len, TLSMON_ALPN_MAX), i = 0;

	if (!p->alpn_len || !(ch->flags & TLS_CHF_ALPN))
		return 0;
	while (i < len) {
		if (alpn_has(p->alpn, p->alpn_len, ch->alpn + i + 1,
			     n_kept(ch->alpn[i], len - i - 1)))
			return 0;
		i += 1 + ch->alpn[i];
	}
	return 1;
}

/* TLS 1.3: suite, then ALPN, then group, then signature algorithm (libssl's order). */
static enum whatif_cause tls13(const struct whatif_policy *p, const struct tls_client_hello *ch)
{
	unsigned i, n = n_kept(ch->n_ciphers, TLSMON_MAX_CIPHERS);
	int suite = 0;

	for (i = 0; i < p->n_suites13 && !suite; i++)
		suite = has16(ch->ciphers, n, p->suites13[i]);
	if (!suite)
		return WHATIF_CIPHER;
	if (alpn_refused(p, ch))
		return WHATIF_ALPN;
	if (!group_shared(p, ch, 1))
		return WHATIF_GROUP;
	if (!sigalg_shared(p, ch, 1))
		return WHATIF_SIGALG;
	return WHATIF_OK;
}

/*
 * TLS 1.2 and below: a suite both list, defined at this version, for the
 * certificate's key, with what its key exchange needs.  When none is, the
 * cause is the first thing that took the last candidates away.
 */
static enum whatif_cause tls12(const struct whatif_policy *p, const struct tls_client_hello *ch,
			       uint16_t version)
{
	unsigned i, n = n_kept(ch->n_ciphers, TLSMON_MAX_CIPHERS), named = 0, grouped = 0;
	int sig = version < TLS_V_TLS12 || sigalg_shared(p, ch, 0);
	int group = group_shared(p, ch, 0);
	const struct whatif_suite *s;

	for (i = 0; i < p->n_suites; i++) {
		s = &p->suites[i];
		if (s->min_version > version || s->auth != p->cert || s->kx == WHATIF_KX_OTHER ||
		    !has16(ch->ciphers, n, s->id))
			continue;
		named++;
		if (s->kx == WHATIF_KX_ECDHE && !group)
			continue;
		grouped++;
		if (sig)
			break;
	}
	if (!named)
		return WHATIF_CIPHER;
	if (!grouped)
		return WHATIF_GROUP;
	if (!sig)
		return WHATIF_SIGALG;
	return alpn_refused(p, ch) ? WHATIF_ALPN : WHATIF_OK;
}

void whatif_eval(const struct whatif_policy *p, const struct tls_client_hello *ch,
		 struct whatif_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->version = pick_version(p, ch);
	if (!v->version)
		v->cause = WHATIF_VERSION;
	else if (v->version == TLS_V_TLS13)
		v->cause = tls13(p, ch);
	else
		v->cause = tls12(p, ch, v->version);
	v->would_fail = v->cause != WHATIF_OK;
	switch (v->cause) {
	case WHATIF_OK:
		v->reason = REASON_NONE;
		break;
	case WHATIF_VERSION:
		v->reason = REASON_VERSION_MISMATCH;
		break;
	case WHATIF_ALPN:
		v->reason = REASON_NO_SHARED_ALPN;
		break;
	default:
		/* a bare handshake_failure: what diagnosis names it (model/diag.c) */
		v->reason = REASON_NO_SHARED_CIPHER;
		break;
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct whatif_row *x = a, *y = b;

	if (x->v.would_fail != y->v.would_fail)
		return y->v.would_fail - x->v.would_fail;
	if (x->o->handshakes != y->o->handshakes)
		return x->o->handshakes < y->o->handshakes ? 1 : -1;
	return strcmp(x->o->ja4, y->o->ja4);
}

size_t whatif_eval_all(const struct whatif_policy *p, const struct offers *o,
		     struct whatif_row *rows, size_t max)
{
	struct tls_client_hello ch;
	size_t i, n = offers_count(o);

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		rows[i].o = offers_get(o, i);
		offers_hello(rows[i].o, &ch);
		whatif_eval(p, &ch, &rows[i].v);
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	return n;
}
