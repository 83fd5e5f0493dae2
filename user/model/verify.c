// SPDX-License-Identifier: BSD-3-Clause
/*
 * Active verification: the verifier the collector feeds (bounds, a queue, a
 * worker thread), the results handed back and read.  See verify.h for the
 * layers; verify_run.c makes the probes, verify_target.c what they aim at.
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

static void own_add(void *ctx, int fd, const struct verify_target *t);

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
			verify_run_with(&t, v->o.max_probes, v->o.timeout_ms, &d->res, &v->stop,
					own_add, v);
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

	if (!verify_target_wanted(r))
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
		offered |= verify_version_bit(ver);
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

/* A probe's socket (verify_run_with): its handshake is tlsmon's own (verify_own). */
static void own_add(void *ctx, int fd, const struct verify_target *t)
{
	struct verify *v = ctx;
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
