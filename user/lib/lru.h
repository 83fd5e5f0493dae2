/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded hash table with least-recently-used eviction, for fixed-size
 * keys and values: the userspace flow map, the collector's connections.
 * Memory is allocated once, at creation.  Not thread-safe.
 */
#ifndef TLSMON_LRU_H
#define TLSMON_LRU_H

#include <stddef.h>
#include <stdint.h>

struct lru;

/* Called with the key and value of an entry evicted to make room. */
typedef void (*lru_evict_fn)(void *ctx, const void *key, void *val);

struct lru *lru_new(size_t key_size, size_t val_size, uint32_t capacity);
void lru_free(struct lru *t);
void lru_set_evict_cb(struct lru *t, lru_evict_fn fn, void *ctx);

/* The value, or NULL.  A hit makes the entry the most recently used. */
void *lru_lookup(struct lru *t, const void *key);
/* Lookup without touching the recency order. */
void *lru_peek(struct lru *t, const void *key);
/*
 * Insert or overwrite; returns the stored value (copied from val, or zeroed
 * when val is NULL).  When full, the least recently used entry is evicted.
 */
void *lru_insert(struct lru *t, const void *key, const void *val);
int lru_delete(struct lru *t, const void *key);

uint32_t lru_count(const struct lru *t);
uint32_t lru_capacity(const struct lru *t);
uint64_t lru_evictions(const struct lru *t);

/* Oldest first.  The callback may delete the entry it is given. */
typedef int (*lru_iter_fn)(void *ctx, const void *key, void *val);
void lru_foreach(struct lru *t, lru_iter_fn fn, void *ctx);
/* The least recently used entry, or NULL when empty. */
void *lru_oldest(struct lru *t, const void **key);

#endif
