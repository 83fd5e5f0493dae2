// SPDX-License-Identifier: BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ui/dash_model.h"
#include "ui/dash_detail.h"
#include "ui/dash_page.h"
#include "ui/dash_proc.h"
#include "model/diag.h"
#include "lib/esc.h"
#include "lib/tls_names.h"

#define NS 1000000000ull

struct dash_model *dash_model_new(void)
{
	return calloc(1, sizeof(struct dash_model));
}

void dash_model_free(struct dash_model *m)
{
	free(m);
}

struct dash_model *dash_model_clone(const struct dash_model *m)
{
	struct dash_model *c = malloc(sizeof(*c));

	if (c)
		memcpy(c, m, sizeof(*c));
	return c;
}

/* ---- strings: everything stored is printable ASCII ---- */

/* esc_term() into dst; "..." ends it when the escaped form does not fit. */
static void esc_name(char *dst, size_t len, const uint8_t *src, size_t n, int cut)
{
	size_t need = 0, i;

	for (i = 0; i < n; i++)
		need += src[i] >= 0x20 && src[i] < 0x7f && src[i] != '\\' ? 1 : 4;
	if (need < len && !cut) {
		esc_term(dst, len, src, n);
		return;
	}
	esc_term(dst, len - 3, src, n);
	strcat(dst, "...");
}

/* Our own texts (names, evidence) should be printable already; make sure. */
static void copy_text(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || (unsigned char)src[i] >= 0x7f ? '?' : src[i];
	if (len)
		dst[i] = 0;
}

static void rec_sni(char *dst, size_t len, const struct hs_record *r)
{
	size_t n;
	int cut;
	const uint8_t *sni = record_sni(r, &n, &cut);

	if (!sni)
		snprintf(dst, len, "-");
	else
		esc_name(dst, len, sni, n, cut);
}

/* The server's end, " quic" after it for QUIC: another server than TCP's. */
static void rec_server(char *dst, size_t len, const struct hs_record *r)
{
	size_t n;

	record_endpoint(r, SIDE_SERVER, dst, len);
	n = strlen(dst);
	if (r->quic)
		snprintf(dst + n, len - n, " quic");
}

/* Append s; 0 when it fit, else nothing is appended. */
static int append(char *dst, size_t len, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + n + 1 > len)
		return -1;
	memcpy(dst + *o, s, n + 1);
	*o += n;
	return 0;
}

/* The offered protocols, each escaped, comma separated; "..." when cut. */
static void rec_alpn(char *dst, size_t len, const struct hs_record *r)
{
	const struct tls_client_hello *ch = r->ch;
	char one[4 * 255 + 1];
	size_t n, p, k, o = 0;
	int cut;

	dst[0] = 0;
	if (!ch || !(ch->flags & TLS_CHF_ALPN))
		return;
	n = ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX;
	cut = ch->alpn_len > TLSMON_ALPN_MAX || (ch->flags & TLS_CHF_TRUNC_ALPN);
	for (p = 0; p < n; p += k) {
		k = ch->alpn[p++];
		if (k > n - p) {
			/* the copy ends inside this name */
			k = n - p;
			cut = 1;
		}
		esc_term(one, sizeof(one), ch->alpn + p, k);
		/* room is kept for "..." */
		if ((o && append(dst, len - 3, &o, ",")) || append(dst, len - 3, &o, one)) {
			cut = 1;
			break;
		}
	}
	if (cut)
		append(dst, len, &o, "...");
}

static int grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* What a client offers, for fingerprints and for hellos without a JA4. */
static void rec_profile(char *dst, size_t len, const struct hs_record *r)
{
	const struct tls_client_hello *ch = r->ch;
	uint16_t max = 0;
	char v[24];
	unsigned i;

	if (!ch) {
		snprintf(dst, len, "no ClientHello");
		return;
	}
	for (i = 0; i < ch->n_versions && i < TLSMON_MAX_VERSIONS; i++)
		if (!grease(ch->versions[i]) && ch->versions[i] > max)
			max = ch->versions[i];
	if (!max)
		max = ch->legacy_version;
	snprintf(dst, len, "up to %s, %u suites", tls_version_str(max, v, sizeof(v)), ch->n_ciphers);
}

/* ---- the clock and per-second buckets ---- */

static void advance(struct dash_model *m, uint64_t t)
{
	if (!t)
		return;
	if (!m->cur_sec)
		m->first_sec = m->cur_sec = t / NS;
	if (t > m->now_ns)
		m->now_ns = t;
	/* a clock that steps back (wall clock, unordered capture) stays put */
	if (t / NS > m->cur_sec)
		m->cur_sec = t / NS;
}

static struct dash_sec *bucket(struct dash_model *m)
{
	struct dash_sec *b = &m->secs[m->cur_sec % DASH_SECS];

	if (b->sec != m->cur_sec) {
		memset(b, 0, sizeof(*b));
		b->sec = m->cur_sec;
	}
	return b;
}

static uint32_t sec_value(const struct dash_sec *b, int what)
{
	switch (what) {
	case DASH_S_HANDSHAKES:
		return b->hs;
	case DASH_S_FAILED:
		return b->failed;
	case DASH_S_ESTABLISHED:
		return b->established;
	default:
		return what > 0 && what < REASON_MAX ? b->by_reason[what] : 0;
	}
}

void dash_model_series(const struct dash_model *m, int what, uint32_t *out, unsigned n)
{
	const struct dash_sec *b;
	uint64_t s;
	unsigned i;

	if (n > DASH_SECS)
		n = DASH_SECS;
	for (i = 0; i < n; i++) {
		out[i] = 0;
		if (!m->cur_sec || m->cur_sec < n - 1 - i)
			continue;
		s = m->cur_sec - (n - 1 - i);
		b = &m->secs[s % DASH_SECS];
		if (b->sec == s)
			out[i] = sec_value(b, what);
	}
}

static uint64_t series_sum(const struct dash_model *m, int what, unsigned secs)
{
	uint32_t v[DASH_SECS];
	uint64_t sum = 0;
	unsigned i;

	if (secs > DASH_SECS)
		secs = DASH_SECS;
	dash_model_series(m, what, v, secs);
	for (i = 0; i < secs; i++)
		sum += v[i];
	return sum;
}

double dash_model_rate(const struct dash_model *m, int what, unsigned secs)
{
	uint64_t span;

	if (!m->cur_sec || !secs)
		return 0;
	if (secs > DASH_SECS)
		secs = DASH_SECS;
	span = m->cur_sec - m->first_sec + 1;
	if (span > secs)
		span = secs;
	return (double)series_sum(m, what, secs) / span;
}

double dash_model_fail_ratio(const struct dash_model *m, unsigned secs)
{
	uint64_t f = series_sum(m, DASH_S_FAILED, secs);
	uint64_t e = series_sum(m, DASH_S_ESTABLISHED, secs);

	return f + e ? (double)f / (f + e) : -1;
}

uint64_t dash_model_lost(const struct dash_model *m)
{
	const struct dash_header *h = &m->hdr;

	return h->lost_ringbuf + h->lost_flow_full + h->lost_malformed + h->lost_conns +
	       h->lost_reasm + h->lost_frames;
}

/* ---- counts ---- */

void dash_model_count(struct dash_count *c, const struct hs_record *r, const char *label)
{
	c->total++;
	if (r->outcome == OUTCOME_UNKNOWN)
		c->unknown++;
	if (r->outcome != OUTCOME_FAILED)
		return;
	c->failed++;
	if (r->reason < REASON_MAX)
		c->by_reason[r->reason]++;
	if (r->reason == REASON_OTHER_ALERT)
		copy_text(c->other_label, sizeof(c->other_label), label);
}

void dash_model_count_fold(struct dash_count *into, const struct dash_count *c)
{
	int i;

	into->total += c->total;
	into->failed += c->failed;
	into->unknown += c->unknown;
	for (i = 0; i < REASON_MAX; i++)
		into->by_reason[i] += c->by_reason[i];
}

/* ---- servers ---- */

/* Fewest failures first, then least recently seen: the one to give up. */
static int weaker(uint64_t fa, uint64_t la, uint64_t fb, uint64_t lb)
{
	return fa != fb ? fa < fb : la < lb;
}

static struct dash_server *server_get(struct dash_model *m, const char *addr)
{
	struct dash_server *s = NULL;
	uint32_t i;

	for (i = 0; i < m->n_servers; i++)
		if (!strcmp(m->servers[i].addr, addr))
			return &m->servers[i];
	if (m->n_servers < DASH_MAX_SERVERS) {
		s = &m->servers[m->n_servers++];
	} else {
		s = &m->servers[0];
		for (i = 1; i < m->n_servers; i++)
			if (weaker(m->servers[i].c.failed, m->servers[i].last_ns, s->c.failed,
				   s->last_ns))
				s = &m->servers[i];
		dash_model_count_fold(&m->servers_other, &s->c);
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->addr, sizeof(s->addr), "%s", addr);
	return s;
}

static void server_sni(struct dash_server *s, const char *sni, int failed)
{
	struct dash_sni *e = NULL;
	unsigned i;

	for (i = 0; i < s->n_sni; i++)
		if (!strcmp(s->sni[i].s, sni))
			e = &s->sni[i];
	if (!e && s->n_sni < DASH_SRV_SNIS) {
		e = &s->sni[s->n_sni++];
		memset(e, 0, sizeof(*e));
		snprintf(e->s, sizeof(e->s), "%s", sni);
	} else if (!e && failed) {
		/* a failing name takes the place of the least failing one */
		e = &s->sni[0];
		for (i = 1; i < s->n_sni; i++)
			if (weaker(s->sni[i].failed, s->sni[i].total, e->failed, e->total))
				e = &s->sni[i];
		s->sni_more += e->total;
		memset(e, 0, sizeof(*e));
		snprintf(e->s, sizeof(e->s), "%s", sni);
	}
	if (!e) {
		s->sni_more++;
		return;
	}
	e->total++;
	e->failed += failed;
}

/* ---- client fingerprints ---- */

static struct dash_client *client_get(struct dash_model *m, const char *key)
{
	struct dash_client *c = NULL;
	uint32_t i;

	for (i = 0; i < m->n_clients; i++)
		if (!strcmp(m->clients[i].key, key))
			return &m->clients[i];
	if (m->n_clients < DASH_MAX_CLIENTS) {
		c = &m->clients[m->n_clients++];
	} else {
		c = &m->clients[0];
		for (i = 1; i < m->n_clients; i++)
			if (weaker(m->clients[i].c.failed, m->clients[i].last_ns, c->c.failed,
				   c->last_ns))
				c = &m->clients[i];
		dash_model_count_fold(&m->clients_other, &c->c);
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->key, sizeof(c->key), "%s", key);
	return c;
}

/* Where a fingerprint fails and where it does not: a few servers each. */
static void client_server(struct dash_client *c, const char *addr, int failed)
{
	struct dash_client_srv *e = NULL;
	unsigned i;

	for (i = 0; i < c->n_srv; i++)
		if (!strcmp(c->srv[i].addr, addr))
			e = &c->srv[i];
	if (!e && c->n_srv < DASH_CLI_SERVERS) {
		e = &c->srv[c->n_srv++];
	} else if (!e) {
		if (!failed)
			return;
		e = &c->srv[0];
		for (i = 1; i < c->n_srv; i++)
			if (weaker(c->srv[i].failed, c->srv[i].total, e->failed, e->total))
				e = &c->srv[i];
	}
	if (strcmp(e->addr, addr)) {
		memset(e, 0, sizeof(*e));
		snprintf(e->addr, sizeof(e->addr), "%s", addr);
	}
	e->total++;
	e->failed += failed;
}

/* ---- negotiated versions and ciphers ---- */

static void nego_add(struct dash_model *m, struct dash_nego *t, uint32_t *n, uint32_t max,
		     uint16_t value, int failed)
{
	struct dash_nego *e = NULL;
	uint32_t i;

	for (i = 0; i < *n; i++)
		if (t[i].value == value)
			e = &t[i];
	if (!e && *n < max) {
		e = &t[(*n)++];
		memset(e, 0, sizeof(*e));
		e->value = value;
	}
	if (!e)
		e = &m->nego_other;
	e->total++;
	e->failed += failed;
}

/* ---- recent failures ---- */

static void failure_add(struct dash_model *m, const struct hs_record *r, uint64_t t,
			const char *label, const char *client, const char *server, const char *sni)
{
	struct dash_failure *f = &m->recent[m->recent_head];
	char why[DASH_WHY + 8], line[DASH_WHY + 24];
	const char *w = why;

	m->recent_head = (m->recent_head + 1) % DASH_MAX_RECENT;
	m->recent_total++;
	memset(f, 0, sizeof(*f));
	f->id = r->id;
	f->ts_ns = r->start_ns ? r->start_ns : t;
	f->reason = r->reason;
	f->confidence = r->ev.confidence;
	copy_text(f->label, sizeof(f->label), label);
	snprintf(f->client, sizeof(f->client), "%s", client);
	snprintf(f->server, sizeof(f->server), "%s", server);
	snprintf(f->sni, sizeof(f->sni), "%s", sni);
	if (r->fp->have_ja4)
		esc_name(f->ja4, sizeof(f->ja4), (const uint8_t *)r->fp->ja4, strlen(r->fp->ja4), 0);
	rec_alpn(f->alpn, sizeof(f->alpn), r);
	if (r->sh)
		copy_text(f->version, sizeof(f->version),
			  tls_version_str(r->version, f->version, sizeof(f->version)));
	diag_explain(r, why, sizeof(why), esc_term);
	/* it reads as the tail of a text line: " (server sent ...): ..." */
	while (*w == ' ' || *w == ':')
		w++;
	/* how sure, first: "[likely] (server sent fatal handshake_failure): ..." */
	if (f->confidence != CONFIDENCE_NONE)
		snprintf(line, sizeof(line), "[%s]%s%s", confidence_name(f->confidence), *w ? " " : "", w);
	else
		snprintf(line, sizeof(line), "%s", w);
	copy_text(f->why, sizeof(f->why), line);
	dash_proc_failure(f, r);
}

/* ---- the sink and the tick ---- */

static void certs_add(struct dash_model *m, const struct hs_record *r, const char *server,
		      const char *sni, uint64_t t);

void dash_model_record(void *ctx, const struct hs_record *r)
{
	struct dash_model *m = ctx;
	char lbuf[DASH_LABEL], server[DASH_ADDR], client[DASH_ADDR], sni[DASH_NAME];
	char key[DASH_NAME], prof[64];
	const char *label;
	int failed = r->outcome == OUTCOME_FAILED;
	uint64_t t = r->end_ns ? r->end_ns : r->start_ns;
	struct dash_server *s;
	struct dash_client *c;
	struct dash_sec *b;

	advance(m, t);
	/* counted when reported, on the model's clock: the rate of diagnoses */
	t = m->now_ns;
	b = bucket(m);
	b->hs++;
	b->established += r->outcome == OUTCOME_ESTABLISHED;
	if (failed) {
		b->failed++;
		if (r->reason < REASON_MAX)
			b->by_reason[r->reason]++;
	}
	label = reason_label(r, lbuf, sizeof(lbuf));
	rec_server(server, sizeof(server), r);
	record_endpoint(r, SIDE_CLIENT, client, sizeof(client));
	rec_sni(sni, sizeof(sni), r);
	rec_profile(prof, sizeof(prof), r);
	dash_model_count(&m->all, r, label);
	if (r->quic)
		dash_model_count(&m->quic, r, label);

	s = server_get(m, server);
	dash_model_count(&s->c, r, label);
	s->last_ns = t;
	server_sni(s, sni, failed);
	dash_page_learn(s, r);

	if (r->fp->have_ja4)
		esc_name(key, sizeof(key), (const uint8_t *)r->fp->ja4, strlen(r->fp->ja4), 0);
	else
		snprintf(key, sizeof(key), "no-ja4: %s", prof);
	c = client_get(m, key);
	dash_model_count(&c->c, r, label);
	c->last_ns = t;
	copy_text(c->profile, sizeof(c->profile), prof);
	addr_str(r->caddr, c->last_client, sizeof(c->last_client));
	client_server(c, server, failed);

	if (r->sh) {
		nego_add(m, m->versions, &m->n_versions, DASH_MAX_VERSIONS, r->version, failed);
		nego_add(m, m->ciphers, &m->n_ciphers, DASH_MAX_CIPHERS, r->sh->cipher, failed);
	}
	certs_add(m, r, server, sni, t);
	dash_proc_record(m, r, label, server, t);
	if (failed) {
		failure_add(m, r, t, label, client, server, sni);
		dash_detail_add(m, r);
	} else if (r->outcome == OUTCOME_ESTABLISHED) {
		dash_detail_ok(m, r, t, client, server, sni);
	}
	m->generation++;
}

static struct dash_cert *cert_get(struct dash_model *m, const char *server, const char *sni)
{
	struct dash_cert *c = NULL;
	uint32_t i;

	for (i = 0; i < m->n_certs; i++)
		if (!strcmp(m->certs[i].server, server) && !strcmp(m->certs[i].sni, sni))
			return &m->certs[i];
	if (m->n_certs < DASH_MAX_CERTS) {
		c = &m->certs[m->n_certs++];
	} else {
		/* the least recently seen goes */
		c = &m->certs[0];
		for (i = 1; i < m->n_certs; i++)
			if (m->certs[i].last_ns < c->last_ns)
				c = &m->certs[i];
		m->certs_other++;
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->server, sizeof(c->server), "%s", server);
	snprintf(c->sni, sizeof(c->sni), "%s", sni);
	return c;
}

static void certs_add(struct dash_model *m, const struct hs_record *r, const char *server,
		      const char *sni, uint64_t t)
{
	const struct cert_chain *ch = r->certs[SIDE_SERVER];
	const struct cert_info *ci;
	struct dash_cert *c;
	unsigned i;

	for (i = 0; i < CERT_F_MAX; i++)
		if (r->cert_findings[SIDE_CLIENT] & (1u << i))
			m->client_findings[i]++;
	if (!ch || !ch->n)
		return;
	ci = &ch->c[0];
	c = cert_get(m, server, sni);
	esc_name(c->cn, sizeof(c->cn), (const uint8_t *)ci->subject_cn, strlen(ci->subject_cn), 0);
	esc_name(c->issuer, sizeof(c->issuer), (const uint8_t *)ci->issuer, strlen(ci->issuer), 0);
	snprintf(c->key, sizeof(c->key), "%s %u", ci->key_type, ci->key_bits);
	copy_text(c->key, sizeof(c->key), c->key);
	c->not_after = ci->not_after;
	c->findings = r->cert_findings[SIDE_SERVER];
	c->total++;
	c->failed += r->outcome == OUTCOME_FAILED;
	c->last_ns = t;
}

void dash_model_tick(struct dash_model *m, const struct run_stats *st)
{
	struct dash_header *h = &m->hdr;
	const char *src = st->source ? st->source : "";

	advance(m, st->now_wall_ns);
	h->live = st->live;
	esc_name(h->source, sizeof(h->source), (const uint8_t *)src, strlen(src), 0);
	h->start_ns = st->start_wall_ns;
	h->now_ns = st->now_wall_ns;
	h->records = st->col.records;
	memcpy(h->by_outcome, st->col.by_outcome, sizeof(h->by_outcome));
	h->open = st->col.open;
	h->lost_ringbuf = st->dp[TLSMON_C_RB_FAIL];
	h->lost_flow_full = st->dp[TLSMON_C_FLOW_CREATE_FAIL] + st->flows_evicted;
	h->lost_malformed = st->events_malformed;
	h->lost_conns = st->col.evicted;
	h->lost_reasm = st->reasm.evicted;
	h->lost_frames = st->frames_unsupported + st->frames_oversize;
	m->generation++;
}
