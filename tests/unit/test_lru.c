// SPDX-License-Identifier: BSD-3-Clause
/*
 * The bounded LRU table (user/lib/lru.c): keys of every length the
 * collector uses, short ones (one hash lane) and long ones (an SNI key of
 * 264 bytes, hashed in four lanes and a tail): keys that differ in one byte
 * anywhere are told apart, found again, evicted least recently used first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/lru.h"

#define MAX_KEY 264

/* Key k of size n: all zero but one byte, k's position and value, so keys differ in one byte. */
static void key_of(uint8_t *key, size_t n, uint32_t k)
{
	memset(key, 0, n);
	key[k % n] = (uint8_t)(1 + k / n);
	/* more than 255 values per position: a second byte, far away */
	key[(k % n + n / 2) % n] ^= (uint8_t)(k / (n * 255));
}

static void check_size(size_t n, uint32_t keys)
{
	struct lru *t = lru_new(n, sizeof(uint32_t), keys);
	uint8_t key[MAX_KEY];
	uint32_t k, *v;
	const void *ok;

	assert_non_null(t);
	for (k = 0; k < keys; k++) {
		key_of(key, n, k);
		assert_null(lru_peek(t, key));
		v = lru_insert(t, key, &k);
		assert_non_null(v);
	}
	assert_int_equal(lru_count(t), keys);
	assert_int_equal(lru_evictions(t), 0);
	for (k = 0; k < keys; k++) {
		key_of(key, n, k);
		v = lru_lookup(t, key);
		assert_non_null(v);
		assert_int_equal(*v, k);	/* its own value: no key taken for another */
	}
	/* full: one more evicts the least recently used, the first looked up (k = 0) */
	key_of(key, n, keys);
	k = keys;
	assert_non_null(lru_insert(t, key, &k));
	assert_int_equal(lru_evictions(t), 1);
	key_of(key, n, 0);
	assert_null(lru_peek(t, key));
	key_of(key, n, 1);
	assert_non_null(lru_peek(t, key));
	v = lru_oldest(t, &ok);
	assert_non_null(v);
	assert_int_equal(*v, 1);	/* peek left it the oldest */
	assert_int_equal(lru_delete(t, key), 0);
	assert_null(lru_peek(t, key));
	assert_int_equal(lru_count(t), keys - 1);
	lru_free(t);
}

static void test_short_keys(void **state)
{
	(void)state;
	check_size(8, 1000);
	check_size(13, 1000);	/* a tail of 5 bytes */
	check_size(24, 3000);
	check_size(40, 3000);
}

static void test_long_keys(void **state)
{
	(void)state;
	check_size(64, 3000);	/* two rounds of four lanes */
	check_size(100, 3000);	/* lanes, then a word, then a tail of 4 */
	check_size(MAX_KEY, 5000);	/* struct sni_key */
}

/* Long keys alike but for their last byte: each its own entry. */
static void test_long_keys_tail(void **state)
{
	struct lru *t = lru_new(MAX_KEY, sizeof(uint32_t), 512);
	uint8_t key[MAX_KEY];
	uint32_t k, *v;

	(void)state;
	assert_non_null(t);
	memset(key, 'a', sizeof(key));
	for (k = 0; k < 256; k++) {
		key[MAX_KEY - 1] = (uint8_t)k;
		assert_non_null(lru_insert(t, key, &k));
	}
	for (k = 0; k < 256; k++) {
		key[MAX_KEY - 1] = (uint8_t)k;
		v = lru_peek(t, key);
		assert_non_null(v);
		assert_int_equal(*v, k);
	}
	assert_int_equal(lru_count(t), 256);
	lru_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_keys),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_long_keys_tail),
	};

	return cmocka_run_group_tests_name("lru", tests, NULL, NULL);
}
