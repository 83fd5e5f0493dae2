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

struct profiles {
	struct lru *t;
};

static void key_of(struct pkey *k, const struct hs_record *r)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, r->saddr, 16);
	k->port = r->sport;
	k->family = r->family;
}

struct profiles *profiles_new(uint32_t max_servers)
{
	struct profiles *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->t = lru_new(sizeof(struct pkey), sizeof(struct profile), max_servers);
	if (!p->t) {
		free(p);
		return NULL;
	}
	return p;
}

void profiles_free(struct profiles *p)
{
	if (!p)
		return;
	lru_free(p->t);
	free(p);
}

void profiles_learn(struct profiles *p, const struct hs_record *r)
{
	struct pkey k;
	struct profile *pr;
	unsigned i;

	if (r->outcome != OUTCOME_ESTABLISHED || !r->sh || !r->version)
		return;
	key_of(&k, r);
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

uint32_t profiles_count(const struct profiles *p)
{
	return lru_count(p->t);
}
