// SPDX-License-Identifier: BSD-3-Clause
/*
 * names_memo_array() (user/output/names_memo.c): a list of code points as a
 * JSON array of names, kept per distinct list.  Whatever the order of
 * lists, hits and misses, and slots shared, the text is exactly what
 * naming each value with jbuf_str() writes; lists apart in one value, in
 * length, in the naming function or in skipping GREASE never share an entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/tls_names.h"
#include "output/jbuf.h"
#include "output/names_memo.h"
#include "tls_proto.h"

static const char *ver_str(uint16_t v, char *buf, size_t len)
{
	return tls_version_str(v, buf, len);
}

static const names_memo_fn fns[] = { tls_cipher_str, tls_group_str, tls_sigalg_str, ver_str };

/* What names16 wrote before the memo: each name through jbuf_str(). */
static void reference(struct jbuf *b, const __u16 *v, unsigned n, unsigned max, names_memo_fn fn,
		      int skip)
{
	char buf[40];
	unsigned i;

	jbuf_arr_open(b);
	for (i = 0; i < n && i < max; i++)
		if (!skip || !TLS_IS_GREASE(v[i]))
			jbuf_str(b, NULL, fn(v[i], buf, sizeof(buf)));
	jbuf_arr_close(b);
}

/* Both inside an object after a key and followed by another: commas included. */
static void check(const __u16 *v, unsigned n, unsigned max, names_memo_fn fn, int skip)
{
	struct jbuf a, b;

	jbuf_init(&a);
	jbuf_init(&b);
	jbuf_obj_open(&a);
	jbuf_key(&a, "k");
	reference(&a, v, n, max, fn, skip);
	jbuf_u64(&a, "next", 1);
	jbuf_obj_close(&a);
	jbuf_obj_open(&b);
	jbuf_key(&b, "k");
	names_memo_array(&b, v, n, max, fn, skip);
	jbuf_u64(&b, "next", 1);
	jbuf_obj_close(&b);
	assert_string_equal(b.s, a.s);
	jbuf_free(&a);
	jbuf_free(&b);
}

/* Real values (named and not), GREASE among them. */
static const __u16 pool[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xcca9, 0x009c, 0x002f,
			      0x0a0a, 0x3a3a, 0x001d, 0x0017, 0x0403, 0x0804, 0x0304, 0x0303,
			      0x7777, 0xfefe, 0x0000, 0xffff };

static void test_random_lists(void **state)
{
	__u16 lists[40][40];
	unsigned lens[40], i, k, round;

	(void)state;
	srand(99);
	for (i = 0; i < 40; i++) {
		lens[i] = rand() % 40;
		for (k = 0; k < lens[i]; k++)
			lists[i][k] = pool[rand() % (sizeof(pool) / sizeof(pool[0]))];
	}
	/* 40 lists x 4 functions x 2 flags over 64 slots: hits, misses, evictions */
	for (round = 0; round < 3000; round++) {
		i = rand() % 40;
		check(lists[i], lens[i], 1 + rand() % 40, fns[rand() % 4], rand() & 1);
	}
	assert_true(names_memo_stats()->hits > 100);
	assert_true(names_memo_stats()->misses > 100);
	names_memo_free();
}

/* A list cached, then one apart in one thing: a miss, and its own text. */
static void test_one_apart(void **state)
{
	__u16 v[8] = { 0x1301, 0x1302, 0x0a0a, 0xc02b, 0xc02f, 0x009c, 0x002f, 0x0035 }, w[8];
	unsigned long long m;
	int e;

	(void)state;
	for (e = 0; e < 5; e++) {
		names_memo_free();
		check(v, 8, 8, tls_cipher_str, 1);
		check(v, 8, 8, tls_cipher_str, 1);
		memcpy(w, v, sizeof(w));
		m = names_memo_stats()->misses;
		switch (e) {
		case 0:
			w[5] = 0x009d;
			check(w, 8, 8, tls_cipher_str, 1);
			break;
		case 1:
			check(w, 7, 8, tls_cipher_str, 1);
			break;
		case 2:
			check(w, 8, 7, tls_cipher_str, 1);
			break;
		case 3:
			check(w, 8, 8, tls_group_str, 1);
			break;
		case 4:
			check(w, 8, 8, tls_cipher_str, 0);
			break;
		}
		assert_int_equal(names_memo_stats()->misses, m + 1);
	}
	names_memo_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_lists),
		cmocka_unit_test(test_one_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
