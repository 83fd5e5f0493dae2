// SPDX-License-Identifier: BSD-3-Clause
/*
 * Active verification, one probe and one verification (verify.h's first
 * layer): ask a server that refused a client's hello what it accepts, with
 * libssl, the way one would with sslscan, within strict bounds.  What a
 * verification sends, and why: verify.h.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/tls_names.h"
#include "model/verify.h"
#include "tls_proto.h"

/* ---- one probe ---- */

struct verify;
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
			if (verify_is_tls13_suite(o->suites[i])) {
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

			if (verify_is_tls13_suite(id) || excluded(o, id))
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

/* on_socket: told each probe's connected socket before the ClientHello goes */
static void probe_one(const struct verify_target *t, const struct verify_offer *o,
		      unsigned timeout_ms, struct verify_probe *p, verify_socket_fn on_socket,
		      void *sctx)
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
	if (on_socket)
		on_socket(sctx, fd, t);
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

void verify_run_probe(const struct verify_target *t, const struct verify_offer *o,
		      unsigned timeout_ms, struct verify_probe *p)
{
	probe_one(t, o, timeout_ms, p, NULL, NULL);
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
		offered |= verify_version_bit(v);
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

void verify_run_with(const struct verify_target *t, unsigned max_probes, unsigned timeout_ms,
		     struct verify_result *res, const volatile int *stop, verify_socket_fn on_socket,
		     void *sctx)
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
	probe_one(t, &t->offer, timeout_ms, p, on_socket, sctx);
	if (p->res == VERIFY_ACCEPTED) {
		res->versions |= verify_version_bit(p->version);
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
		probe_one(t, &any, timeout_ms, p, on_socket, sctx);
		if (p->res == VERIFY_ACCEPTED) {
			res->versions |= verify_version_bit(p->version);
			add_suite(res, p->suite);
		}
		/* refused, or answered anything TLS: this version was asked about */
		if (p->res == VERIFY_ACCEPTED || p->res == VERIFY_ALERT)
			res->versions_tried |= verify_version_bit(versions[i]);
	}
	/* 3. the suites accepted at all: below 1.3 at the highest version taken, then 1.3 */
	for (pass = 0; pass < 2; pass++) {
		at = 0;
		if (pass == 0) {
			for (i = 1; i < 4 && !at; i++)
				if (res->versions & verify_version_bit(versions[i]))
					at = versions[i];
		} else if (res->versions & verify_version_bit(0x0304)) {
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
				if (verify_is_tls13_suite(res->suites[i]) == (at == 0x0304))
					any.exclude[any.n_exclude++] = res->suites[i];
			p = next_probe(res, "%s, any suite but the ones found",
				       tls_version_str(at, vb, sizeof(vb)));
			probe_one(t, &any, timeout_ms, p, on_socket, sctx);
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
		if ((res->versions & verify_version_bit(versions[i])) && versions[i] >= t->offer.min_version &&
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
		probe_one(t, &any, timeout_ms, p, on_socket, sctx);
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
	verify_run_with(t, max_probes, timeout_ms, res, NULL, NULL, NULL);
}
