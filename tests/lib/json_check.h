/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A strict JSON (RFC 8259) validator for the fuzz harnesses: whatever the
 * wire held, each record tlsmon writes must be exactly one JSON value in
 * valid UTF-8, with no raw control byte (C1 and the bidirectional and line
 * separator characters included), no bad escape and no stray byte after it.  Header-only (the fuzz build links no test library).
 *
 * jc_check(s, n) returns NULL, or what is wrong and where (static buffer).
 */
#ifndef TLSMON_TEST_JSON_CHECK_H
#define TLSMON_TEST_JSON_CHECK_H

#include <stddef.h>
#include <stdio.h>

#define JC_MAX_DEPTH 64

struct jc {
	const unsigned char *p, *end, *start;
	const char *err;
};

static inline int jc_fail(struct jc *j, const char *why)
{
	if (!j->err)
		j->err = why;
	return -1;
}

static inline void jc_ws(struct jc *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline int jc_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One UTF-8 sequence (RFC 3629: shortest form, no surrogates, <= U+10FFFF). */
static inline int jc_utf8(struct jc *j)
{
	const unsigned char *p = j->p;
	unsigned char c = *p;
	unsigned int cp, n, i;

	if (c < 0x80) {
		j->p++;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else {
		return jc_fail(j, "invalid UTF-8 lead byte");
	}
	if ((size_t)(j->end - p) <= n)
		return jc_fail(j, "UTF-8 sequence cut");
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return jc_fail(j, "invalid UTF-8 continuation byte");
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return jc_fail(j, "overlong or out-of-range UTF-8");
	if (cp >= 0xd800 && cp <= 0xdfff)
		return jc_fail(j, "UTF-8 surrogate");
	/* valid JSON, but tlsmon writes these as \u escapes (output/jbuf.h) */
	if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return jc_fail(j, "raw C1, bidirectional or line-separator character");
	j->p += n + 1;
	return 0;
}

static inline int jc_string(struct jc *j)
{
	j->p++;	/* the opening quote */
	while (j->p < j->end) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return jc_fail(j, "raw control byte in a string");
		if (c == '\\') {
			if (j->end - j->p < 2)
				return jc_fail(j, "escape cut");
			c = j->p[1];
			if (c == 'u') {
				if (j->end - j->p < 6 || !jc_hex(j->p[2]) || !jc_hex(j->p[3]) ||
				    !jc_hex(j->p[4]) || !jc_hex(j->p[5]))
					return jc_fail(j, "bad \\u escape");
				j->p += 6;
			} else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' ||
				   c == 'n' || c == 'r' || c == 't') {
				j->p += 2;
			} else {
				return jc_fail(j, "unknown escape");
			}
			continue;
		}
		if (jc_utf8(j))
			return -1;
	}
	return jc_fail(j, "unterminated string");
}

static inline int jc_digits(struct jc *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : jc_fail(j, "number without digits");
}

static inline int jc_number(struct jc *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (jc_digits(j))
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (jc_digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (jc_digits(j))
			return -1;
	}
	return 0;
}

static inline int jc_word(struct jc *j, const char *w)
{
	while (*w) {
		if (j->p == j->end || *j->p != (unsigned char)*w)
			return jc_fail(j, "bad literal");
		j->p++;
		w++;
	}
	return 0;
}

static inline int jc_value(struct jc *j, int depth);

/* Object or array: open is '{' or '['. */
static inline int jc_compound(struct jc *j, int depth, unsigned char open)
{
	unsigned char close = open == '{' ? '}' : ']';

	if (depth >= JC_MAX_DEPTH)
		return jc_fail(j, "nested too deep");
	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (open == '{') {
			jc_ws(j);
			if (j->p == j->end || *j->p != '"')
				return jc_fail(j, "object key is not a string");
			if (jc_string(j))
				return -1;
			jc_ws(j);
			if (j->p == j->end || *j->p != ':')
				return jc_fail(j, "missing ':'");
			j->p++;
		}
		if (jc_value(j, depth + 1))
			return -1;
		jc_ws(j);
		if (j->p == j->end)
			return jc_fail(j, "unterminated object or array");
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p != ',')
			return jc_fail(j, "missing ','");
		j->p++;
	}
}

static inline int jc_value(struct jc *j, int depth)
{
	jc_ws(j);
	if (j->p == j->end)
		return jc_fail(j, "value missing");
	switch (*j->p) {
	case '{':
	case '[':
		return jc_compound(j, depth, *j->p);
	case '"':
		return jc_string(j);
	case 't':
		return jc_word(j, "true");
	case 'f':
		return jc_word(j, "false");
	case 'n':
		return jc_word(j, "null");
	}
	if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
		return jc_number(j);
	return jc_fail(j, "unexpected byte");
}

static inline const char *jc_check(const char *s, size_t n)
{
	static char msg[96];
	struct jc j = { (const unsigned char *)s, (const unsigned char *)s + n,
			(const unsigned char *)s, NULL };

	if (!jc_value(&j, 0)) {
		jc_ws(&j);
		if (j.p != j.end)
			jc_fail(&j, "bytes after the value");
	}
	if (!j.err)
		return NULL;
	snprintf(msg, sizeof(msg), "%s at byte %zu of %zu", j.err, (size_t)(j.p - j.start), n);
	return msg;
}

#endif
