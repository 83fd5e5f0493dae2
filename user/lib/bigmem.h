/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Large tables read at random (the userspace datapath's flow slots): zeroed
 * memory mapped on its own, in huge pages where the kernel has them
 * (transparent huge pages, "madvise" or "always").  A lookup in a table of
 * ten megabytes otherwise pays a TLB miss as well as a cache miss.
 */
#ifndef TLSMON_BIGMEM_H
#define TLSMON_BIGMEM_H

#include <stddef.h>

/* n bytes, zeroed; NULL when out of memory (errno set). */
void *bigmem_zalloc(size_t n);
/* What bigmem_zalloc(n) gave (NULL: nothing), with the same n. */
void bigmem_free(void *p, size_t n);

#endif
