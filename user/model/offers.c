// SPDX-License-Identifier: BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/hello_pack.h"
#include "model/local_id.h"
#include "model/offers.h"
#include "tls_proto.h"

struct offers {
	struct offer **v;	/* in the order first seen */
	size_t n, max;
	uint32_t *slot;		/* open addressing: index + 1 into v, 0 empty */
	size_t n_slots;		/* a power of two, at least twice max */
	struct offers_stats st;
};

struct offers *offers_new(size_t max)
{
	struct offers *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->max = max ? max : OFFERS_DEFAULT_MAX;
	o->n_slots = 16;
	while (o->n_slots < 2 * o->max)
		o->n_slots <<= 1;
	o->v = calloc(o->max, sizeof(*o->v));
	o->slot = calloc(o->n_slots, sizeof(*o->slot));
	if (!o->v || !o->slot) {
		offers_free(o);
		return NULL;
	}
	return o;
}

void offers_free(struct offers *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->v[i]->hello);
		free(o->v[i]);
	}
	free(o->v);
	free(o->slot);
	free(o);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A list's values but GREASE (RFC 8701), which clients draw anew for every hello. */
static uint64_t fnv_list(uint64_t h, const uint16_t *v, unsigned n, unsigned max)
{
	unsigned i;

	for (i = 0; i < n && i < max; i++)
		if (!TLS_IS_GREASE(v[i]))
			h = fnv(h, &v[i], sizeof(v[i]));
	return fnv(h, "|", 1);
}

/*
 * What a server negotiates on, beyond the JA4: the versions, groups and the
 * whole ALPN list are not in it, and its lists are sorted and hashed.
 */
static uint64_t offer_key(const struct tls_client_hello *ch, const char *ja4)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, ja4, strlen(ja4));
	size_t alpn = ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX;
	uint32_t flags = ch->flags & (TLS_CHF_SSLV2 | TLS_CHF_ALPN | TLS_CHF_TRUNC_MASK);

	h = fnv(h, &ch->legacy_version, sizeof(ch->legacy_version));
	h = fnv(h, &flags, sizeof(flags));
	h = fnv_list(h, ch->ciphers, ch->n_ciphers, TLSMON_MAX_CIPHERS);
	h = fnv_list(h, ch->versions, ch->n_versions, TLSMON_MAX_VERSIONS);
	h = fnv_list(h, ch->groups, ch->n_groups, TLSMON_MAX_GROUPS);
	h = fnv_list(h, ch->sigalgs, ch->n_sigalgs, TLSMON_MAX_SIGALGS);
	return fnv(h, ch->alpn, alpn);
}

static struct offer *find(struct offers *o, uint64_t key, const char *ja4, size_t *slot)
{
	size_t i = key & (o->n_slots - 1);
	struct offer *of;

	while (o->slot[i]) {
		of = o->v[o->slot[i] - 1];
		if (of->key == key && !strcmp(of->ja4, ja4))
			return of;
		i = (i + 1) & (o->n_slots - 1);
	}
	*slot = i;
	return NULL;
}

static struct offer *add(struct offers *o, const struct tls_client_hello *ch, uint64_t key,
			 const char *ja4, size_t slot)
{
	struct offer *of;

	if (o->n == o->max) {
		o->st.dropped_offers++;
		return NULL;
	}
	of = calloc(1, sizeof(*of));
	if (of)
		of->hello = hello_pack_new(ch);
	if (!of || !of->hello) {
		free(of);
		o->st.dropped_offers++;
		return NULL;
	}
	snprintf(of->ja4, sizeof(of->ja4), "%s", ja4);
	of->key = key;
	o->v[o->n++] = of;
	o->slot[slot] = o->n;
	return of;
}

static void add_server(struct offer *of, const struct hs_record *r)
{
	unsigned i;

	for (i = 0; i < of->n_servers; i++)
		if (of->servers[i].port == r->sport && !memcmp(of->servers[i].addr, r->saddr, 16))
			return;
	if (of->n_servers == OFFERS_MAX_SERVERS) {
		of->more_servers = 1;
		return;
	}
	memcpy(of->servers[i].addr, r->saddr, 16);
	of->servers[i].port = r->sport;
	of->servers[i].family = r->family;
	of->n_servers++;
}

static void add_sni(struct offer *of, const struct hs_record *r)
{
	const uint8_t *name;
	size_t len;
	unsigned i;
	int cut;

	name = record_sni(r, &len, &cut);
	if (!name)
		return;
	for (i = 0; i < of->n_snis; i++)
		if (of->snis[i].len == len && !memcmp(of->snis[i].name, name, len))
			return;
	if (of->n_snis == OFFERS_MAX_SNIS) {
		of->more_snis = 1;
		return;
	}
	memcpy(of->snis[i].name, name, len);
	of->snis[i].len = len;
	of->snis[i].cut = cut;
	of->n_snis++;
}

/* The local program at either end, when this host is one (live, with process info). */
static void add_proc(struct offer *of, const struct hs_record *r)
{
	char name[OFFERS_PROC_MAX];
	unsigned i;

	if (!r->local)
		return;
	local_id_process(r->local, name, sizeof(name));
	if (!name[0])
		return;
	for (i = 0; i < of->n_procs; i++)
		if (!strcmp(of->procs[i], name))
			return;
	if (of->n_procs == OFFERS_MAX_PROCS) {
		of->more_procs = 1;
		return;
	}
	memcpy(of->procs[of->n_procs++], name, sizeof(name));
}

void offers_record(void *ctx, const struct hs_record *r)
{
	struct offers *o = ctx;
	const char *ja4;
	struct offer *of;
	uint64_t key;
	size_t slot = 0;

	if (!r->ch) {
		o->st.no_hello++;
		return;
	}
	o->st.records++;
	ja4 = r->fp->have_ja4 ? r->fp->ja4 : "";
	key = offer_key(r->ch, ja4);
	of = find(o, key, ja4, &slot);
	if (!of)
		of = add(o, r->ch, key, ja4, slot);
	if (!of) {
		o->st.dropped++;
		return;
	}
	of->handshakes++;
	of->failed += r->outcome == OUTCOME_FAILED;
	add_server(of, r);
	add_sni(of, r);
	add_proc(of, r);
}

size_t offers_count(const struct offers *o)
{
	return o->n;
}

size_t offers_max(const struct offers *o)
{
	return o->max;
}

const struct offer *offers_get(const struct offers *o, size_t i)
{
	return i < o->n ? o->v[i] : NULL;
}

void offers_hello(const struct offer *of, struct tls_client_hello *ch)
{
	hello_pack_unpack(of->hello, ch);
}

void offers_stats(const struct offers *o, struct offers_stats *st)
{
	*st = o->st;
}
