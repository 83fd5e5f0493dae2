// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/hello_pack.c: what the collector keeps of a ClientHello while
 * its connection is followed.  Unpacked, it is the parser's struct byte for
 * byte, whatever the bytes (every field set, none, random); packed, a real
 * hello takes a fraction of the struct, so the collector's memory at
 * --max-conns stays within the budget BENCHMARKS.md measures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/hello_pack.h"
#include "tls_parse.h"
#include "hello_fixtures.h"

/* Packed then unpacked into a dirty struct: the same bytes back. */
static size_t round_trip(const struct tls_client_hello *ch)
{
	struct tls_client_hello out;
	struct hello_pack *p = hello_pack_new(ch);
	size_t n;

	assert_non_null(p);
	memset(&out, 0xa5, sizeof(out));
	hello_pack_unpack(p, &out);
	assert_memory_equal(&out, ch, sizeof(out));
	n = hello_pack_size(p);
	free(p);
	return n;
}

/* Every byte set: nothing of the struct lies outside what is packed. */
static void test_every_byte(void **state)
{
	struct tls_client_hello ch;
	unsigned i;

	(void)state;
	memset(&ch, 0xff, sizeof(ch));
	round_trip(&ch);
	/* and each byte alone, the others zero */
	for (i = 0; i < sizeof(ch); i++) {
		memset(&ch, 0, sizeof(ch));
		((uint8_t *)&ch)[i] = 0x5a;
		round_trip(&ch);
	}
}

/* Random bytes, zeros in between: lists with holes come back with their holes. */
static void test_random(void **state)
{
	struct tls_client_hello ch;
	uint8_t *b = (uint8_t *)&ch;
	unsigned i, round;

	(void)state;
	srand(7);
	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof(ch); i++)
			b[i] = rand() % 3 ? 0 : rand();
		round_trip(&ch);
	}
	memset(&ch, 0, sizeof(ch));
	round_trip(&ch);
}

/*
 * The corpus' ClientHellos, as the parser gives them: the same back, and
 * small.  A browser's ~500 B hello must take at most a third of the struct
 * (the collector's memory at its cap rests on it).
 */
static void test_real_hellos(void **state)
{
	struct tls_client_hello ch;
	struct tls_record rec;
	struct tlsp_ws ws;
	size_t i, n, most = 0, tested = 0;
	const struct hello_fixture *f;

	(void)state;
	for (i = 0; i < N_HELLO_FIXTURES; i++) {
		f = &hello_fixtures[i];
		if (f->kind != HF_CH)
			continue;
		memset(&ch, 0, sizeof(ch));
		if (tls_parse_record_hdr(f->b, 0, f->len, &rec) ||
		    tls_parse_client_hello(f->b, rec.hdr_len, rec.hdr_len + rec.len, rec.version,
					   &ch, &ws) < 0)
			continue;
		n = round_trip(&ch);
		if (n > most)
			most = n;
		if (f->len <= 600) {
			if (n > sizeof(ch) / 3)
				print_error("%s: %zu bytes packed of %zu\n", f->name, n, sizeof(ch));
			assert_true(n <= sizeof(ch) / 3);
		}
		tested++;
	}
	assert_true(tested >= 10);
	/* never more than the struct and its small header */
	assert_true(most <= sizeof(ch) + 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_real_hellos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
