// SPDX-License-Identifier: BSD-3-Clause
/*
 * --what-if: the policy is libssl's to read.  Versions, the cipher string
 * and the TLS 1.3 suites go to a server SSL_CTX and are read back as the
 * suites it resolved (SSL_CTX_get_ciphers).  OpenSSL 3.0 has no getter for
 * a context's own groups and signature algorithms, so a client context is
 * given the same lists and writes a ClientHello into memory; tlsmon's own
 * parser reads their code points from its extensions.  The verdicts are in
 * whatif_eval.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "model/whatif.h"
#include "tls_parse.h"

static const char *const cause_names[WHATIF_CAUSE_MAX] = {
	"ok", "version_mismatch", "no_shared_cipher", "no_shared_group", "no_shared_sigalg",
	"no_shared_alpn",
};

static const char *const cert_names[WHATIF_CERT_MAX] = { "rsa", "ecdsa" };

enum key { K_MIN, K_MAX, K_CIPHERS, K_SUITES13, K_GROUPS, K_SIGALGS, K_ALPN, K_CERT, K_N };

static const char *const key_names[K_N] = {
	"min_version", "max_version", "ciphers", "ciphersuites", "groups", "sigalgs", "alpn", "cert",
};

const char *whatif_cause_name(enum whatif_cause c)
{
	return c < WHATIF_CAUSE_MAX ? cause_names[c] : "unknown";
}

/* "KEY=VALUE: libssl says why" from the error queue; -EINVAL. */
static int ssl_refused(char *err, size_t len, enum key k, const char *v, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	snprintf(err, len, "%s=%s: %s%s%s", key_names[k], v, what, why ? ": libssl says " : "",
		 why ? why : "");
	ERR_clear_error();
	return -EINVAL;
}

/* TLS1.2 or TLSv1.2 (libssl's spelling) through libssl's MinProtocol/MaxProtocol. */
static int set_version(SSL_CTX *ctx, enum key k, const char *v, char *err, size_t len)
{
	SSL_CONF_CTX *cc = SSL_CONF_CTX_new();
	char name[16];
	int ok = 0;

	if (!strncmp(v, "TLS1.", 5) && strlen(v) == 6)
		snprintf(name, sizeof(name), "TLSv%s", v + 3);
	else
		snprintf(name, sizeof(name), "%.15s", v);
	/* libssl calls TLS 1.0 "TLSv1" */
	if (!strcmp(name, "TLSv1.0"))
		name[5] = 0;
	if (cc && !strncmp(name, "TLSv1", 5)) {
		SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER);
		SSL_CONF_CTX_set_ssl_ctx(cc, ctx);
		ok = SSL_CONF_cmd(cc, k == K_MIN ? "MinProtocol" : "MaxProtocol", name) > 0;
	}
	SSL_CONF_CTX_free(cc);
	ERR_clear_error();
	if (!ok) {
		snprintf(err, len, "%s=%s: expected TLS1.0, TLS1.1, TLS1.2 or TLS1.3", key_names[k], v);
		return -EINVAL;
	}
	return 0;
}

/* libssl's name of a suite's first version: "SSLv3", "TLSv1", ... "TLSv1.3". */
static uint16_t version_of(const char *s)
{
	static const struct {
		const char *name;
		uint16_t v;
	} t[] = {
		{ "SSLv3", TLS_V_SSL3 }, { "TLSv1", TLS_V_TLS10 }, { "TLSv1.0", TLS_V_TLS10 },
		{ "TLSv1.1", TLS_V_TLS11 }, { "TLSv1.2", TLS_V_TLS12 }, { "TLSv1.3", TLS_V_TLS13 },
	};
	size_t i;

	for (i = 0; s && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].name))
			return t[i].v;
	return TLS_V_TLS12;
}

/* -E2BIG: more suites than the policy holds (libssl 3.0 has about 160 in all). */
static int suite_add(struct whatif_policy *p, const SSL_CIPHER *c)
{
	struct whatif_suite *s;
	uint16_t id = SSL_CIPHER_get_protocol_id(c);
	int kx = SSL_CIPHER_get_kx_nid(c), auth = SSL_CIPHER_get_auth_nid(c);

	if (version_of(SSL_CIPHER_get_version(c)) == TLS_V_TLS13) {
		if (p->n_suites13 == WHATIF_MAX_SUITES13)
			return -E2BIG;
		p->suites13[p->n_suites13++] = id;
		return 0;
	}
	if (p->n_suites == WHATIF_MAX_SUITES)
		return -E2BIG;
	s = &p->suites[p->n_suites++];
	s->id = id;
	s->min_version = version_of(SSL_CIPHER_get_version(c));
	s->kx = kx == NID_kx_rsa ? WHATIF_KX_RSA : kx == NID_kx_ecdhe ? WHATIF_KX_ECDHE :
		kx == NID_kx_dhe ? WHATIF_KX_DHE : WHATIF_KX_OTHER;
	s->auth = auth == NID_auth_rsa ? WHATIF_CERT_RSA : auth == NID_auth_ecdsa ?
		WHATIF_CERT_ECDSA : WHATIF_CERT_MAX;
	return 0;
}

/* The server context: versions and suites, read back in its order. */
static int server_side(const char *const *val, struct whatif_policy *p, char *err, size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	STACK_OF(SSL_CIPHER) *sk;
	int i, r = -EINVAL;

	if (!ctx)
		return ssl_refused(err, len, K_CIPHERS, "", "cannot make a libssl context");
	/* unset: TLS 1.2, the lowest OpenSSL 3 signs for at its default security level */
	p->min_version = TLS_V_TLS12;
	p->max_version = TLS_V_TLS13;
	if (val[K_MIN] && set_version(ctx, K_MIN, val[K_MIN], err, len))
		goto out;
	if (val[K_MAX] && set_version(ctx, K_MAX, val[K_MAX], err, len))
		goto out;
	if (val[K_MIN])
		p->min_version = SSL_CTX_get_min_proto_version(ctx);
	if (val[K_MAX])
		p->max_version = SSL_CTX_get_max_proto_version(ctx);
	if (p->min_version > p->max_version) {
		snprintf(err, len, "min_version=%s is above max_version=%s", val[K_MIN] ?: "TLS1.2",
			 val[K_MAX] ?: "TLS1.3");
		goto out;
	}
	if (val[K_CIPHERS] && SSL_CTX_set_cipher_list(ctx, val[K_CIPHERS]) != 1) {
		r = ssl_refused(err, len, K_CIPHERS, val[K_CIPHERS],
				"no TLS 1.2 suite in it (try: openssl ciphers -v 'STRING')");
		goto out;
	}
	if (val[K_SUITES13] && SSL_CTX_set_ciphersuites(ctx, val[K_SUITES13]) != 1) {
		r = ssl_refused(err, len, K_SUITES13, val[K_SUITES13],
				"not a list of TLS 1.3 suites (TLS_AES_128_GCM_SHA256:...)");
		goto out;
	}
	sk = SSL_CTX_get_ciphers(ctx);
	for (i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
		if (suite_add(p, sk_SSL_CIPHER_value(sk, i))) {
			snprintf(err, len, "more suites than tlsmon holds (%d, TLS 1.3: %d)",
				 WHATIF_MAX_SUITES, WHATIF_MAX_SUITES13);
			goto out;
		}
	}
	r = 0;
out:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

/* The ClientHello libssl wrote into wb, parsed: its groups and signature algorithms. */
static int read_hello(BIO *wb, struct whatif_policy *p, char *err, size_t len)
{
	static uint8_t buf[16384 + TLSP_SLACK];
	struct tls_client_hello ch;
	struct tlsp_ws ws;
	char *data;
	long n = BIO_get_mem_data(wb, &data);
	uint32_t rec;

	if (n < 5 || data[0] != TLS_CT_HANDSHAKE || n > (long)sizeof(buf) - TLSP_SLACK)
		goto bad;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, data, n);
	rec = (uint32_t)buf[3] << 8 | buf[4];
	if (rec > n - 5 || tls_parse_client_hello(buf, 5, 5 + rec, (uint16_t)buf[1] << 8 | buf[2],
						  &ch, &ws))
		goto bad;
	if (ch.flags & (TLS_CHF_TRUNC_GROUPS | TLS_CHF_TRUNC_SIGALGS)) {
		snprintf(err, len, "more groups or signature algorithms than tlsmon keeps (%d, %d)",
			 TLSMON_MAX_GROUPS, TLSMON_MAX_SIGALGS);
		return -EINVAL;
	}
	p->n_groups = ch.n_groups;
	memcpy(p->groups, ch.groups, ch.n_groups * sizeof(ch.groups[0]));
	p->n_sigalgs = ch.n_sigalgs;
	memcpy(p->sigalgs, ch.sigalgs, ch.n_sigalgs * sizeof(ch.sigalgs[0]));
	return 0;
bad:
	snprintf(err, len, "libssl wrote no ClientHello tlsmon could read");
	return -EINVAL;
}

/* The groups and signature algorithms, through a ClientHello (see the top). */
static int hello_side(const char *const *val, struct whatif_policy *p, char *err, size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *rb = NULL, *wb = NULL;
	SSL *s = NULL;
	int r = -EINVAL;

	if (!ctx)
		return ssl_refused(err, len, K_GROUPS, "", "cannot make a libssl context");
	/* OpenSSL's default level: what a server would offer; TLS 1.2 too, for every group */
	SSL_CTX_set_security_level(ctx, 1);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	if (val[K_GROUPS] && SSL_CTX_set1_groups_list(ctx, val[K_GROUPS]) != 1) {
		r = ssl_refused(err, len, K_GROUPS, val[K_GROUPS],
				"unknown group (e.g. X25519:P-256:P-384; openssl list -kem-algorithms)");
		goto out;
	}
	if (val[K_SIGALGS] && SSL_CTX_set1_sigalgs_list(ctx, val[K_SIGALGS]) != 1) {
		r = ssl_refused(err, len, K_SIGALGS, val[K_SIGALGS],
				"unknown signature algorithm (e.g. rsa_pss_rsae_sha256:"
				"ecdsa_secp256r1_sha256:RSA+SHA256)");
		goto out;
	}
	s = SSL_new(ctx);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	if (!s || !rb || !wb)
		goto nomem;
	SSL_set_bio(s, rb, wb);
	rb = wb = NULL;		/* the SSL owns them */
	SSL_set_connect_state(s);
	if (SSL_do_handshake(s) != -1 || SSL_get_error(s, -1) != SSL_ERROR_WANT_READ)
		goto nomem;
	r = read_hello(SSL_get_wbio(s), p, err, len);
	goto out;
nomem:
	snprintf(err, len, "libssl could not write a ClientHello with these lists");
out:
	BIO_free(rb);
	BIO_free(wb);
	SSL_free(s);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

/* alpn=h2:http/1.1 into the wire list, checked by libssl. */
static int set_alpn(const char *v, struct whatif_policy *p, char *err, size_t len)
{
	const char *a = v, *e;
	SSL_CTX *ctx;
	size_t n;
	int bad;

	p->alpn_len = 0;
	while (*a) {
		e = strchr(a, ':');
		n = e ? (size_t)(e - a) : strlen(a);
		if (!n || n > 255 || p->alpn_len + 1 + n > WHATIF_ALPN_MAX) {
			snprintf(err, len, "alpn=%s: names of 1 to 255 bytes, ':'-separated, at most "
				 "%d bytes in all", v, WHATIF_ALPN_MAX);
			return -EINVAL;
		}
		p->alpn[p->alpn_len++] = n;
		memcpy(p->alpn + p->alpn_len, a, n);
		p->alpn_len += n;
		a += n;
		if (*a == ':' && !*++a)
			n = 0;	/* a trailing ':' names nothing */
		if (!n) {
			snprintf(err, len, "alpn=%s: an empty name", v);
			return -EINVAL;
		}
	}
	ctx = SSL_CTX_new(TLS_client_method());
	bad = !ctx || !p->alpn_len || SSL_CTX_set_alpn_protos(ctx, p->alpn, p->alpn_len);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	if (bad) {
		snprintf(err, len, "alpn=%s: libssl refuses this list", v);
		return -EINVAL;
	}
	return 0;
}

/* "k=v,k=v" into val[] (pointers into buf); -EINVAL with the reason. */
static int split(char *buf, const char **val, char *err, size_t len)
{
	char *tok, *save = NULL, *eq;
	int k;

	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, len, "'%s': expected KEY=VALUE", tok);
			return -EINVAL;
		}
		*eq = 0;
		for (k = 0; k < K_N && strcmp(tok, key_names[k]); k++)
			;
		if (k == K_N) {
			snprintf(err, len, "unknown key '%s' (min_version, max_version, ciphers, "
				 "ciphersuites, groups, sigalgs, alpn, cert)", tok);
			return -EINVAL;
		}
		if (val[k]) {
			snprintf(err, len, "%s given twice", tok);
			return -EINVAL;
		}
		/* only ciphersuites= may be empty: no TLS 1.3 suite */
		if (!eq[1] && k != K_SUITES13) {
			snprintf(err, len, "%s=: empty", tok);
			return -EINVAL;
		}
		val[k] = eq + 1;
	}
	return 0;
}

int whatif_parse(const char *s, struct whatif_policy *p, char *err, size_t errlen)
{
	const char *val[K_N] = { 0 };
	char buf[WHATIF_TEXT_MAX];
	int r, c;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "longer than %d bytes", WHATIF_TEXT_MAX - 1);
		return -EINVAL;
	}
	if (!*s) {
		snprintf(err, errlen, "empty (e.g. min_version=TLS1.3)");
		return -EINVAL;
	}
	strcpy(p->text, s);
	strcpy(buf, s);
	r = split(buf, val, err, errlen);
	if (r)
		return r;
	if (val[K_CERT]) {
		for (c = 0; c < WHATIF_CERT_MAX && strcmp(val[K_CERT], cert_names[c]); c++)
			;
		if (c == WHATIF_CERT_MAX) {
			snprintf(err, errlen, "cert=%s: rsa or ecdsa (P-256)", val[K_CERT]);
			return -EINVAL;
		}
		p->cert = c;
	}
	if (val[K_ALPN] && set_alpn(val[K_ALPN], p, err, errlen))
		return -EINVAL;
	r = server_side(val, p, err, errlen);
	return r ? r : hello_side(val, p, err, errlen);
}
