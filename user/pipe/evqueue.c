// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "pipe/evqueue.h"

struct msg {
	uint32_t kind;
	uint32_t len;
	uint64_t ts;
	/* len bytes follow, then padding to 8 */
};

struct chunk {
	size_t used;
	unsigned char *data;
};

/*
 * A ring of chunks, counted without bound and found modulo n: those from
 * taken to handed (not included) are the taker's, the one at handed is the
 * putter's, which it fills only while the taker has fewer than n.
 */
struct evqueue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *c;
	unsigned n;
	size_t size;
	uint64_t handed;	/* chunks handed over so far (the putter's is c[handed % n]) */
	uint64_t taken;		/* chunks the taker is done with */
	int closed;
};

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct evqueue *evqueue_new(size_t chunk_size, unsigned chunks)
{
	struct evqueue *q;
	unsigned i;

	if (chunks < 2 || chunk_size < 2 * sizeof(struct msg))
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->c = calloc(chunks, sizeof(*q->c));
	q->n = chunks;
	q->size = chunk_size;
	for (i = 0; q->c && i < chunks; i++)
		if (!(q->c[i].data = malloc(chunk_size)))
			break;
	if (!q->c || i < chunks) {
		evqueue_free(q);
		return NULL;
	}
	return q;
}

void evqueue_free(struct evqueue *q)
{
	unsigned i;

	if (!q)
		return;
	for (i = 0; q->c && i < q->n; i++)
		free(q->c[i].data);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->c);
	free(q);
}

/* The putter's chunk to the taker; then waits until a chunk is free to fill. */
static void hand(struct evqueue *q)
{
	pthread_mutex_lock(&q->mu);
	q->handed++;
	pthread_cond_broadcast(&q->cv);
	while (q->handed - q->taken >= q->n)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
	q->c[q->handed % q->n].used = 0;	/* the taker is done with it */
}

int evqueue_put(struct evqueue *q, uint32_t kind, uint64_t ts, const void *p, uint32_t len)
{
	size_t need = sizeof(struct msg) + pad8(len);
	struct chunk *c;
	struct msg *m;

	if (need > q->size)
		return -E2BIG;
	c = &q->c[q->handed % q->n];
	if (c->used + need > q->size) {
		hand(q);
		c = &q->c[q->handed % q->n];
	}
	m = (struct msg *)(c->data + c->used);
	m->kind = kind;
	m->len = len;
	m->ts = ts;
	if (len)
		memcpy(m + 1, p, len);
	c->used += need;
	return 0;
}

void evqueue_hand_off(struct evqueue *q)
{
	if (q->c[q->handed % q->n].used)
		hand(q);
}

void evqueue_close(struct evqueue *q)
{
	evqueue_hand_off(q);
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void evqueue_run(struct evqueue *q, evqueue_fn fn, void (*idle)(void *), void *ctx)
{
	const struct chunk *c;
	const struct msg *m;
	uint64_t handed;
	size_t off;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		if (q->taken == q->handed && !q->closed) {
			pthread_mutex_unlock(&q->mu);
			if (idle)
				idle(ctx);
			pthread_mutex_lock(&q->mu);
			while (q->taken == q->handed && !q->closed)
				pthread_cond_wait(&q->cv, &q->mu);
		}
		handed = q->handed;
		pthread_mutex_unlock(&q->mu);
		if (q->taken == handed)
			return;	/* closed, and all of it taken */
		/* every chunk handed over so far, without the lock */
		for (; q->taken < handed;) {
			c = &q->c[q->taken % q->n];
			for (off = 0; off < c->used; off += sizeof(*m) + pad8(m->len)) {
				m = (const struct msg *)(c->data + off);
				fn(ctx, m->kind, m->ts, m + 1, m->len);
			}
			pthread_mutex_lock(&q->mu);
			q->taken++;
			pthread_cond_broadcast(&q->cv);
			pthread_mutex_unlock(&q->mu);
		}
	}
}
