// SPDX-License-Identifier: BSD-3-Clause
/*
 * The log (user/lib/log.c) as a reader sees it on stderr: "tlsmon: LEVEL: " on
 * every line, or the syslog priority "<N>" when stderr is the journal's
 * stream (JOURNAL_STREAM names its device and inode); one message of
 * several lines gives several prefixed lines; control bytes, ESC sequences
 * and bytes past ASCII come out as \xNN; levels above the set one are quiet;
 * a long message is kept whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/log.h"

static char got[16384];

/* Run fn with stderr on a temporary file; its text in got. */
static void capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(tmp), STDERR_FILENO), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(got, 1, sizeof(got) - 1, tmp);
	got[n] = 0;
	fclose(tmp);
}

static void plain_levels(void)
{
	log_set_journal(0);
	log_set_level(LOG_INFO);
	pr_err("e %d", 1);
	pr_warn("w");
	pr_info("i\n");
	pr_debug("not shown");
}

static void test_plain_levels(void **state)
{
	(void)state;
	capture(plain_levels);
	assert_string_equal(got, "tlsmon: error: e 1\ntlsmon: warning: w\ntlsmon: info: i\n");
}

static void journal_levels(void)
{
	log_set_journal(1);
	log_set_level(LOG_DEBUG);
	pr_err("e");
	pr_warn("w");
	pr_info("i");
	pr_debug("d");
	log_set_journal(0);
}

static void test_journal_levels(void **state)
{
	(void)state;
	capture(journal_levels);
	assert_string_equal(got, "<3>e\n<4>w\n<6>i\n<7>d\n");
}

static void multi_line(void)
{
	log_set_journal(1);
	log_set_level(LOG_INFO);
	pr_warn("first\nsecond\n\nfourth\n");
	log_set_journal(0);
}

static void test_multi_line(void **state)
{
	(void)state;
	capture(multi_line);
	/* journald sees a priority on every line, the empty one too */
	assert_string_equal(got, "<4>first\n<4>second\n<4>\n<4>fourth\n");
}

static void hostile(void)
{
	log_set_level(LOG_INFO);
	pr_info("if=%s", "a\x1b[2J\rb\tc\x9b" "1m\xff\\");
}

static void test_hostile_bytes(void **state)
{
	(void)state;
	capture(hostile);
	assert_string_equal(got, "tlsmon: info: if=a\\x1b[2J\\x0db\\x09c\\x9b1m\\xff\\x5c\n");
}

static void long_message(void)
{
	char big[6000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	log_set_level(LOG_INFO);
	pr_info("[%s]", big);
}

static void test_long_message(void **state)
{
	size_t n;

	(void)state;
	capture(long_message);
	n = strlen(got);
	assert_int_equal(n, strlen("tlsmon: info: ") + 5999 + 2 + 1);
	assert_memory_equal(got, "tlsmon: info: [xxx", 18);
	assert_string_equal(got + n - 3, "x]\n");
}

static void test_detect_journal(void **state)
{
	FILE *tmp = tmpfile();
	struct stat st;
	char js[64];
	int saved, on, off, unset;

	(void)state;
	assert_non_null(tmp);
	assert_int_equal(fstat(fileno(tmp), &st), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	on = log_detect_journal();
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	off = log_detect_journal();
	unsetenv("JOURNAL_STREAM");
	unset = log_detect_journal();
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(tmp);
	assert_int_equal(on, 1);
	assert_int_equal(off, 0);
	assert_int_equal(unset, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_levels),
		cmocka_unit_test(test_journal_levels),
		cmocka_unit_test(test_multi_line),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_long_message),
		cmocka_unit_test(test_detect_journal),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
