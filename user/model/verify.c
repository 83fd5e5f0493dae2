// SPDX-License-Identifier: BSD-3-Clause
/*
 * Active verification: ask a server that refused a client's hello what it
 * accepts, with libssl, the way one would with sslscan, within strict bounds.
 * See verify.h for the two layers.
 *
 * What a verification sends, and why:
 *   1. the replay: the failing client's versions, suites, groups, signature
 *      algorithms and ALPN as the collector saw them (what libssl knows of
 *      them; GREASE and signalling values left out), with the same SNI.  A
 *      refusal confirms the server refuses that offer from anywhere; an
 *      acceptance says the offer was not the cause.
 *   2. one probe per version, TLS 1.3 down to TLS 1.0, each offering every
 *      suite libssl has at security level 0 (no NULL ciphers): which versions
 *      the server accepts, and the suite it prefers at each.
 *   3. at the highest accepted version below 1.3 (then at 1.3), the same offer
 *      without the suites found so far, until the server refuses: the suites it
 *      accepts at all.
 *   4. if room is left and the server takes a key exchange that uses groups
 *      (TLS 1.3, or an ECDHE suite found) at a version the client offered:
 *      that version, ECDHE suites, the client's groups only.  Refused: the
 *      server takes none of the client's groups.
 * Every probe is one TCP connection to the server's address and port and one
 * handshake, given up at its timeout (connect and handshake together).  No
 * certificate is checked and nothing is sent after the handshake.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "lib/esc.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/lru.h"
#include "lib/str.h"
#include "lib/tls_names.h"
#include "model/verify.h"
#include "tls_proto.h"

static const char *const res_names[VERIFY_RES_MAX] = {
	[VERIFY_ACCEPTED] = "accepted",
	[VERIFY_ALERT] = "alert",
	[VERIFY_TIMEOUT] = "timeout",
	[VERIFY_RESET] = "reset",
	[VERIFY_CLOSED] = "closed",
	[VERIFY_NOT_TLS] = "not_tls",
	[VERIFY_REFUSED] = "refused",
	[VERIFY_UNREACHABLE] = "unreachable",
	[VERIFY_LOCAL_ERROR] = "local_error",
};

static const char *const verdict_names[VERIFY_VERDICT_MAX] = {
	[VERIFY_CONFIRMED] = "confirmed",
	[VERIFY_NOT_REPRODUCED] = "not_reproduced",
	[VERIFY_INCONCLUSIVE] = "inconclusive",
	[VERIFY_UNREACHABLE_V] = "unreachable",
};

const char *verify_res_name(enum verify_res r)
{
	return (unsigned)r < VERIFY_RES_MAX ? res_names[r] : "?";
}

const char *verify_verdict_name(enum verify_verdict v)
{
	return (unsigned)v < VERIFY_VERDICT_MAX ? verdict_names[v] : "?";
}

static uint8_t version_bit(uint16_t v)
{
	return v >= 0x0301 && v <= 0x0304 ? 1u << (v - 0x0301) : 0;
}

static int is_tls13_suite(uint16_t v)
{
	return (v >> 8) == 0x13;
}

/* ---- what asks for a verification, and the client's offer ---- */

int verify_wanted(const struct hs_record *r)
{
	int i;

	if (r->outcome != OUTCOME_FAILED || !r->ch || r->sh || r->verify_asked)
		return 0;
	if (r->reason != REASON_NO_SHARED_CIPHER && r->reason != REASON_VERSION_MISMATCH &&
	    r->reason != REASON_OTHER_ALERT)
		return 0;
	/* a cause the server's own history (or the alert itself) confirms needs no asking */
	if (r->reason != REASON_OTHER_ALERT && r->ev.confidence == CONFIDENCE_CONFIRMED)
		return 0;
	/* the server's own fatal alert before its ServerHello: it refused the hello */
	for (i = 0; i < r->n_alerts && i < REC_MAX_ALERTS; i++)
		if (r->alerts[i].sender == SIDE_SERVER && !r->alerts[i].after_server_hello &&
		    !r->alerts[i].encrypted && r->alerts[i].level == 2)
			return 1;
	return 0;
}

/* Whole protocol names only: a list cut by the capture loses its last, partial entry. */
static uint16_t alpn_whole(const uint8_t *a, size_t len, uint8_t *out, size_t cap)
{
	size_t p = 0;

	while (p < len && p < cap) {
		size_t n = a[p];

		if (!n || p + 1 + n > len || p + 1 + n > cap)
			break;
		memcpy(out + p, a + p, 1 + n);
		p += 1 + n;
	}
	return p;
}

int verify_target_from(const struct hs_record *r, struct verify_target *t)
{
	const struct tls_client_hello *ch = r->ch;
	struct verify_offer *o = &t->offer;
	const uint8_t *sni;
	size_t sni_len, alen;
	int i, cut;
	uint16_t v;

	memset(t, 0, sizeof(*t));
	if (!ch)
		return -1;
	t->family = r->family;
	memcpy(t->addr, r->saddr, 16);
	t->port = r->sport;
	t->record_id = r->id;
	t->reason = r->reason;
	{
		char lb[sizeof(t->reason_label)];

		/* reason_label() fills its buffer only for other_alert */
		snprintf(t->reason_label, sizeof(t->reason_label), "%s",
			 reason_label(r, lb, sizeof(lb)));
	}
	/* the same name, when it is one a host name can be: else none at all */
	sni = record_sni(r, &sni_len, &cut);
	if (sni && !cut && sni_len < sizeof(t->sni) && !memchr(sni, 0, sni_len))
		memcpy(t->sni, sni, sni_len);
	/* versions: supported_versions, else the legacy field (and every older one) */
	o->min_version = 0xffff;
	for (i = 0; i < ch->n_versions && i < TLSMON_MAX_VERSIONS; i++) {
		v = ch->versions[i];
		if (!version_bit(v))
			continue;
		if (v < o->min_version)
			o->min_version = v;
		if (v > o->max_version)
			o->max_version = v;
	}
	if (!o->max_version) {
		v = ch->legacy_version;
		o->max_version = v > 0x0303 ? 0x0303 : v < 0x0301 ? 0x0301 : v;
		o->min_version = 0x0301;
	}
	for (i = 0; i < ch->n_ciphers && i < TLSMON_MAX_CIPHERS && o->n_suites < VERIFY_MAX_SUITES;
	     i++) {
		v = ch->ciphers[i];
		/* signalling values, not suites: libssl adds its own */
		if (TLS_IS_GREASE(v) || v == TLS_EMPTY_RENEGOTIATION_INFO_SCSV || v == TLS_FALLBACK_SCSV)
			continue;
		o->suites[o->n_suites++] = v;
	}
	for (i = 0; i < ch->n_groups && i < TLSMON_MAX_GROUPS && o->n_groups < VERIFY_MAX_LIST; i++)
		if (!TLS_IS_GREASE(ch->groups[i]))
			o->groups[o->n_groups++] = ch->groups[i];
	for (i = 0; i < ch->n_sigalgs && i < TLSMON_MAX_SIGALGS && o->n_sigalgs < VERIFY_MAX_LIST;
	     i++)
		if (!TLS_IS_GREASE(ch->sigalgs[i]))
			o->sigalgs[o->n_sigalgs++] = ch->sigalgs[i];
	if (ch->flags & TLS_CHF_ALPN) {
		alen = ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX;
		o->alpn_len = alpn_whole(ch->alpn, alen, o->alpn, sizeof(o->alpn));
	}
	return 0;
}

/* ---- one probe ---- */

struct verify;
static void own_add(struct verify *v, int fd, const struct verify_target *t);

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Append "sep name" to a list string; 0, or -1 when it does not fit. */
static int list_add(char *s, size_t cap, const char *prefix, const char *name)
{
	size_t len = strlen(s), n = strlen(name) + strlen(prefix) + 1;

	if (len + n + 1 > cap)
		return -1;
	snprintf(s + len, cap - len, "%s%s%s", len ? ":" : "", prefix, name);
	return 0;
}

/* Names libssl takes one by one (a list with one unknown name is refused whole). */
static void set_named_list(SSL_CTX *ctx, const uint16_t *v, int n,
			   const char *(*name_of)(uint16_t),
			   int (*set)(SSL_CTX *, const char *))
{
	char list[1024] = "";
	const char *name;
	int i;

	for (i = 0; i < n; i++) {
		name = name_of(v[i]);
		if (name && set(ctx, name) == 1)
			list_add(list, sizeof(list), "", name);
	}
	if (list[0])
		set(ctx, list);
}

static int groups_set(SSL_CTX *ctx, const char *l)
{
	return SSL_CTX_set1_groups_list(ctx, l);
}

static int sigalgs_set(SSL_CTX *ctx, const char *l)
{
	return SSL_CTX_set1_sigalgs_list(ctx, l);
}

/* The OpenSSL name of an IANA suite this libssl has, or NULL. */
static const char *suite_ossl_name(SSL *ssl, uint16_t v)
{
	unsigned char b[2] = { v >> 8, v & 0xff };
	const SSL_CIPHER *c = SSL_CIPHER_find(ssl, b);

	return c ? SSL_CIPHER_get_name(c) : NULL;
}

static const uint16_t tls13_all[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x1305 };

static int excluded(const struct verify_offer *o, uint16_t v)
{
	int i;

	for (i = 0; i < o->n_exclude; i++)
		if (o->exclude[i] == v)
			return 1;
	return 0;
}

/* A client context for this offer; n_offered: suites in it.  NULL: it cannot be made. */
static SSL_CTX *offer_ctx(const struct verify_offer *o, uint16_t *n_offered)
{
	char l12[4096] = "", l13[256] = "";
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	STACK_OF(SSL_CIPHER) *sk;
	const char *name;
	uint16_t min = o->min_version, max = o->max_version;
	SSL *tmp;
	int i, n12 = 0, n13 = 0;

	*n_offered = 0;
	if (!ctx)
		return NULL;
	/* legacy suites and versions must be offerable: this is a question, not a connection */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	tmp = SSL_new(ctx);
	if (!tmp)
		goto fail;
	if (o->n_suites) {
		for (i = 0; i < o->n_suites; i++) {
			if (is_tls13_suite(o->suites[i])) {
				name = tls_cipher_name(o->suites[i]);
				/* libssl's TLS 1.3 names are the IANA ones */
				if (name && suite_ossl_name(tmp, o->suites[i]) &&
				    !list_add(l13, sizeof(l13), "", name))
					n13++;
			} else if ((name = suite_ossl_name(tmp, o->suites[i])) &&
				   !list_add(l12, sizeof(l12), "", name)) {
				n12++;
			}
		}
	} else {
		/* every suite libssl has, but the ones excluded */
		if (SSL_set_cipher_list(tmp, "ALL:@SECLEVEL=0") != 1)
			goto fail;
		sk = SSL_get_ciphers(tmp);
		for (i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
			const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
			uint16_t id = SSL_CIPHER_get_protocol_id(c);

			if (is_tls13_suite(id) || excluded(o, id))
				continue;
			if (o->ecdhe_only && SSL_CIPHER_get_kx_nid(c) != NID_kx_ecdhe)
				continue;
			if (!list_add(l12, sizeof(l12), "", SSL_CIPHER_get_name(c)))
				n12++;
		}
		for (i = 0; i < (int)(sizeof(tls13_all) / sizeof(tls13_all[0])); i++) {
			name = tls_cipher_name(tls13_all[i]);
			if (name && !excluded(o, tls13_all[i]) && suite_ossl_name(tmp, tls13_all[i]) &&
			    !list_add(l13, sizeof(l13), "", name))
				n13++;
		}
	}
	SSL_free(tmp);
	tmp = NULL;
	/* a version with no suite to offer at it is not offered */
	if (!n13 && max >= 0x0304)
		max = 0x0303;
	if (!n12 && min <= 0x0303)
		min = 0x0304;
	if (min > max)
		goto fail;
	if (!SSL_CTX_set_min_proto_version(ctx, min) || !SSL_CTX_set_max_proto_version(ctx, max))
		goto fail;
	if (n12) {
		list_add(l12, sizeof(l12), "", "@SECLEVEL=0");
		if (SSL_CTX_set_cipher_list(ctx, l12) != 1)
			goto fail;
	}
	if (SSL_CTX_set_ciphersuites(ctx, l13) != 1)
		goto fail;
	if (o->n_groups)
		set_named_list(ctx, o->groups, o->n_groups, tls_group_name, groups_set);
	if (o->n_sigalgs)
		set_named_list(ctx, o->sigalgs, o->n_sigalgs, tls_sigalg_name, sigalgs_set);
	if (o->alpn_len && SSL_CTX_set_alpn_protos(ctx, o->alpn, o->alpn_len))
		goto fail;
	*n_offered = (min <= 0x0303 ? n12 : 0) + (max >= 0x0304 ? n13 : 0);
	return ctx;
fail:
	SSL_free(tmp);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

static void on_info(const SSL *ssl, int where, int ret)
{
	struct verify_probe *p = SSL_get_app_data(ssl);

	/* an alert the server sent: its description, and that one came */
	if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT && p && p->res != VERIFY_ALERT) {
		p->res = VERIFY_ALERT;
		p->alert = ret & 0xff;
	}
}

static void on_msg(int write_p, int version, int type, const void *buf, size_t len, SSL *ssl,
		   void *arg)
{
	int *got_record = arg;

	(void)version;
	(void)buf;
	(void)len;
	(void)ssl;
	/* a TLS record header from the server parsed */
	if (!write_p && type == SSL3_RT_HEADER)
		*got_record = 1;
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now = clock_mono_ms();
	int n;

	do {
		if (now >= deadline)
			return 0;
		n = poll(&pfd, 1, deadline - now);
		now = clock_mono_ms();
	} while (n < 0 && errno == EINTR);
	return n;
}

static enum verify_res connect_err(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return VERIFY_REFUSED;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
	case ENETDOWN:
		return VERIFY_UNREACHABLE;
	case ETIMEDOUT:
		return VERIFY_TIMEOUT;
	case ECONNRESET:
		return VERIFY_RESET;
	}
	return VERIFY_UNREACHABLE;
}

/* A non-blocking connect to the target: the socket, or -1 with p->res set. */
static int probe_connect(const struct verify_target *t, uint64_t deadline, struct verify_probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, e = 0;
	socklen_t el = sizeof(e);

	memset(&ss, 0, sizeof(ss));
	if (t->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->port);
		memcpy(&s4->sin_addr, t->addr + 12, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->port);
		memcpy(&s6->sin6_addr, t->addr, 16);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		p->res = VERIFY_LOCAL_ERROR;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		p->res = connect_err(errno);
		close(fd);
		return -1;
	}
	if (wait_fd(fd, POLLOUT, deadline) <= 0) {
		p->res = VERIFY_TIMEOUT;
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) || e) {
		p->res = connect_err(e ?: errno);
		close(fd);
		return -1;
	}
	return fd;
}

/* Why the handshake ended without a ServerHello we took. */
static enum verify_res handshake_error(int err, int saved_errno, int got_record)
{
	unsigned long e = ERR_peek_error();
	int reason = ERR_GET_REASON(e);

	if (err == SSL_ERROR_SYSCALL)
		return saved_errno == ECONNRESET || saved_errno == EPIPE ? VERIFY_RESET : VERIFY_CLOSED;
	if (err == SSL_ERROR_ZERO_RETURN)
		return VERIFY_CLOSED;
	if (saved_errno == ECONNRESET)
		return VERIFY_RESET;
	switch (reason) {
	case SSL_R_UNEXPECTED_EOF_WHILE_READING:
		return VERIFY_CLOSED;
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
	case SSL_R_UNKNOWN_PROTOCOL:
	case SSL_R_RECORD_LENGTH_MISMATCH:
	case SSL_R_HTTP_REQUEST:
	case SSL_R_HTTPS_PROXY_REQUEST:
	case SSL_R_UNEXPECTED_RECORD:
	case SSL_R_WRONG_SSL_VERSION:
		return VERIFY_NOT_TLS;
	}
	/* libssl gave up on what the server sent (or before any record came) */
	return got_record ? VERIFY_LOCAL_ERROR : VERIFY_NOT_TLS;
}

/* v: the verifier, told each probe's local address before the ClientHello goes */
static void probe_one(const struct verify_target *t, const struct verify_offer *o,
		      unsigned timeout_ms, struct verify_probe *p, struct verify *v)
{
	uint64_t start = clock_mono_ms(), deadline = start + timeout_ms;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	int fd = -1, r, err, got_record = 0, saved;

	p->res = VERIFY_LOCAL_ERROR;
	p->version = p->suite = 0;
	p->alert = 0;
	ctx = offer_ctx(o, &p->n_offered);
	if (!ctx)
		goto out;
	fd = probe_connect(t, deadline, p);
	if (fd < 0)
		goto out;
	if (v)
		own_add(v, fd, t);
	p->res = VERIFY_LOCAL_ERROR;
	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1)
		goto out;
	if (t->sni[0])
		SSL_set_tlsext_host_name(ssl, t->sni);
	SSL_set_app_data(ssl, p);
	SSL_set_info_callback(ssl, on_info);
	SSL_set_msg_callback(ssl, on_msg);
	SSL_set_msg_callback_arg(ssl, &got_record);
	p->res = VERIFY_TIMEOUT;	/* until something else is known */
	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_connect(ssl);
		saved = errno;
		if (r == 1) {
			const SSL_CIPHER *c = SSL_get_current_cipher(ssl);

			p->res = VERIFY_ACCEPTED;
			p->version = SSL_version(ssl);
			p->suite = c ? SSL_CIPHER_get_protocol_id(c) : 0;
			/* one close_notify, not waited for */
			SSL_shutdown(ssl);
			break;
		}
		err = SSL_get_error(ssl, r);
		if (p->res == VERIFY_ALERT)
			break;
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			r = wait_fd(fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
			if (r <= 0) {
				p->res = VERIFY_TIMEOUT;
				break;
			}
			continue;
		}
		p->res = handshake_error(err, saved, got_record);
		break;
	}
out:
	p->ms = clock_mono_ms() - start;
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	if (fd >= 0)
		close(fd);
}

void verify_probe(const struct verify_target *t, const struct verify_offer *o,
		  unsigned timeout_ms, struct verify_probe *p)
{
	probe_one(t, o, timeout_ms, p, NULL);
}

/* ---- one verification ---- */

static void add_suite(struct verify_result *res, uint16_t s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < res->n_suites; i++)
		if (res->suites[i] == s)
			return;
	if (res->n_suites < VERIFY_MAX_ACCEPTED)
		res->suites[res->n_suites++] = s;
}

static struct verify_probe *next_probe(struct verify_result *res, const char *fmt,
				       const char *arg)
{
	struct verify_probe *p = &res->probes[res->n_probes++];

	memset(p, 0, sizeof(*p));
	snprintf(p->what, sizeof(p->what), fmt, arg);
	return p;
}

/* Probes the result already counted: the replay's answer decides the verdict. */
static void decide(struct verify_result *res)
{
	const struct verify_offer *o = &res->t.offer;
	const struct verify_probe *replay = &res->probes[0];
	int i, j;

	res->shared = 0;
	for (i = 0; i < res->n_suites; i++)
		for (j = 0; j < o->n_suites; j++)
			if (o->suites[j] == res->suites[i])
				res->shared++;
	if (!res->n_probes)
		res->verdict = VERIFY_INCONCLUSIVE;
	else if (replay->res == VERIFY_UNREACHABLE)
		res->verdict = VERIFY_UNREACHABLE_V;
	else if (replay->res == VERIFY_ACCEPTED)
		res->verdict = VERIFY_NOT_REPRODUCED;
	else if (replay->res == VERIFY_ALERT)
		res->verdict = VERIFY_CONFIRMED;
	else
		res->verdict = VERIFY_INCONCLUSIVE;
}

/* What a verification found the cause to be, when it can tell. */
static enum reason found_cause(const struct verify_result *res)
{
	const struct verify_offer *o = &res->t.offer;
	uint8_t offered = 0;
	uint16_t v;

	if (res->verdict != VERIFY_CONFIRMED || !res->versions)
		return REASON_NONE;
	for (v = o->min_version; v && v <= o->max_version && v <= 0x0304; v++)
		offered |= version_bit(v);
	/* every version the client offered was probed alone, none taken */
	if (!(offered & res->versions) && (offered & res->versions_tried) == offered)
		return REASON_VERSION_MISMATCH;
	if (res->suites_complete && !res->shared)
		return REASON_NO_SHARED_CIPHER;
	return REASON_NONE;
}

/* An ECDHE suite among the ones found (below TLS 1.3)? */
static int has_ecdhe(const struct verify_result *res)
{
	const char *name;
	int i;

	for (i = 0; i < res->n_suites; i++) {
		name = tls_cipher_name(res->suites[i]);
		if (name && strstr(name, "_ECDHE_"))
			return 1;
	}
	return 0;
}

static void run_bounded(const struct verify_target *t, unsigned max_probes, unsigned timeout_ms,
			struct verify_result *res, const volatile int *stop,
			struct verify *v)
{
	static const uint16_t versions[] = { 0x0304, 0x0303, 0x0302, 0x0301 };
	struct verify_offer any;
	struct verify_probe *p;
	char vb[24];
	uint16_t at;
	int i, pass, complete = 1;

	memset(res, 0, sizeof(*res));
	res->t = *t;
	res->groups = -1;
	res->start_ns = wall_ns();
	if (max_probes > VERIFY_MAX_PROBES)
		max_probes = VERIFY_MAX_PROBES;
	if (!max_probes)
		goto done;
	/* 1. the client's own offer */
	p = next_probe(res, "replay of the client's offer", NULL);
	probe_one(t, &t->offer, timeout_ms, p, v);
	if (p->res == VERIFY_ACCEPTED) {
		res->versions |= version_bit(p->version);
		add_suite(res, p->suite);
	}
	/* nothing more to learn from a server that cannot be reached or spoke no TLS */
	if (p->res != VERIFY_ACCEPTED && p->res != VERIFY_ALERT)
		goto done;
	/* 2. each version alone, any suite */
	for (i = 0; i < 4 && res->n_probes < max_probes && !(stop && *stop); i++) {
		memset(&any, 0, sizeof(any));
		any.min_version = any.max_version = versions[i];
		p = next_probe(res, "%s, any suite", tls_version_str(versions[i], vb, sizeof(vb)));
		probe_one(t, &any, timeout_ms, p, v);
		if (p->res == VERIFY_ACCEPTED) {
			res->versions |= version_bit(p->version);
			add_suite(res, p->suite);
		}
		/* refused, or answered anything TLS: this version was asked about */
		if (p->res == VERIFY_ACCEPTED || p->res == VERIFY_ALERT)
			res->versions_tried |= version_bit(versions[i]);
	}
	/* 3. the suites accepted at all: below 1.3 at the highest version taken, then 1.3 */
	for (pass = 0; pass < 2; pass++) {
		at = 0;
		if (pass == 0) {
			for (i = 1; i < 4 && !at; i++)
				if (res->versions & version_bit(versions[i]))
					at = versions[i];
		} else if (res->versions & version_bit(0x0304)) {
			at = 0x0304;
		}
		if (!at)
			continue;
		for (;;) {
			if (res->n_probes >= max_probes || (stop && *stop) ||
			    res->n_suites >= VERIFY_MAX_ACCEPTED) {
				complete = 0;
				break;
			}
			memset(&any, 0, sizeof(any));
			any.min_version = any.max_version = at;
			for (i = 0; i < res->n_suites; i++)
				if (is_tls13_suite(res->suites[i]) == (at == 0x0304))
					any.exclude[any.n_exclude++] = res->suites[i];
			p = next_probe(res, "%s, any suite but the ones found",
				       tls_version_str(at, vb, sizeof(vb)));
			probe_one(t, &any, timeout_ms, p, v);
			if (p->res == VERIFY_ACCEPTED && p->suite && !excluded(&any, p->suite)) {
				add_suite(res, p->suite);
				continue;
			}
			/* refused (or nothing left to offer): every suite at this version is found */
			if (p->res != VERIFY_ALERT && !(p->res == VERIFY_LOCAL_ERROR && !p->n_offered))
				complete = 0;
			break;
		}
	}
	res->suites_complete = complete && res->versions;
	/* 4. the client's groups, at a version both take, with a key exchange that uses them */
	at = 0;
	for (i = 0; i < 4 && !at; i++)
		if ((res->versions & version_bit(versions[i])) && versions[i] >= t->offer.min_version &&
		    versions[i] <= t->offer.max_version &&
		    (versions[i] == 0x0304 || has_ecdhe(res)))
			at = versions[i];
	if (at && t->offer.n_groups && res->n_probes < max_probes && !(stop && *stop)) {
		memset(&any, 0, sizeof(any));
		any.min_version = any.max_version = at;
		any.ecdhe_only = 1;
		memcpy(any.groups, t->offer.groups, sizeof(any.groups));
		any.n_groups = t->offer.n_groups;
		p = next_probe(res, "%s, any ECDHE suite, the client's groups",
			       tls_version_str(at, vb, sizeof(vb)));
		probe_one(t, &any, timeout_ms, p, v);
		if (p->res == VERIFY_ACCEPTED)
			res->groups = 1;
		else if (p->res == VERIFY_ALERT)
			res->groups = 0;
	}
done:
	res->end_ns = wall_ns();
	decide(res);
	res->cause = found_cause(res);
}

void verify_run(const struct verify_target *t, unsigned max_probes, unsigned timeout_ms,
		struct verify_result *res)
{
	run_bounded(t, max_probes, timeout_ms, res, NULL, NULL);
}

/* ---- the verifier: bounds, queue, worker ---- */

struct verify_done {
	struct verify_done *next;
	struct verify_result res;
};

/* The servers verified: a bounded hash by address and port (lib/lru.h). */
struct verify_key {
	uint8_t addr[16];
	uint16_t port;
	uint8_t pad[6];		/* a multiple of 8: the value after it stays aligned */
};
_Static_assert(sizeof(struct verify_key) % 8 == 0, "verify_key padding");

struct verify_entry {
	uint64_t last_ms;		/* monotonic: when last queued */
	struct verify_result *res;	/* latest finished; the caller's thread owns it */
};

/* A probe's connection, to know its handshake when the collector sees it. */
struct verify_own {
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
};

#define VERIFY_OWN_MAX 256

struct verify {
	struct verify_opts o;
	pthread_t thread;
	int started;
	volatile int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* under lock: the queue (a ring), the finished results, the counters */
	struct verify_target *queue;
	unsigned q_head, q_len;
	struct verify_done *done, **done_tail;
	struct verify_stats st;
	struct verify_own own[VERIFY_OWN_MAX];	/* a ring: the latest probes */
	unsigned n_own;
	/* the caller's thread only */
	struct lru *table;
};

struct verify *verify_new(const struct verify_opts *o)
{
	struct verify *v = calloc(1, sizeof(*v));
	pthread_condattr_t ca;

	if (!v)
		return NULL;
	v->o = *o;
	if (!v->o.interval_s)
		v->o.interval_s = 600;
	if (!v->o.timeout_ms)
		v->o.timeout_ms = 3000;
	if (!v->o.max_probes || v->o.max_probes > VERIFY_MAX_PROBES)
		v->o.max_probes = VERIFY_DEFAULT_PROBES;
	if (!v->o.queue_len)
		v->o.queue_len = 16;
	if (!v->o.max_servers)
		v->o.max_servers = 4096;
	v->queue = calloc(v->o.queue_len, sizeof(*v->queue));
	v->table = lru_new(sizeof(struct verify_key), sizeof(struct verify_entry), v->o.max_servers);
	if (!v->queue || !v->table) {
		free(v->queue);
		lru_free(v->table);
		free(v);
		return NULL;
	}
	pthread_mutex_init(&v->lock, NULL);
	/* the rate cap's waits are on the monotonic clock, like their deadlines */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cond, &ca);
	pthread_condattr_destroy(&ca);
	v->done_tail = &v->done;
	/* libssl's configuration and providers read now, as the user tlsmon starts as */
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
	SSL_CTX_free(SSL_CTX_new(TLS_client_method()));
	ERR_clear_error();
	return v;
}

/* Sleep until ms (monotonic) or a stop: under v->lock. */
static void wait_until(struct verify *v, uint64_t until_ms)
{
	struct timespec ts;
	uint64_t now_ms;

	while (!v->stop && (now_ms = clock_mono_ms()) < until_ms) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (until_ms - now_ms) / 1000;
		ts.tv_nsec += (until_ms - now_ms) % 1000 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&v->cond, &v->lock, &ts);
	}
}

static void *worker(void *arg)
{
	struct verify *v = arg;
	struct verify_target t;
	struct verify_done *d;
	uint64_t next_ms = 0;
	int i;

	pthread_mutex_lock(&v->lock);
	while (!v->stop) {
		if (!v->q_len) {
			pthread_cond_wait(&v->cond, &v->lock);
			continue;
		}
		/* the global rate cap: one verification per rate_ms */
		wait_until(v, next_ms);
		if (v->stop)
			break;
		t = v->queue[v->q_head];
		v->q_head = (v->q_head + 1) % v->o.queue_len;
		v->q_len--;
		pthread_mutex_unlock(&v->lock);

		d = calloc(1, sizeof(*d));
		if (d)
			run_bounded(&t, v->o.max_probes, v->o.timeout_ms, &d->res, &v->stop, v);
		next_ms = clock_mono_ms() + v->o.rate_ms;

		pthread_mutex_lock(&v->lock);
		if (!d) {
			v->st.dropped_queue++;
			continue;
		}
		v->st.runs++;
		v->st.verdicts[d->res.verdict]++;
		for (i = 0; i < d->res.n_probes; i++)
			v->st.probes[d->res.probes[i].res]++;
		*v->done_tail = d;
		v->done_tail = &d->next;
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static struct verify_entry *entry_find(const struct verify *v, const uint8_t addr[16],
				       uint16_t port)
{
	struct verify_key k = { .port = port };

	memcpy(k.addr, addr, 16);
	return lru_peek(v->table, &k);
}

/*
 * A new entry: when the table is full, the one queued longest ago makes room
 * if its interval is over; NULL if it is not (the bound holds for it).
 */
static struct verify_entry *entry_new(struct verify *v, const uint8_t addr[16], uint16_t port,
				      uint64_t now_ms)
{
	struct verify_key k = { .port = port };
	struct verify_entry *old;
	const void *ok;

	memcpy(k.addr, addr, 16);
	if (lru_count(v->table) == lru_capacity(v->table)) {
		old = lru_oldest(v->table, &ok);
		if (!old || now_ms - old->last_ms < v->o.interval_s * 1000ull)
			return NULL;
		free(old->res);
		lru_delete(v->table, ok);
	}
	return lru_insert(v->table, &k, NULL);
}

int verify_submit(struct verify *v, const struct hs_record *r)
{
	struct verify_entry *e;
	uint64_t now = clock_mono_ms(), prev;
	int err, queued = 0;

	if (!verify_wanted(r))
		return 0;
	pthread_mutex_lock(&v->lock);
	v->st.submitted++;
	e = entry_find(v, r->saddr, r->sport);
	if (e && now - e->last_ms < v->o.interval_s * 1000ull) {
		v->st.skipped_interval++;
		goto out;
	}
	if (!e) {
		e = entry_new(v, r->saddr, r->sport, now);
		if (!e) {
			v->st.dropped_table++;
			goto out;
		}
	}
	if (v->q_len == v->o.queue_len) {
		v->st.dropped_queue++;
		goto out;
	}
	prev = e->last_ms;
	if (verify_target_from(r, &v->queue[(v->q_head + v->q_len) % v->o.queue_len])) {
		e->last_ms = prev;
		goto out;
	}
	e->last_ms = now;
	/* the most recently queued is the last to make room */
	{
		struct verify_key k = { .port = r->sport };

		memcpy(k.addr, r->saddr, 16);
		lru_lookup(v->table, &k);
	}
	v->q_len++;
	/* the first job starts the worker: records only come once privileges are dropped */
	if (!v->started && !v->stop) {
		sigset_t all, old;

		/* signals stay the main thread's: the worker starts with them blocked */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		err = pthread_create(&v->thread, NULL, worker, v);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (err) {
			pr_warn("--verify: cannot start its thread: %s", strerror(err));
			v->q_len--;
			v->st.dropped_queue++;
			goto out;
		}
		v->started = 1;
	}
	pthread_cond_signal(&v->cond);
	queued = 1;
out:
	pthread_mutex_unlock(&v->lock);
	return queued;
}

void verify_record(void *ctx, const struct hs_record *r)
{
	verify_submit(ctx, r);
}

void verify_poll(struct verify *v, void (*cb)(void *ctx, const struct verify_result *res),
		 void *ctx)
{
	struct verify_done *d, *next;
	struct verify_entry *e;

	pthread_mutex_lock(&v->lock);
	d = v->done;
	v->done = NULL;
	v->done_tail = &v->done;
	pthread_mutex_unlock(&v->lock);
	for (; d; d = next) {
		next = d->next;
		if (d->res.verdict == VERIFY_UNREACHABLE_V) {
			char a[INET6_ADDRSTRLEN], sni[4 * TLSMON_SNI_MAX + 1];

			addr_str(d->res.t.addr, a, sizeof(a));
			pr_warn("--verify: %s port %u (sni %s) cannot be reached from this host: "
				"not verified", a, d->res.t.port,
				d->res.t.sni[0] ? esc_term(sni, sizeof(sni), d->res.t.sni,
							   strlen(d->res.t.sni)) : "-");
		}
		if (cb)
			cb(ctx, &d->res);
		e = entry_find(v, d->res.t.addr, d->res.t.port);
		if (e) {
			/* the table keeps the latest result; the list node goes */
			struct verify_result *keep = malloc(sizeof(*keep));

			if (keep) {
				*keep = d->res;
				free(e->res);
				e->res = keep;
			}
		}
		free(d);
	}
}

const struct verify_result *verify_lookup(const struct verify *v, const uint8_t addr[16],
					  uint16_t port)
{
	const struct verify_entry *e = v ? entry_find(v, addr, port) : NULL;

	return e ? e->res : NULL;
}

int verify_confirms(const struct hs_record *r)
{
	return r->verified && r->verified->verdict == VERIFY_CONFIRMED;
}

size_t verify_explain(const struct verify_result *v, char *buf, size_t len, size_t n)
{
	char x[48], vb[24];
	unsigned i, first = 1;

	if (v->verdict == VERIFY_UNREACHABLE_V)
		return str_catf(buf, len, n, "; not reachable from here to verify");
	if (v->verdict == VERIFY_INCONCLUSIVE)
		return str_catf(buf, len, n, "; asked from here, it gave no answer that decides");
	if (!v->versions)
		return str_catf(buf, len, n, "; asked from here, it took no version tried");
	n = str_catf(buf, len, n, "; asked from here, it takes");
	for (i = 0; i < 4; i++)
		if (v->versions & (1u << i)) {
			n = str_catf(buf, len, n, "%s%s", first ? " " : ", ",
				     tls_version_str((uint16_t)(0x0301 + i), vb, sizeof(vb)));
			first = 0;
		}
	for (i = 0; i < v->n_suites && i < VERIFY_MAX_ACCEPTED; i++)
		n = str_catf(buf, len, n, "%s%s", i ? ", " : " with ",
			     tls_cipher_str(v->suites[i], x, sizeof(x)));
	if (v->n_suites && !v->suites_complete)
		n = str_catf(buf, len, n, ", ...");
	return n;
}

/*
 * What this server's verification says of this record's client, whoever
 * asked for it: the server's facts (the versions it took when probed alone,
 * the suites it takes, found to the end) against this client's offer.
 */
enum reason verify_cause_for(const struct verify_result *v, const struct hs_record *r)
{
	struct verify_target t;
	uint8_t offered = 0;
	uint16_t ver;
	unsigned i, j;

	if (!v || v->verdict == VERIFY_UNREACHABLE_V || !r->ch || verify_target_from(r, &t))
		return REASON_NONE;
	for (ver = t.offer.min_version; ver && ver <= t.offer.max_version && ver <= 0x0304; ver++)
		offered |= version_bit(ver);
	/* every version the client offers was asked alone, and none was taken */
	if (offered && (v->versions_tried & offered) == offered && !(v->versions & offered))
		return REASON_VERSION_MISMATCH;
	/* every suite the server takes is known, and the client offers none */
	if (!v->suites_complete || !v->n_suites || !(v->versions & offered))
		return REASON_NONE;
	for (i = 0; i < v->n_suites; i++)
		for (j = 0; j < t.offer.n_suites; j++)
			if (v->suites[i] == t.offer.suites[j])
				return REASON_NONE;
	return REASON_NO_SHARED_CIPHER;
}

void verify_stats(struct verify *v, struct verify_stats *st)
{
	pthread_mutex_lock(&v->lock);
	*st = v->st;
	pthread_mutex_unlock(&v->lock);
}

void verify_stop(struct verify *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	v->stop = 1;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	if (v->started)
		pthread_join(v->thread, NULL);
	v->started = 0;
}

static int free_entry(void *ctx, const void *key, void *val)
{
	struct verify_entry *e = val;

	(void)ctx;
	(void)key;
	free(e->res);
	return 0;
}

void verify_free(struct verify *v)
{
	struct verify_done *d, *next;

	if (!v)
		return;
	verify_stop(v);
	for (d = v->done; d; d = next) {
		next = d->next;
		free(d);
	}
	lru_foreach(v->table, free_entry, NULL);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->cond);
	lru_free(v->table);
	free(v->queue);
	free(v);
}

static void own_add(struct verify *v, int fd, const struct verify_target *t)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct verify_own *o;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return;
	pthread_mutex_lock(&v->lock);
	o = &v->own[v->n_own % VERIFY_OWN_MAX];
	memset(o, 0, sizeof(*o));
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		o->caddr[10] = o->caddr[11] = 0xff;
		memcpy(o->caddr + 12, &s4->sin_addr, 4);
		o->cport = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

		memcpy(o->caddr, &s6->sin6_addr, 16);
		o->cport = ntohs(s6->sin6_port);
	}
	memcpy(o->saddr, t->addr, 16);
	o->sport = t->port;
	__atomic_store_n(&v->n_own, v->n_own + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&v->lock);
}

int verify_own(struct verify *v, const struct hs_record *r)
{
	unsigned i, n;
	int found = 0;

	/* no probe made yet: nothing to take the lock for (most records, most runs) */
	if (!__atomic_load_n(&v->n_own, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&v->lock);
	n = v->n_own < VERIFY_OWN_MAX ? v->n_own : VERIFY_OWN_MAX;
	for (i = 0; i < n && !found; i++) {
		const struct verify_own *o = &v->own[i];

		found = o->cport == r->cport && o->sport == r->sport &&
			!memcmp(o->caddr, r->caddr, 16) && !memcmp(o->saddr, r->saddr, 16);
	}
	if (found)
		v->st.own_records++;
	pthread_mutex_unlock(&v->lock);
	return found;
}
