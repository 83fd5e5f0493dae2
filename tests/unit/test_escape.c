// SPDX-License-Identifier: BSD-3-Clause
/*
 * esc_term() (user/lib/esc.c), the escaper every SNI, ALPN and evidence string
 * goes through before a terminal or a text log: for every byte value, and for
 * the strings an attacker would send (ESC and CSI/OSC sequences, C1 controls
 * 0x80-0x9f, invalid and overlong UTF-8), the output is printable ASCII that
 * decodes back to exactly the input; a short buffer cuts between escapes,
 * never inside one, and always ends the string.  esc_text(), for values in
 * key=value text lines: the same, and also space, '=' and '"' escaped, so a
 * value split out of a line on spaces and '=' decodes back to the wire bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/esc.h"

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* the bytes esc_term() and esc_text() write as they are; every other one is \xNN */
static int term_plain(unsigned c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

static int text_plain(unsigned c)
{
	return term_plain(c) && c != ' ' && c != '=' && c != '"';
}

/* Undo the escaping; -1 when the text is not something the escaper writes. */
static int unescape(const char *s, uint8_t *out, size_t max, int (*plain)(unsigned))
{
	size_t n = 0;
	unsigned v;

	while (*s) {
		if (n == max)
			return -1;
		if (*s != '\\') {
			out[n++] = *s++;
			continue;
		}
		if (s[1] != 'x' || sscanf(s + 2, "%2x", &v) != 1 || !s[2] || !s[3])
			return -1;
		/* only what has to be escaped is */
		if (plain(v))
			return -1;
		out[n++] = v;
		s += 4;
	}
	return n;
}

static void test_every_byte(void **state)
{
	char out[8], want[8];
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		uint8_t b = c;

		esc_term(out, sizeof(out), &b, 1);
		if (c >= 0x20 && c < 0x7f && c != '\\')
			snprintf(want, sizeof(want), "%c", c);
		else
			snprintf(want, sizeof(want), "\\x%02x", c);
		assert_string_equal(out, want);
	}
}

static void test_hostile_strings(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H" },				/* clear screen */
		{ "\x1b]0;owned\x07", "\\x1b]0;owned\\x07" },			/* window title */
		{ "\x1b[?1049l", "\\x1b[?1049l" },				/* leave the alternate screen */
		{ "\x9b" "31m\x9d" "0;x\x9c", "\\x9b31m\\x9d0;x\\x9c" },	/* C1 CSI, OSC, ST */
		{ "\xc2\x9b" "2J", "\\xc2\\x9b2J" },				/* C1 CSI as UTF-8 */
		{ "\xff\xfe\xc3\x28\xe2\x82", "\\xff\\xfe\\xc3(\\xe2\\x82" },	/* invalid UTF-8 */
		{ "\xc0\xaf\xe0\x80\xaf", "\\xc0\\xaf\\xe0\\x80\\xaf" },	/* overlong '/' */
		{ "\xe2\x80\xae" "gnp.exe", "\\xe2\\x80\\xaegnp.exe" },	/* right-to-left override */
		{ "a\\x41", "a\\x5cx41" },					/* a literal "\x41" */
		{ "tab\there\r\nnul", "tab\\x09here\\x0d\\x0anul" },
		{ "\x7f\x80\x9f\xa0", "\\x7f\\x80\\x9f\\xa0" },
		{ "api.lab.test", "api.lab.test" },
	};
	uint8_t back[64];
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		esc_term(out, sizeof(out), cases[i].in, strlen(cases[i].in));
		assert_string_equal(out, cases[i].want);
		assert_true(printable(out));
		assert_int_equal(unescape(out, back, sizeof(back), term_plain), strlen(cases[i].in));
		assert_memory_equal(back, cases[i].in, strlen(cases[i].in));
	}
	/* a NUL in the middle does not end the escaping */
	esc_term(out, sizeof(out), "a\0b", 3);
	assert_string_equal(out, "a\\x00b");
}

/* Random bytes, every buffer size: printable, a prefix of the input, ended. */
static void test_round_trip_and_cut(void **state)
{
	uint8_t in[64], back[64];
	char out[4 * 64 + 1];
	size_t len, n;
	int round, k;

	(void)state;
	srand(1234);
	for (round = 0; round < 2000; round++) {
		n = rand() % sizeof(in);
		for (len = 0; len < n; len++)
			in[len] = rand();
		for (len = 1; len <= sizeof(out); len += 1 + round % 7) {
			memset(out, 'Z', sizeof(out));
			assert_ptr_equal(esc_term(out, len, in, n), out);
			assert_true(strlen(out) < len);
			assert_true(printable(out));
			k = unescape(out, back, sizeof(back), term_plain);
			assert_true(k >= 0 && (size_t)k <= n);
			assert_memory_equal(back, in, k);
			/* room for all of it: all of it */
			if (len == sizeof(out))
				assert_int_equal(k, n);
		}
	}
	/* no room at all: nothing written */
	out[0] = 'Z';
	esc_term(out, 0, in, 4);
	assert_int_equal(out[0], 'Z');
	esc_term(out, 1, "\x1b", 1);
	assert_string_equal(out, "");
	esc_term(out, 4, "\x1b", 1);
	assert_string_equal(out, "");
	esc_term(out, 5, "\x1b", 1);
	assert_string_equal(out, "\\x1b");
}

static void test_text_every_byte(void **state)
{
	char out[8], want[8];
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		uint8_t b = c;

		esc_text(out, sizeof(out), &b, 1);
		if (text_plain(c))
			snprintf(want, sizeof(want), "%c", c);
		else
			snprintf(want, sizeof(want), "\\x%02x", c);
		assert_string_equal(out, want);
	}
}

/* A line of key=value tokens with hostile values splits back into exactly them. */
static void test_text_tokens(void **state)
{
	static const char *const vals[] = {
		"x ja4=FAKE", "a=b", "q\"uote", "sp ace", "\\x20", "=", " ", "\"", "tab\there",
		"nl\nFAIL x=y", "\xe2\x80\xae" "gnp", "\xc2\x9b" "2J", "\xff\xc3\xbf", "plain.test",
	};
	char line[1024], val[256], *tok, *save, *eq;
	uint8_t back[64];
	size_t i, n = 0;
	int k;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		esc_text(val, sizeof(val), vals[i], strlen(vals[i]));
		for (k = 0; val[k]; k++)
			assert_true(text_plain((unsigned char)val[k]) || val[k] == '\\');
		n += snprintf(line + n, sizeof(line) - n, "%sk%zu=%s", i ? " " : "", i, val);
	}
	i = 0;
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++) {
		eq = strchr(tok, '=');
		assert_non_null(eq);
		assert_null(strchr(eq + 1, '='));
		snprintf(val, sizeof(val), "k%zu", i);
		assert_memory_equal(tok, val, eq - tok);
		k = unescape(eq + 1, back, sizeof(back), text_plain);
		assert_int_equal(k, strlen(vals[i]));
		assert_memory_equal(back, vals[i], k);
	}
	assert_int_equal(i, sizeof(vals) / sizeof(vals[0]));
}

/* Random bytes, short buffers: cut between escapes, decodes to a prefix. */
static void test_text_cut(void **state)
{
	uint8_t in[32], back[32];
	char out[4 * 32 + 1];
	size_t len, n;
	int round, k;

	(void)state;
	srand(99);
	for (round = 0; round < 500; round++) {
		n = rand() % sizeof(in);
		for (len = 0; len < n; len++)
			in[len] = rand();
		for (len = 1; len <= sizeof(out); len++) {
			assert_ptr_equal(esc_text(out, len, in, n), out);
			assert_true(strlen(out) < len);
			assert_null(strchr(out, ' '));
			assert_null(strchr(out, '='));
			k = unescape(out, back, sizeof(back), text_plain);
			assert_true(k >= 0 && (size_t)k <= n);
			assert_memory_equal(back, in, k);
			if (len == sizeof(out))
				assert_int_equal(k, n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_round_trip_and_cut),
		cmocka_unit_test(test_text_every_byte),
		cmocka_unit_test(test_text_tokens),
		cmocka_unit_test(test_text_cut),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
