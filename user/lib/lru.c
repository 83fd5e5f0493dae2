// SPDX-License-Identifier: BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "lib/lru.h"

#define NIL UINT32_MAX

struct lru_node {
	uint32_t hnext;		/* bucket chain */
	uint32_t prev, next;	/* recency list, or the free list (next) */
};

struct lru {
	size_t key_size, val_size, slot_size;
	uint32_t capacity, count, nbuckets;
	uint32_t head, tail;	/* most and least recently used */
	uint32_t free_head;
	uint64_t evictions;
	uint64_t seed;
	uint32_t *buckets;
	struct lru_node *nodes;
	unsigned char *slots;	/* key then value, per node */
	lru_evict_fn evict_fn;
	void *evict_ctx;
};

/* One word into a lane: multiply-xorshift. */
static inline uint64_t lane(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static uint64_t lru_hash(const struct lru *t, const void *key)
{
	const unsigned char *p = key;
	uint64_t h = t->seed ^ (t->key_size * 0x9e3779b97f4a7c15ull), w, w2, w3, w4;
	uint64_t h2 = h ^ 0x6a09e667f3bcc909ull, h3 = h ^ 0xbb67ae8584caa73bull,
		 h4 = h ^ 0x3c6ef372fe94f82bull;
	size_t i = 0;

	/*
	 * seeded multiply-xorshift: an attacker picking addresses and ports
	 * cannot aim at one bucket without the seed.  Long keys (an SNI's 264
	 * bytes) in four lanes that do not wait on each other, then folded.
	 */
	if (t->key_size >= 64) {
		for (; i + 32 <= t->key_size; i += 32) {
			memcpy(&w, p + i, 8);
			memcpy(&w2, p + i + 8, 8);
			memcpy(&w3, p + i + 16, 8);
			memcpy(&w4, p + i + 24, 8);
			h = lane(h, w);
			h2 = lane(h2, w2);
			h3 = lane(h3, w3);
			h4 = lane(h4, w4);
		}
		h = lane(lane(lane(h, h2), h3), h4);
	}
	for (; i + 8 <= t->key_size; i += 8) {
		memcpy(&w, p + i, 8);
		h = lane(h, w);
	}
	if (i < t->key_size) {
		w = 0;
		memcpy(&w, p + i, t->key_size - i);
		h ^= w;
		h *= 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

static unsigned char *slot_key(const struct lru *t, uint32_t i)
{
	return t->slots + (size_t)i * t->slot_size;
}

static void *slot_val(const struct lru *t, uint32_t i)
{
	return t->slots + (size_t)i * t->slot_size + t->key_size;
}

struct lru *lru_new(size_t key_size, size_t val_size, uint32_t capacity)
{
	struct lru *t;
	uint32_t i;

	if (!key_size || !capacity || capacity >= NIL / 2)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->key_size = key_size;
	t->val_size = val_size;
	t->slot_size = (key_size + val_size + 7) & ~(size_t)7;
	t->capacity = capacity;
	for (t->nbuckets = 16; t->nbuckets < capacity; t->nbuckets <<= 1)
		;
	t->buckets = malloc(sizeof(*t->buckets) * t->nbuckets);
	t->nodes = malloc(sizeof(*t->nodes) * capacity);
	t->slots = calloc(capacity, t->slot_size);
	if (!t->buckets || !t->nodes || !t->slots) {
		lru_free(t);
		return NULL;
	}
	if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x243f6a8885a308d3ull;
	for (i = 0; i < t->nbuckets; i++)
		t->buckets[i] = NIL;
	for (i = 0; i < capacity; i++)
		t->nodes[i].next = i + 1 < capacity ? i + 1 : NIL;
	t->free_head = 0;
	t->head = t->tail = NIL;
	return t;
}

void lru_free(struct lru *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->nodes);
	free(t->slots);
	free(t);
}

void lru_set_evict_cb(struct lru *t, lru_evict_fn fn, void *ctx)
{
	t->evict_fn = fn;
	t->evict_ctx = ctx;
}

static void list_unlink(struct lru *t, uint32_t i)
{
	struct lru_node *n = &t->nodes[i];

	if (n->prev != NIL)
		t->nodes[n->prev].next = n->next;
	else
		t->head = n->next;
	if (n->next != NIL)
		t->nodes[n->next].prev = n->prev;
	else
		t->tail = n->prev;
}

static void list_push_head(struct lru *t, uint32_t i)
{
	struct lru_node *n = &t->nodes[i];

	n->prev = NIL;
	n->next = t->head;
	if (t->head != NIL)
		t->nodes[t->head].prev = i;
	t->head = i;
	if (t->tail == NIL)
		t->tail = i;
}

static uint32_t find(const struct lru *t, const void *key, uint32_t **link)
{
	uint32_t *l = &t->buckets[lru_hash(t, key) & (t->nbuckets - 1)];

	while (*l != NIL) {
		if (!memcmp(slot_key(t, *l), key, t->key_size))
			break;
		l = &t->nodes[*l].hnext;
	}
	if (link)
		*link = l;
	return *l;
}

static void remove_node(struct lru *t, uint32_t i)
{
	uint32_t *link;

	find(t, slot_key(t, i), &link);
	*link = t->nodes[i].hnext;
	list_unlink(t, i);
	t->nodes[i].next = t->free_head;
	t->free_head = i;
	t->count--;
}

void *lru_peek(struct lru *t, const void *key)
{
	uint32_t i = find(t, key, NULL);

	return i == NIL ? NULL : slot_val(t, i);
}

void *lru_lookup(struct lru *t, const void *key)
{
	uint32_t i = find(t, key, NULL);

	if (i == NIL)
		return NULL;
	if (t->head != i) {
		list_unlink(t, i);
		list_push_head(t, i);
	}
	return slot_val(t, i);
}

void *lru_insert(struct lru *t, const void *key, const void *val)
{
	uint32_t *link, i = find(t, key, &link), victim;

	if (i == NIL) {
		if (t->free_head == NIL) {
			victim = t->tail;
			if (t->evict_fn)
				t->evict_fn(t->evict_ctx, slot_key(t, victim), slot_val(t, victim));
			remove_node(t, victim);
			t->evictions++;
			find(t, key, &link);
		}
		i = t->free_head;
		t->free_head = t->nodes[i].next;
		t->nodes[i].hnext = NIL;
		*link = i;
		memcpy(slot_key(t, i), key, t->key_size);
		list_push_head(t, i);
		t->count++;
	} else if (t->head != i) {
		list_unlink(t, i);
		list_push_head(t, i);
	}
	if (val)
		memcpy(slot_val(t, i), val, t->val_size);
	else
		memset(slot_val(t, i), 0, t->val_size);
	return slot_val(t, i);
}

int lru_delete(struct lru *t, const void *key)
{
	uint32_t i = find(t, key, NULL);

	if (i == NIL)
		return -1;
	remove_node(t, i);
	return 0;
}

uint32_t lru_count(const struct lru *t)
{
	return t->count;
}

uint32_t lru_capacity(const struct lru *t)
{
	return t->capacity;
}

uint64_t lru_evictions(const struct lru *t)
{
	return t->evictions;
}

void lru_foreach(struct lru *t, lru_iter_fn fn, void *ctx)
{
	uint32_t i = t->tail, prev;

	while (i != NIL) {
		prev = t->nodes[i].prev;
		if (fn(ctx, slot_key(t, i), slot_val(t, i)))
			break;
		i = prev;
	}
}

void *lru_oldest(struct lru *t, const void **key)
{
	if (t->tail == NIL)
		return NULL;
	if (key)
		*key = slot_key(t, t->tail);
	return slot_val(t, t->tail);
}
