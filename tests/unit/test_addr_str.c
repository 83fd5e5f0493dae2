// SPDX-License-Identifier: BSD-3-Clause
/*
 * addr_str() (user/model/record.c), the address every output writes: an
 * IPv4-mapped address reads exactly as libc's inet_ntop() writes it (every
 * octet width at every place), any other as inet_ntop(AF_INET6).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/record.h"

static void check(const unsigned char a[16])
{
	char got[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	static const unsigned char v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(got, 0x5a, sizeof(got));
	addr_str(a, got, sizeof(got));
	if (!memcmp(a, v4mapped, 12))
		assert_non_null(inet_ntop(AF_INET, a + 12, want, sizeof(want)));
	else
		assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
	assert_string_equal(got, want);
}

static void test_v4_octets(void **state)
{
	static const unsigned char oct[] = { 0, 1, 9, 10, 42, 99, 100, 109, 110, 199, 200, 255 };
	unsigned char a[16] = { [10] = 0xff, [11] = 0xff };
	size_t i, j, k, l, n = sizeof(oct);

	(void)state;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			for (k = 0; k < n; k++)
				for (l = 0; l < n; l++) {
					a[12] = oct[i];
					a[13] = oct[j];
					a[14] = oct[k];
					a[15] = oct[l];
					check(a);
				}
}

static void test_random(void **state)
{
	unsigned char a[16];
	int round, i;

	(void)state;
	srand(77);
	for (round = 0; round < 20000; round++) {
		for (i = 0; i < 16; i++)
			a[i] = rand();
		/* half of them mapped IPv4 */
		if (round & 1) {
			memset(a, 0, 10);
			a[10] = a[11] = 0xff;
		}
		check(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_octets),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
