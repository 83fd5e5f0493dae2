// SPDX-License-Identifier: BSD-3-Clause
/*
 * Large tables' memory (user/lib/bigmem.c): zeroed, writable to its last
 * byte, starting on a huge page's boundary, advised for huge pages (the
 * mapping's "hg" flag in /proc/self/smaps), whatever the size asked, and
 * unmapped when freed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/bigmem.h"

#define HUGE (2u << 20)

/* The VmFlags line of the mapping holding p, in flags; 0 when no mapping holds p. */
static int vm_flags(const void *p, char *flags, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	int found = 0;
	uintptr_t lo, hi, a = (uintptr_t)p;
	int in = 0;

	flags[0] = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			found |= in;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s", line + 8);
			break;
		}
	}
	fclose(f);
	return found;
}

static void check_size(size_t n)
{
	uint8_t *p = bigmem_zalloc(n);
	char flags[256];
	size_t i;

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % HUGE, 0);
	for (i = 0; i < n; i += 4096)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[n - 1], 0);
	memset(p, 0xa5, n);
	assert_int_equal(p[n - 1], 0xa5);
	assert_true(vm_flags(p, flags, sizeof(flags)));
	assert_non_null(strstr(flags, " hg"));
	bigmem_free(p, n);
	/* given back: nothing is mapped there any more */
	assert_false(vm_flags(p, flags, sizeof(flags)));
}

static void test_sizes(void **state)
{
	static const size_t sizes[] = { 1, 4096, HUGE - 1, HUGE, HUGE + 1, 10u * HUGE + 5 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_size(sizes[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests_name("bigmem", tests, NULL, NULL);
}
