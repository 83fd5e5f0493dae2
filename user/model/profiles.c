// SPDX-License-Identifier: BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "lib/lru.h"
#include "model/profiles.h"

struct pkey {
	uint8_t addr[16];
	uint16_t port;
	uint8_t family;
	uint8_t pad[5];
};

/* Siblings are found by the client's JA4 and by the SNI, as sent (cut to the wire copy). */
struct ja4_key {
	char ja4[JA4_LEN + 1];
	uint8_t pad[3];
};

struct sni_key {
	uint16_t len;
	uint8_t name[TLSMON_SNI_MAX];
	uint8_t pad[7];
};

/* The LRU keeps a value right after its key: keys a multiple of 8 keep values aligned. */
_Static_assert(sizeof(struct pkey) % 8 == 0, "pkey size");
_Static_assert(sizeof(struct ja4_key) % 8 == 0, "ja4_key size");
_Static_assert(sizeof(struct sni_key) % 8 == 0, "sni_key size");

struct sib_entry {
	struct pkey server;
	uint16_t cipher, version;
	uint32_t successes;
	uint64_t seen;			/* p->clock when it last succeeded */
};

struct sib_set {
	struct sib_entry e[PROFILES_MAX_SIBLINGS];
	uint32_t n;
};

struct profiles {
	struct lru *t;
	struct lru *by_ja4;		/* struct ja4_key -> struct sib_set */
	struct lru *by_sni;		/* struct sni_key -> struct sib_set */
	uint64_t clock;
};

static void key_of(struct pkey *k, const struct hs_record *r)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, r->saddr, 16);
	k->port = r->sport;
	k->family = r->family;
}

static int ja4_key_of(struct ja4_key *k, const struct hs_record *r)
{
	memset(k, 0, sizeof(*k));
	if (!r->ch || !r->fp || !r->fp->have_ja4)
		return 0;
	memcpy(k->ja4, r->fp->ja4, sizeof(k->ja4) - 1);
	return 1;
}

static int sni_key_of(struct sni_key *k, const struct hs_record *r)
{
	const uint8_t *name;
	size_t len;
	int cut;

	memset(k, 0, sizeof(*k));
	name = record_sni(r, &len, &cut);
	if (!name || !len)
		return 0;
	k->len = len < sizeof(k->name) ? len : sizeof(k->name);
	memcpy(k->name, name, k->len);
	return 1;
}

struct profiles *profiles_new(uint32_t max_servers)
{
	struct profiles *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->t = lru_new(sizeof(struct pkey), sizeof(struct profile), max_servers);
	p->by_ja4 = lru_new(sizeof(struct ja4_key), sizeof(struct sib_set), max_servers);
	p->by_sni = lru_new(sizeof(struct sni_key), sizeof(struct sib_set), max_servers);
	if (!p->t || !p->by_ja4 || !p->by_sni) {
		profiles_free(p);
		return NULL;
	}
	return p;
}

void profiles_free(struct profiles *p)
{
	if (!p)
		return;
	lru_free(p->t);
	lru_free(p->by_ja4);
	lru_free(p->by_sni);
	free(p);
}

/* Count a success of server k in set s; when full, the least recent server goes. */
static void sib_add(struct profiles *p, struct sib_set *s, const struct pkey *k,
		    const struct hs_record *r)
{
	struct sib_entry *e = NULL;
	uint32_t i;

	for (i = 0; i < s->n && i < PROFILES_MAX_SIBLINGS; i++)
		if (!memcmp(&s->e[i].server, k, sizeof(*k)))
			e = &s->e[i];
	if (!e && s->n < PROFILES_MAX_SIBLINGS) {
		e = &s->e[s->n++];
		memset(e, 0, sizeof(*e));
	}
	if (!e) {
		e = &s->e[0];
		for (i = 1; i < PROFILES_MAX_SIBLINGS; i++)
			if (s->e[i].seen < e->seen)
				e = &s->e[i];
		memset(e, 0, sizeof(*e));
	}
	e->server = *k;
	e->cipher = r->sh->cipher;
	e->version = r->version;
	e->successes++;
	e->seen = ++p->clock;
}

static void sib_learn(struct profiles *p, struct lru *t, const void *key, const struct pkey *k,
		      const struct hs_record *r)
{
	struct sib_set *s = lru_lookup(t, key);

	if (!s)
		s = lru_insert(t, key, NULL);
	if (s)
		sib_add(p, s, k, r);
}

void profiles_learn(struct profiles *p, const struct hs_record *r)
{
	struct pkey k;
	struct ja4_key jk;
	struct sni_key sk;
	struct profile *pr;
	unsigned i;

	if (r->outcome != OUTCOME_ESTABLISHED || !r->sh || !r->version)
		return;
	key_of(&k, r);
	if (ja4_key_of(&jk, r))
		sib_learn(p, p->by_ja4, &jk, &k, r);
	if (sni_key_of(&sk, r))
		sib_learn(p, p->by_sni, &sk, &k, r);
	pr = lru_lookup(p->t, &k);
	if (!pr) {
		pr = lru_insert(p->t, &k, NULL);
		if (!pr)
			return;
		pr->min_version = pr->max_version = r->version;
	}
	pr->successes++;
	if (r->version < pr->min_version)
		pr->min_version = r->version;
	if (r->version > pr->max_version)
		pr->max_version = r->version;
	for (i = 0; i < pr->n_ciphers; i++)
		if (pr->ciphers[i] == r->sh->cipher)
			return;
	if (pr->n_ciphers < REC_MAX_PROFILE)
		pr->ciphers[pr->n_ciphers++] = r->sh->cipher;
}

const struct profile *profiles_get(struct profiles *p, const struct hs_record *r)
{
	struct pkey k;

	key_of(&k, r);
	return lru_peek(p->t, &k);
}

static int in_set(const struct sib_set *s, const struct pkey *k)
{
	uint32_t i;

	for (i = 0; s && i < s->n && i < PROFILES_MAX_SIBLINGS; i++)
		if (!memcmp(&s->e[i].server, k, sizeof(*k)))
			return 1;
	return 0;
}

/* The most recent server of s other than self; NULL if none. */
static const struct sib_entry *pick(const struct sib_set *s, const struct pkey *self,
				    const struct sib_set *prefer)
{
	const struct sib_entry *best = NULL;
	int best_pref = -1, pref;
	uint32_t i;

	for (i = 0; s && i < s->n && i < PROFILES_MAX_SIBLINGS; i++) {
		const struct sib_entry *e = &s->e[i];

		if (!memcmp(&e->server, self, sizeof(*self)))
			continue;
		pref = in_set(prefer, &e->server);
		if (pref > best_pref || (pref == best_pref && e->seen > best->seen)) {
			best = e;
			best_pref = pref;
		}
	}
	return best;
}

int profiles_sibling(struct profiles *p, const struct hs_record *r, struct rec_sibling *out)
{
	struct pkey self;
	struct ja4_key jk;
	struct sni_key sk;
	const struct sib_set *by_ja4 = NULL, *by_sni = NULL;
	const struct sib_entry *e;

	memset(out, 0, sizeof(*out));
	key_of(&self, r);
	if (ja4_key_of(&jk, r))
		by_ja4 = lru_peek(p->by_ja4, &jk);
	if (sni_key_of(&sk, r))
		by_sni = lru_peek(p->by_sni, &sk);
	e = pick(by_ja4, &self, by_sni);
	if (e) {
		out->same_fingerprint = 1;
		out->same_name = in_set(by_sni, &e->server);
	} else {
		e = pick(by_sni, &self, NULL);
		if (!e)
			return 0;
		out->same_name = 1;
	}
	memcpy(out->addr, e->server.addr, sizeof(out->addr));
	out->port = e->server.port;
	out->family = e->server.family;
	out->cipher = e->cipher;
	out->version = e->version;
	out->handshakes = e->successes;
	return 1;
}

uint32_t profiles_count(const struct profiles *p)
{
	return lru_count(p->t);
}
