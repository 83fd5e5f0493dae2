// SPDX-License-Identifier: BSD-3-Clause
/* Bounded aggregates of settled handshakes; see agg.h for the folding rules. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "model/agg.h"
#include "model/local_id.h"
#include "lib/str.h"
#include "lib/tls_names.h"
#include "tls_proto.h"

/* transport: two values, kept when folding like the outcome */
static const struct agg_family_info families[AGG_FAMILY_MAX] = {
	[AGG_HANDSHAKES] = { "handshakes", 3, { "outcome", "version", "transport" }, { 0, 1, 0 },
			     0, 1 },
	/* confidence: two values ("confirmed", "likely"), kept when folding like the reason */
	[AGG_FAILURES] = { "failures", 5, { "reason", "server", "sni", "confidence", "transport" },
			   { 0, 1, 1, 0, 0 }, 0, 1 },
	[AGG_ALERTS] = { "alerts", 4, { "sender", "level", "description", "transport" },
			 { 0, 1, 1, 0 }, 0, 1 },
	[AGG_NEGOTIATED] = { "negotiated", 3, { "version", "cipher", "transport" }, { 1, 1, 0 },
			     0, 1 },
	[AGG_SERVERS] = { "servers", 4, { "server", "port", "outcome", "transport" },
			  { 1, 1, 0, 0 }, 0, 1 },
	[AGG_SNI] = { "sni", 3, { "sni", "outcome", "transport" }, { 1, 0, 0 }, 0, 1 },
	[AGG_CLIENTS] = { "clients", 3, { "client", "outcome", "transport" }, { 1, 0, 0 }, 0, 1 },
	[AGG_JA4] = { "ja4", 3, { "ja4", "outcome", "transport" }, { 1, 0, 0 }, 0, 1 },
	[AGG_SERVER_JA4] = { "server_ja4", 4, { "server", "ja4", "outcome", "transport" },
			     { 1, 1, 0, 0 }, 0, 1 },
	[AGG_CERT_FINDINGS] = { "cert_findings", 3, { "finding", "server", "sni" }, { 0, 1, 1 } },
	[AGG_CLIENT_CERT_FINDINGS] = { "client_cert_findings", 2, { "finding", "server" },
				       { 0, 1 } },
	[AGG_CERT_EXPIRY] = { "cert_expiry", 2, { "server", "sni" }, { 1, 1 }, 1 },
	[AGG_PROCESSES] = { "processes", 3, { "process", "outcome", "transport" }, { 1, 0, 0 },
			    0, 1 },
	[AGG_PROCESS_FAILURES] = { "process_failures", 4,
				   { "process", "reason", "server", "transport" }, { 1, 0, 1, 0 },
				   0, 1 },
};

static const char *const transport_names[AGG_TRANSPORT_MAX] = {
	[AGG_TCP] = "tcp", [AGG_QUIC] = "quic",
};

/* From a LAN round trip to the default handshake timeout and past it. */
const double agg_bucket_le[AGG_H_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
};

static const uint64_t bucket_ns[AGG_H_BUCKETS] = {
	1000000, 2500000, 5000000, 10000000, 25000000, 50000000, 100000000, 250000000,
	500000000, 1000000000, 2500000000, 5000000000, 10000000000, 30000000000,
	60000000000,
};

/* Per label: flags, length (2 bytes, little endian), the bytes. */
#define KEY_MAX (AGG_MAX_LABELS * (3 + AGG_VALUE_MAX))

struct series {
	uint64_t count;
	uint64_t hash;
	uint16_t key_len;
	uint8_t key[];
};

struct table {
	uint32_t max;		/* series in all */
	uint32_t own_max;	/* series with their own values: below this */
	uint32_t n;
	uint32_t mask;
	uint64_t folded;
	struct series **s;	/* in creation order */
	uint32_t *slot;		/* open addressing: 1 + index into s, 0 empty */
	struct series *spare;	/* for the all-"other" series: folding never fails */
};

struct agg {
	struct table t[AGG_FAMILY_MAX];
	struct agg_hist h[AGG_H_MAX][AGG_TRANSPORT_MAX][OUTCOME_MAX];
	uint64_t records;
	uint64_t no_process;
	uint64_t seed;
};

const struct agg_family_info *agg_family(enum agg_family f)
{
	return f < AGG_FAMILY_MAX ? &families[f] : NULL;
}

const char *agg_transport_name(enum agg_transport t)
{
	return t < AGG_TRANSPORT_MAX ? transport_names[t] : NULL;
}

enum agg_transport agg_transport_of(const struct hs_record *r)
{
	return r->quic ? AGG_QUIC : AGG_TCP;
}

int agg_family_by_name(const char *name)
{
	int f;

	for (f = 0; f < AGG_FAMILY_MAX; f++)
		if (!strcmp(families[f].name, name))
			return f;
	return -1;
}

static size_t key_encode(uint8_t *k, const struct agg_value *v, unsigned n)
{
	size_t o = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		k[o++] = v[i].flags;
		k[o++] = v[i].len & 0xff;
		k[o++] = v[i].len >> 8;
		if (v[i].len)
			memcpy(k + o, v[i].p, v[i].len);
		o += v[i].len;
	}
	return o;
}

static void key_decode(const struct series *s, unsigned n, struct agg_series *out)
{
	size_t o = 0;
	unsigned i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		out->v[i].flags = s->key[o];
		out->v[i].len = s->key[o + 1] | s->key[o + 2] << 8;
		out->v[i].p = s->key + o + 3;
		o += 3 + out->v[i].len;
	}
	out->count = s->count;
}

/* The slot holding this key, or the empty slot where it would go. */
static uint32_t *lookup(struct table *t, const uint8_t *k, size_t len, uint64_t h)
{
	uint32_t i = h & t->mask, probe;
	struct series *s;

	/* at most half full: an empty slot comes first */
	for (probe = 0; probe <= t->mask; probe++) {
		if (!t->slot[i])
			return &t->slot[i];
		s = t->s[t->slot[i] - 1];
		if (s->hash == h && s->key_len == len && !memcmp(s->key, k, len))
			return &t->slot[i];
		i = (i + 1) & t->mask;
	}
	return NULL;
}

/*
 * Count n for the key: 0 done, 1 when the key has no series and the table
 * already has limit series (or no memory for a new one).
 */
static int table_put(struct agg *a, struct table *t, const struct agg_value *v, unsigned nl,
		     uint64_t n, uint32_t limit, int set)
{
	uint8_t k[KEY_MAX];
	size_t len = key_encode(k, v, nl);
	/* label values come from the wire: seeded per process, so slots are not predictable */
	uint64_t h = str_hash64(k, len, a->seed);
	uint32_t *e = lookup(t, k, len, h);
	struct series *s;

	if (!e)
		return 1;
	if (*e) {
		if (set)
			t->s[*e - 1]->count = n;
		else
			t->s[*e - 1]->count += n;
		return 0;
	}
	if (t->n >= limit)
		return 1;
	s = t->n + 1 < t->max ? malloc(sizeof(*s) + len) : NULL;
	if (!s && limit == t->max && t->spare) {
		/* the all-"other" series: the last slot, or no memory left */
		s = t->spare;
		t->spare = NULL;
	}
	if (!s)
		return 1;
	s->count = n;
	s->hash = h;
	s->key_len = len;
	memcpy(s->key, k, len);
	t->s[t->n++] = s;
	*e = t->n;
	return 0;
}

static int table_add(struct agg *a, struct table *t, const struct agg_value *v, unsigned nl,
		     uint64_t n, uint32_t limit)
{
	return table_put(a, t, v, nl, n, limit, 0);
}

/* The caller's values, their flags cleaned and their lengths capped. */
static void clean(const struct agg_family_info *fi, const struct agg_value *in,
		  struct agg_value *v)
{
	unsigned i;

	for (i = 0; i < fi->n_labels; i++) {
		v[i] = in[i];
		v[i].flags &= AGG_V_TRUNC;
		if (v[i].len > AGG_VALUE_MAX) {
			v[i].len = AGG_VALUE_MAX;
			v[i].flags |= AGG_V_TRUNC;
		}
	}
}

int agg_set(struct agg *a, enum agg_family f, const struct agg_value *in, uint64_t value)
{
	const struct agg_family_info *fi = &families[f];
	struct table *t = &a->t[f];
	struct agg_value v[AGG_MAX_LABELS] = { 0 };

	clean(fi, in, v);
	if (!table_put(a, t, v, fi->n_labels, value, t->own_max, 1))
		return 0;
	t->folded++;
	return 1;
}

int agg_add(struct agg *a, enum agg_family f, const struct agg_value *in, uint64_t n)
{
	const struct agg_family_info *fi = &families[f];
	struct table *t = &a->t[f];
	struct agg_value v[AGG_MAX_LABELS] = { 0 };
	unsigned i;

	clean(fi, in, v);
	if (!table_add(a, t, v, fi->n_labels, n, t->own_max))
		return 0;
	t->folded += n;
	/* keep the few-valued labels: sums by reason or outcome stay exact */
	for (i = 0; i < fi->n_labels; i++)
		if (fi->high[i])
			v[i] = (struct agg_value){ NULL, 0, AGG_V_OTHER };
	if (!table_add(a, t, v, fi->n_labels, n, t->max - 1))
		return 1;
	for (i = 0; i < fi->n_labels; i++)
		v[i] = (struct agg_value){ NULL, 0, AGG_V_OTHER };
	/* the last slot and the spare are kept for this one */
	table_add(a, t, v, fi->n_labels, n, t->max);
	return 1;
}

static int table_init(struct table *t, uint32_t max)
{
	uint32_t size = 16, reserve;

	if (!max)
		max = AGG_DEFAULT_MAX_SERIES;
	if (max < AGG_MIN_SERIES)
		max = AGG_MIN_SERIES;
	if (max > AGG_MAX_MAX_SERIES)
		max = AGG_MAX_MAX_SERIES;
	/* room for the partly folded series (one per reason, outcome, ...) and the last one */
	reserve = max / 8 < 64 ? max / 8 : 64;
	t->max = max;
	t->own_max = max - 1 - reserve;
	while (size < 2 * max)
		size <<= 1;
	t->mask = size - 1;
	t->s = calloc(max, sizeof(*t->s));
	t->slot = calloc(size, sizeof(*t->slot));
	t->spare = malloc(sizeof(*t->spare) + KEY_MAX);
	return t->s && t->slot && t->spare ? 0 : -ENOMEM;
}

static void table_fini(struct table *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
	free(t->spare);
}

struct agg *agg_new(const struct agg_opts *o)
{
	struct agg *a = calloc(1, sizeof(*a));
	struct timespec ts;
	int f;

	if (!a)
		return NULL;
	if (getrandom(&a->seed, sizeof(a->seed), GRND_NONBLOCK) != sizeof(a->seed)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		a->seed = (uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid();
	}
	for (f = 0; f < AGG_FAMILY_MAX; f++) {
		if (table_init(&a->t[f], o ? o->max_series[f] : 0)) {
			agg_free(a);
			return NULL;
		}
	}
	return a;
}

void agg_free(struct agg *a)
{
	int f;

	if (!a)
		return;
	for (f = 0; f < AGG_FAMILY_MAX; f++)
		table_fini(&a->t[f]);
	free(a);
}

static struct agg_value str(const char *s)
{
	size_t n = strlen(s);

	return (struct agg_value){ (const uint8_t *)s, n < AGG_VALUE_MAX ? n : AGG_VALUE_MAX, 0 };
}

/* The host_name as sent; empty without one. */
static struct agg_value sni_value(const struct hs_record *r)
{
	struct agg_value v = { (const uint8_t *)"", 0, 0 };
	size_t n;
	int cut;
	const uint8_t *sni = record_sni(r, &n, &cut);

	if (!sni)
		return v;
	v.p = sni;
	v.len = n;
	if (cut)
		v.flags = AGG_V_TRUNC;
	return v;
}

/* No value: a label the family does not have. */
#define NONE ((struct agg_value){ (const uint8_t *)"", 0, 0 })

/* Count one for x, y (and z): the family's values, the transport appended when it has one. */
static void add(struct agg *a, enum agg_family f, struct agg_value tr, struct agg_value x,
		struct agg_value y, struct agg_value z)
{
	struct agg_value v[AGG_MAX_LABELS] = { x, y, z };
	unsigned n = families[f].n_labels;

	if (families[f].transport)
		v[n - 1] = tr;
	agg_add(a, f, v, 1);
}

static void alerts(struct agg *a, const struct hs_record *r, struct agg_value tr)
{
	char lvl[8], buf[32];
	const char *level, *desc;
	unsigned i;

	for (i = 0; i < r->n_alerts && i < REC_MAX_ALERTS; i++) {
		const struct rec_alert *al = &r->alerts[i];

		if (al->encrypted) {
			/* TLS 1.3: only the record is seen */
			level = "unknown";
			desc = "encrypted";
		} else {
			if (al->level == TLS_ALERT_LEVEL_FATAL)
				level = "fatal";
			else if (al->level == TLS_ALERT_LEVEL_WARNING)
				level = "warning";
			else
				level = (snprintf(lvl, sizeof(lvl), "0x%02x", al->level), lvl);
			desc = tls_alert_str(al->desc, buf, sizeof(buf));
		}
		add(a, AGG_ALERTS, tr, str(al->sender == SIDE_CLIENT ? "client" : "server"),
		    str(level), str(desc));
	}
}

/* Certificates seen in clear: their findings, and when each server's leaf expires. */
static void certificates(struct agg *a, const struct hs_record *r, struct agg_value server,
			 struct agg_value sni)
{
	const struct cert_chain *c = r->certs[SIDE_SERVER];
	unsigned i;

	for (i = 0; i < CERT_F_MAX; i++) {
		if (r->cert_findings[SIDE_SERVER] & (1u << i))
			add(a, AGG_CERT_FINDINGS, NONE, str(cert_finding_name(i)), server, sni);
		if (r->cert_findings[SIDE_CLIENT] & (1u << i))
			add(a, AGG_CLIENT_CERT_FINDINGS, NONE, str(cert_finding_name(i)), server,
			    NONE);
	}
	if (c && c->n && c->c[0].not_after > 0) {
		struct agg_value v[AGG_MAX_LABELS] = { server, sni };

		agg_set(a, AGG_CERT_EXPIRY, v, (uint64_t)c->c[0].not_after);
	}
}

/* The local program's handshakes, and its failures by reason and server. */
static void processes(struct agg *a, const struct hs_record *r, struct agg_value tr,
		      struct agg_value outcome, struct agg_value reason, struct agg_value server)
{
	char name[2 * LOCAL_NAME_MAX + 2];
	struct agg_value p;

	if (!r->local || !*local_id_process(r->local, name, sizeof(name))) {
		a->no_process++;
		return;
	}
	p = str(name);
	add(a, AGG_PROCESSES, tr, p, outcome, NONE);
	if (r->outcome == OUTCOME_FAILED)	/* as agg_record()'s oc: reason is set */
		add(a, AGG_PROCESS_FAILURES, tr, p, reason, server);
}

static void observe(struct agg_hist *h, uint64_t ns)
{
	unsigned i;

	for (i = 0; i < AGG_H_BUCKETS && ns > bucket_ns[i]; i++)
		;
	if (i < AGG_H_BUCKETS)
		h->bucket[i]++;
	h->count++;
	h->sum_ns += ns;
}

void agg_record(void *ctx, const struct hs_record *r)
{
	struct agg *a = ctx;
	char ver[32], cip[64], srv[INET6_ADDRSTRLEN], cli[INET6_ADDRSTRLEN], port[8], why[48];
	struct agg_value outcome, version, cipher, server, client, sni, ja4, reason, tr;
	enum outcome oc = r->outcome < OUTCOME_MAX ? r->outcome : OUTCOME_UNKNOWN;
	enum agg_transport t = agg_transport_of(r);

	a->records++;
	outcome = str(outcome_name(oc));
	version = str(r->sh ? tls_version_str(r->version, ver, sizeof(ver)) : "");
	cipher = str(r->sh ? tls_cipher_str(r->sh->cipher, cip, sizeof(cip)) : "");
	addr_str(r->saddr, srv, sizeof(srv));
	addr_str(r->caddr, cli, sizeof(cli));
	snprintf(port, sizeof(port), "%u", r->sport);
	server = str(srv);
	client = str(cli);
	sni = sni_value(r);
	ja4 = str(r->ch && r->fp->have_ja4 ? r->fp->ja4 : "");
	tr = str(transport_names[t]);

	reason = str(oc == OUTCOME_FAILED ? reason_label(r, why, sizeof(why)) : "");
	add(a, AGG_HANDSHAKES, tr, outcome, version, NONE);
	if (oc == OUTCOME_FAILED) {
		struct agg_value v[AGG_MAX_LABELS] = { reason, server, sni,
						       str(confidence_name(r->ev.confidence)), tr };

		agg_add(a, AGG_FAILURES, v, 1);
	}
	if (r->sh)
		add(a, AGG_NEGOTIATED, tr, version, cipher, NONE);
	add(a, AGG_SERVERS, tr, server, str(port), outcome);
	add(a, AGG_SNI, tr, sni, outcome, NONE);
	add(a, AGG_CLIENTS, tr, client, outcome, NONE);
	add(a, AGG_JA4, tr, ja4, outcome, NONE);
	add(a, AGG_SERVER_JA4, tr, server, ja4, outcome);
	alerts(a, r, tr);
	certificates(a, r, server, sni);
	processes(a, r, tr, outcome, reason, server);

	if (r->ch_ns && r->end_ns >= r->ch_ns)
		observe(&a->h[AGG_H_DURATION][t][oc], r->end_ns - r->ch_ns);
	if (r->ch_ns && r->sh_ns >= r->ch_ns && r->sh)
		observe(&a->h[AGG_H_SERVER_HELLO][t][oc], r->sh_ns - r->ch_ns);
}

uint32_t agg_series_count(const struct agg *a, enum agg_family f)
{
	return a->t[f].n;
}

uint32_t agg_max_series(const struct agg *a, enum agg_family f)
{
	return a->t[f].max;
}

uint64_t agg_folded(const struct agg *a, enum agg_family f)
{
	return a->t[f].folded;
}

uint64_t agg_records(const struct agg *a)
{
	return a->records;
}

uint64_t agg_no_process(const struct agg *a)
{
	return a->no_process;
}

void agg_foreach(const struct agg *a, enum agg_family f, agg_iter_fn fn, void *ctx)
{
	const struct table *t = &a->t[f];
	struct agg_series s;
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		key_decode(t->s[i], families[f].n_labels, &s);
		if (fn(ctx, &s))
			break;
	}
}

size_t agg_top(const struct agg *a, enum agg_family f, struct agg_series *out, size_t k)
{
	const struct table *t = &a->t[f];
	size_t n = 0, j;
	uint32_t i;

	for (i = 0; i < t->n && k; i++) {
		uint64_t c = t->s[i]->count;

		if (n == k && c <= out[n - 1].count)
			continue;
		j = n < k ? n++ : n - 1;
		/* insertion: strictly larger moves up, so ties stay oldest first */
		for (; j > 0 && out[j - 1].count < c; j--)
			out[j] = out[j - 1];
		key_decode(t->s[i], families[f].n_labels, &out[j]);
	}
	return n;
}

const struct agg_hist *agg_hist(const struct agg *a, enum agg_hist_id h, enum agg_transport t,
			       enum outcome o)
{
	return h < AGG_H_MAX && t < AGG_TRANSPORT_MAX && o < OUTCOME_MAX ? &a->h[h][t][o] : NULL;
}
