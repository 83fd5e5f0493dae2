/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages from one thread to another, in order: --read's datapath (the
 * capture read, the userspace datapath) puts its events and the ticks of
 * the capture's clock; the thread that runs the pipe, the collector and
 * the outputs takes them.  Messages are copied into chunks; the putter
 * hands a chunk over when it is full or when asked (evqueue_hand_off), and
 * waits when every chunk is in use; the taker waits when none is handed
 * over.  One putter and one taker.
 */
#ifndef TLSMON_EVQUEUE_H
#define TLSMON_EVQUEUE_H

#include <stddef.h>
#include <stdint.h>

struct evqueue;

/* chunks of chunk_size bytes (at least 2 chunks); NULL when out of memory. */
struct evqueue *evqueue_new(size_t chunk_size, unsigned chunks);
void evqueue_free(struct evqueue *q);

/*
 * The putter: a message of kind and ts with len bytes (8-aligned for the
 * taker); -E2BIG when it can never fit a chunk.
 */
int evqueue_put(struct evqueue *q, uint32_t kind, uint64_t ts, const void *p, uint32_t len);
/* The putter: what it put so far to the taker now. */
void evqueue_hand_off(struct evqueue *q);
/* The putter: nothing more comes; the taker ends once it has taken the rest. */
void evqueue_close(struct evqueue *q);

typedef void (*evqueue_fn)(void *ctx, uint32_t kind, uint64_t ts, const void *p, uint32_t len);
/*
 * The taker: every message to fn, in order, until the queue is closed and
 * empty; idle (may be NULL) is called whenever it is about to wait.
 */
void evqueue_run(struct evqueue *q, evqueue_fn fn, void (*idle)(void *), void *ctx);

#endif
