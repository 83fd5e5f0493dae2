// SPDX-License-Identifier: BSD-3-Clause
#include <stdio.h>
#include "lib/esc.h"

static const char hex[] = "0123456789abcdef";

/* Append a byte escaped by the given rule; stop before overflowing. */
static int put(char *dst, size_t dstlen, size_t *o, const char *s, size_t k)
{
	size_t i;

	if (*o + k + 1 > dstlen)
		return -1;
	for (i = 0; i < k; i++)
		dst[(*o)++] = s[i];
	return 0;
}

static int put_hex(char *dst, size_t dstlen, size_t *o, unsigned char c)
{
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	return put(dst, dstlen, o, e, 4);
}

/* Printable ASCII passes except what keep() refuses; every other byte as \xNN. */
static char *esc_hex(char *dst, size_t dstlen, const void *src, size_t n,
		     int (*keep)(unsigned char c))
{
	const unsigned char *p = src;
	size_t i, o = 0;
	int r;

	if (!dstlen)
		return dst;
	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && keep(p[i]))
			r = put(dst, dstlen, &o, (const char *)p + i, 1);
		else
			r = put_hex(dst, dstlen, &o, p[i]);
		if (r)
			break;
	}
	dst[o] = 0;
	return dst;
}

static int keep_term(unsigned char c)
{
	(void)c;
	return 1;
}

/* a text line's value: no space, '=' or '"', which would start another token */
static int keep_text(unsigned char c)
{
	return c != ' ' && c != '=' && c != '"';
}

char *esc_term(char *dst, size_t dstlen, const void *src, size_t n)
{
	return esc_hex(dst, dstlen, src, n, keep_term);
}

char *esc_text(char *dst, size_t dstlen, const void *src, size_t n)
{
	return esc_hex(dst, dstlen, src, n, keep_text);
}

char *esc_prom(char *dst, size_t dstlen, const void *src, size_t n)
{
	const unsigned char *p = src;
	size_t i, o = 0;
	int r;

	if (!dstlen)
		return dst;
	for (i = 0; i < n; i++) {
		/* a backslash byte is \\ in the value (\\\\ in the file): there a
		 * backslash is only ever followed by another or by xNN, so no two
		 * byte strings give the same value */
		if (p[i] == '\\')
			r = put(dst, dstlen, &o, "\\\\\\\\", 4);
		else if (p[i] == '"')
			r = put(dst, dstlen, &o, "\\\"", 2);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			r = put(dst, dstlen, &o, (const char *)p + i, 1);
		else
			r = put(dst, dstlen, &o,
				(char[]){ '\\', '\\', 'x', hex[p[i] >> 4], hex[p[i] & 15] }, 5);
		if (r)
			break;
	}
	dst[o] = 0;
	return dst;
}
