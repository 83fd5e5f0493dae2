// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "output/pcapng.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define EPB_FLAGS 2
/* an option's value is at most 65535 bytes: longer comments are cut */
#define OPT_MAX 65532u

static void put(struct pcapng_buf *b, const void *p, size_t n)
{
	uint8_t *q;
	size_t cap;

	if (b->err || !n)
		return;
	if (n > b->cap - b->len) {
		cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q) {
			b->err = -ENOMEM;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put32(struct pcapng_buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put16(struct pcapng_buf *b, uint16_t v)
{
	put(b, &v, 2);
}

static void pad4(struct pcapng_buf *b, size_t n)
{
	static const uint8_t zero[4];

	put(b, zero, (4 - n % 4) % 4);
}

static void opt(struct pcapng_buf *b, uint16_t code, const void *v, size_t n)
{
	if (n > OPT_MAX)
		n = OPT_MAX;
	put16(b, code);
	put16(b, (uint16_t)n);
	put(b, v, n);
	pad4(b, n);
}

static void opt_str(struct pcapng_buf *b, uint16_t code, const char *s)
{
	if (s && *s)
		opt(b, code, s, strlen(s));
}

/* A block is written with a zero length, then its length set at both ends. */
static size_t block_open(struct pcapng_buf *b, uint32_t type)
{
	size_t at = b->len;

	put32(b, type);
	put32(b, 0);
	return at;
}

static void block_close(struct pcapng_buf *b, size_t at)
{
	uint32_t n;

	put32(b, 0);	/* the length again, set below */
	if (b->err)
		return;
	n = (uint32_t)(b->len - at);
	memcpy(b->p + at + 4, &n, 4);
	memcpy(b->p + b->len - 4, &n, 4);
}

void pcapng_reset(struct pcapng_buf *b)
{
	b->len = 0;
	b->err = 0;
}

void pcapng_free(struct pcapng_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void pcapng_shb(struct pcapng_buf *b, const char *comment, const char *application)
{
	size_t at = block_open(b, BT_SHB);
	uint64_t section_len = ~0ull;	/* not given */

	put32(b, 0x1a2b3c4du);
	put16(b, 1);
	put16(b, 0);
	put(b, &section_len, 8);
	opt_str(b, OPT_COMMENT, comment);
	opt_str(b, SHB_USERAPPL, application);
	opt(b, OPT_END, NULL, 0);
	block_close(b, at);
}

void pcapng_idb(struct pcapng_buf *b, uint16_t linktype, uint32_t snaplen, const char *name)
{
	size_t at = block_open(b, BT_IDB);
	uint8_t resol = 9;	/* 10^-9 s */

	put16(b, linktype);
	put16(b, 0);
	put32(b, snaplen);
	opt_str(b, IF_NAME, name);
	opt(b, IF_TSRESOL, &resol, 1);
	opt(b, OPT_END, NULL, 0);
	block_close(b, at);
}

void pcapng_epb(struct pcapng_buf *b, uint32_t ifid, uint64_t ts_ns, const void *data,
		uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment)
{
	size_t at = block_open(b, BT_EPB);

	put32(b, ifid);
	put32(b, (uint32_t)(ts_ns >> 32));
	put32(b, (uint32_t)ts_ns);
	put32(b, caplen);
	put32(b, origlen < caplen ? caplen : origlen);
	put(b, data, caplen);
	pad4(b, caplen);
	opt_str(b, OPT_COMMENT, comment);
	if (flags)
		opt(b, EPB_FLAGS, &flags, 4);
	opt(b, OPT_END, NULL, 0);
	block_close(b, at);
}
