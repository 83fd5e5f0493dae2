/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A ClientHello kept while its connection is followed, packed: the fixed
 * fields, then each list only up to its last nonzero byte.  A typical hello
 * takes a quarter of struct tls_client_hello, whose lists are sized for the
 * largest; unpacked, it is the same struct, byte for byte.
 */
#ifndef TLSMON_HELLO_PACK_H
#define TLSMON_HELLO_PACK_H

#include <stddef.h>
#include "tlsmon.h"

struct hello_pack;

/* Allocated to its size; free() it.  NULL: out of memory. */
struct hello_pack *hello_pack_new(const struct tls_client_hello *ch);
void hello_pack_unpack(const struct hello_pack *p, struct tls_client_hello *ch);
/* Bytes allocated for p (its header included). */
size_t hello_pack_size(const struct hello_pack *p);

#endif
