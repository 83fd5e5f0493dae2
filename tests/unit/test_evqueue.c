// SPDX-License-Identifier: BSD-3-Clause
/*
 * The queue between --read's two threads (user/pipe/evqueue.c): a putter
 * thread puts many messages of every size, handing chunks over when full and
 * at odd points, sometimes pausing so that the taker waits; the taker gets
 * every message once, in order, whole and 8-byte aligned.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "pipe/evqueue.h"

#define CHUNK 4096
#define MESSAGES 200000

static uint32_t len_of(uint32_t i)
{
	/* 0 to 3000 bytes, many small */
	return i % 7 ? (i * 2654435761u) % 200 : (i * 40503u) % 3001;
}

static uint8_t byte_of(uint32_t i, uint32_t k)
{
	return (uint8_t)(i * 31 + k * 7);
}

static void *putter(void *arg)
{
	struct evqueue *q = arg;
	static uint8_t buf[3001];
	struct timespec nap = { 0, 200000 };
	uint32_t i, k, n;

	for (i = 0; i < MESSAGES; i++) {
		n = len_of(i);
		for (k = 0; k < n; k++)
			buf[k] = byte_of(i, k);
		if (evqueue_put(q, i % 3, (uint64_t)i << 20, buf, n))
			return (void *)1;
		if (i % 1013 == 0)
			evqueue_hand_off(q);
		if (i % 20011 == 0)
			nanosleep(&nap, NULL);	/* the taker catches up and waits */
	}
	evqueue_close(q);
	return NULL;
}

struct taken {
	uint32_t next;
	int bad;
	unsigned idles;
};

static void take(void *ctx, uint32_t kind, uint64_t ts, const void *p, uint32_t len)
{
	struct taken *t = ctx;
	const uint8_t *b = p;
	uint32_t i = t->next++, k;

	if (kind != i % 3 || ts != (uint64_t)i << 20 || len != len_of(i) ||
	    ((uintptr_t)p & 7)) {
		t->bad++;
		return;
	}
	for (k = 0; k < len; k++)
		if (b[k] != byte_of(i, k)) {
			t->bad++;
			return;
		}
}

static void idle(void *ctx)
{
	((struct taken *)ctx)->idles++;
}

static void test_order(void **state)
{
	struct evqueue *q = evqueue_new(CHUNK, 4);
	struct taken t = { 0 };
	pthread_t thr;
	void *r;

	(void)state;
	assert_non_null(q);
	assert_int_equal(pthread_create(&thr, NULL, putter, q), 0);
	evqueue_run(q, take, idle, &t);
	assert_int_equal(pthread_join(thr, &r), 0);
	assert_null(r);
	assert_int_equal(t.next, MESSAGES);
	assert_int_equal(t.bad, 0);
	assert_true(t.idles > 0);
	evqueue_free(q);
}

/* What cannot fit a chunk is refused, and the queue goes on. */
static void test_too_big(void **state)
{
	static uint8_t big[CHUNK];
	struct evqueue *q = evqueue_new(CHUNK, 2);
	struct taken t = { 0 };

	(void)state;
	assert_non_null(q);
	assert_int_equal(evqueue_put(q, 0, 0, big, CHUNK), -E2BIG);
	assert_int_equal(evqueue_put(q, 0, 0, NULL, 0), 0);
	evqueue_close(q);
	evqueue_run(q, take, NULL, &t);	/* closed: returns once taken */
	assert_int_equal(t.next, 1);
	assert_int_equal(t.bad, 0);
	evqueue_free(q);
}

static void test_bad_sizes(void **state)
{
	(void)state;
	assert_null(evqueue_new(CHUNK, 1));
	assert_null(evqueue_new(8, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_bad_sizes),
	};

	return cmocka_run_group_tests_name("evqueue", tests, NULL, NULL);
}
