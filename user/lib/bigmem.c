// SPDX-License-Identifier: BSD-3-Clause
#include <stdint.h>
#include <sys/mman.h>
#include "lib/bigmem.h"

#define HUGE_SIZE (2u << 20)

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

void *bigmem_zalloc(size_t n)
{
	size_t len = round_up(n ? n : 1, HUGE_SIZE), head;
	uint8_t *p;

	if (len < n)
		return NULL;
	/* one huge page more, so that the part kept starts on a huge page's boundary */
	p = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = round_up((uintptr_t)p, HUGE_SIZE) - (uintptr_t)p;
	if (head)
		munmap(p, head);
	munmap(p + head + len, HUGE_SIZE - head);
	p += head;
	/* advice only: without huge pages it is ordinary memory */
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void bigmem_free(void *p, size_t n)
{
	if (p)
		munmap(p, round_up(n ? n : 1, HUGE_SIZE));
}
