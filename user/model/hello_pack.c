// SPDX-License-Identifier: BSD-3-Clause
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "model/hello_pack.h"

#define LIST(f) { offsetof(struct tls_client_hello, f), sizeof(((struct tls_client_hello *)0)->f) }

/* The lists, in struct order; the bytes before the first are kept whole. */
static const struct {
	uint16_t off, size;
} lists[] = {
	LIST(session_id), LIST(ciphers), LIST(exts), LIST(versions), LIST(groups),
	LIST(key_shares), LIST(sigalgs), LIST(ecpf), LIST(sni), LIST(alpn),
};

#define N_LISTS (sizeof(lists) / sizeof(lists[0]))
#define FIXED offsetof(struct tls_client_hello, session_id)

_Static_assert(sizeof(struct tls_client_hello) < UINT16_MAX, "list offsets fit 16 bits");
/* nothing after the last list (test_hello_pack checks that nothing lies between them) */
_Static_assert(offsetof(struct tls_client_hello, alpn) + TLSMON_ALPN_MAX ==
	       sizeof(struct tls_client_hello), "alpn is the last list");

struct hello_pack {
	uint16_t used[N_LISTS];		/* bytes kept of each list: the rest are zero */
	uint8_t fixed[FIXED];
	uint8_t lists[];		/* each list's used bytes, in order */
};

/*
 * Bytes up to the last nonzero one: unused entries are zero (and so
 * restored).  Word by word first: most of each list is unused, and this runs
 * for every ClientHello.
 */
static uint16_t used_len(const uint8_t *p, uint16_t n)
{
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p + n - 8, 8);
		if (w)
			break;
		n -= 8;
	}
	while (n && !p[n - 1])
		n--;
	return n;
}

struct hello_pack *hello_pack_new(const struct tls_client_hello *ch)
{
	const uint8_t *src = (const uint8_t *)ch;
	uint16_t used[N_LISTS];
	struct hello_pack *p;
	size_t i, n = 0;
	uint8_t *dst;

	for (i = 0; i < N_LISTS; i++) {
		used[i] = used_len(src + lists[i].off, lists[i].size);
		n += used[i];
	}
	p = malloc(sizeof(*p) + n);
	if (!p)
		return NULL;
	memcpy(p->used, used, sizeof(used));
	memcpy(p->fixed, src, FIXED);
	dst = p->lists;
	for (i = 0; i < N_LISTS; i++) {
		memcpy(dst, src + lists[i].off, used[i]);
		dst += used[i];
	}
	return p;
}

void hello_pack_unpack(const struct hello_pack *p, struct tls_client_hello *ch)
{
	uint8_t *dst = (uint8_t *)ch;
	const uint8_t *src = p->lists;
	size_t i;

	memset(ch, 0, sizeof(*ch));
	memcpy(dst, p->fixed, FIXED);
	for (i = 0; i < N_LISTS; i++) {
		memcpy(dst + lists[i].off, src, p->used[i]);
		src += p->used[i];
	}
}

size_t hello_pack_size(const struct hello_pack *p)
{
	size_t i, n = sizeof(*p);

	for (i = 0; i < N_LISTS; i++)
		n += p->used[i];
	return n;
}
