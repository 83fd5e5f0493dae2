// SPDX-License-Identifier: BSD-3-Clause
/*
 * Records are written whole or not at all (--json, --log, the readable
 * lines): a file that stops taking bytes (RLIMIT_FSIZE here, SIGXFSZ
 * ignored, as a full disk does with ENOSPC) keeps only whole, valid lines;
 * every record it did not get is counted; writing resumes once there is room.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "json_check.h"
#include "lib/linefile.h"
#include "output/out_json.h"
#include "output/out_text.h"

#define LIMIT 5000	/* bytes the file may grow to */

static char path[64];
static struct rlimit saved;

static struct fingerprints fp;
static struct server_fingerprint sfp;

/* A settled record with no hello: a few hundred bytes of JSON. */
static void make_record(struct hs_record *r, uint64_t id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->start_ns = 1700000000ull * 1000000000ull + id;
	r->family = 4;
	r->caddr[10] = r->caddr[11] = 0xff;
	r->caddr[12] = 10, r->caddr[15] = 1;
	memcpy(r->saddr, r->caddr, 16);
	r->saddr[15] = 2;
	r->cport = 40000 + id;
	r->sport = 443;
	r->ifname = "lo";
	r->fp = &fp;
	r->sfp = &sfp;
	r->outcome = OUTCOME_UNKNOWN;
	r->kind = KIND_UNKNOWN;
	snprintf(r->history, sizeof(r->history), "S");
}

static int setup(void **state)
{
	struct rlimit rl;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/tlsmon-wline.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &saved);
	rl = saved;
	rl.rlim_cur = LIMIT;
	return setrlimit(RLIMIT_FSIZE, &rl);
}

static int teardown(void **state)
{
	(void)state;
	setrlimit(RLIMIT_FSIZE, &saved);
	unlink(path);
	return 0;
}

/* The file's lines, each checked whole and valid; -1 if one is not. */
static int count_lines(const char *p, int json)
{
	static char buf[1 << 16];
	FILE *f = fopen(p, "r");
	size_t n;
	char *s, *nl;
	int lines = 0;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (s = buf; s < buf + n; s = nl + 1) {
		nl = memchr(s, '\n', buf + n - s);
		if (!nl) {
			print_error("a partial line at the end: %.*s\n", (int)(buf + n - s), s);
			return -1;
		}
		if (memchr(s, 0, nl - s)) {
			print_error("line %d holds NUL bytes (a hole)\n", lines + 1);
			return -1;
		}
		if (json && jc_check(s, nl - s)) {
			print_error("line %d is not JSON (%s): %.*s\n", lines + 1,
				    jc_check(s, nl - s), (int)(nl - s), s);
			return -1;
		}
		lines++;
	}
	return lines;
}

/* Room again: the limit lifted, the next records are written whole after the others. */
static void lift_limit(void)
{
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
}

static void test_json_full_file(void **state)
{
	const struct linefile_stats *ls;
	struct out_json *o;
	struct hs_record r;
	char err[256];
	int i, lines;

	(void)state;
	o = out_json_open(path, err, sizeof(err));
	assert_non_null(o);
	for (i = 0; i < 40; i++) {
		make_record(&r, i);
		out_json_write(o, &r);
	}
	lines = count_lines(path, 1);
	ls = out_json_stats(o);
	assert_true(lines > 0 && lines < 40);
	assert_int_equal(ls->written, lines);
	assert_int_equal(ls->failed, 40 - lines);

	lift_limit();
	for (i = 40; i < 45; i++) {
		make_record(&r, i);
		out_json_write(o, &r);
	}
	assert_int_equal(count_lines(path, 1), lines + 5);
	assert_int_equal(ls->written, lines + 5);
	assert_int_equal(ls->failed, 40 - lines);
	out_json_close(o);
}

/*
 * The same kept a buffer at a time (--read): a buffer that crosses the limit
 * leaves the lines before it whole, the rest counted; room again, the next
 * buffers go out.  2 KiB: several lines, and several buffers before the
 * limit.  With the writer thread, records are handed over while more are
 * kept, and the limit is crossed in the thread's batches; the counts are
 * whole once they are read.
 */
static void json_full_file_buffered(int writer)
{
	const struct linefile_stats *ls;
	struct out_json *o;
	struct hs_record r;
	char err[256];
	int i, lines;

	o = out_json_open(path, err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(out_json_buffer(o, 2048), 0);
	if (writer)
		assert_int_equal(out_json_writer_start(o), 0);
	for (i = 0; i < 40; i++) {
		make_record(&r, i);
		out_json_write(o, &r);
		if (writer && i % 7 == 6)
			out_json_hand_off(o);
	}
	out_json_flush(o);
	lines = count_lines(path, 1);
	ls = out_json_stats(o);
	assert_true(lines > 0 && lines < 40);
	assert_int_equal(ls->written, lines);
	assert_int_equal(ls->failed, 40 - lines);

	lift_limit();
	for (i = 40; i < 45; i++) {
		make_record(&r, i);
		out_json_write(o, &r);
	}
	/* kept until flushed: nothing new in the file yet (the thread has nothing yet) */
	assert_int_equal(count_lines(path, 1), lines);
	if (writer) {
		out_json_hand_off(o);
		/* the buffer off: the thread stops, what it had written first */
		assert_int_equal(out_json_buffer(o, 0), 0);
	} else {
		out_json_flush(o);
	}
	assert_int_equal(count_lines(path, 1), lines + 5);
	ls = out_json_stats(o);
	assert_int_equal(ls->written, lines + 5);
	assert_int_equal(ls->failed, 40 - lines);
	out_json_close(o);
}

static void test_json_full_file_buffered(void **state)
{
	(void)state;
	json_full_file_buffered(0);
}

static void test_json_full_file_writer(void **state)
{
	(void)state;
	json_full_file_buffered(1);
}

/* Buffered lines to a pipe nobody reads: all counted, none written. */
static void test_pipe_closed_buffered(void **state)
{
	struct linefile *lf;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	lf = linefile_fd(p[1], "pipe");
	assert_non_null(lf);
	assert_int_equal(linefile_buffer(lf, 64), 0);
	assert_int_equal(linefile_write(lf, "one\n", 4), 0);
	assert_int_equal(linefile_write(lf, "two\n", 4), 0);
	close(p[0]);
	assert_int_equal(linefile_flush(lf), -EPIPE);
	assert_int_equal(linefile_stats(lf)->written, 0);
	assert_int_equal(linefile_stats(lf)->failed, 2);
	linefile_close(lf);
	close(p[1]);
}

/* The readable lines on a descriptor opened without O_APPEND (a shell's '>'). */
static void test_text_full_file(void **state)
{
	const struct linefile_stats *ls;
	struct out_text *o;
	struct hs_record r;
	int fd, i, lines;

	(void)state;
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	o = out_text_new(fd, 1);
	assert_non_null(o);
	for (i = 0; i < 200; i++) {
		make_record(&r, i);
		out_text_record(o, &r);
	}
	lines = count_lines(path, 0);
	ls = out_text_stats(o);
	assert_true(lines > 0 && lines < 200);
	assert_int_equal(ls->written, lines);
	assert_int_equal(ls->failed, 200 - lines);

	/* the offset went back with the cut: no hole of NULs before the next line */
	lift_limit();
	make_record(&r, 200);
	out_text_record(o, &r);
	assert_int_equal(count_lines(path, 0), lines + 1);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), lseek(fd, 0, SEEK_END));
	out_text_free(o);
	close(fd);
}

/* A stream that fails (a pipe with no reader): counted, and the writer goes on. */
static void test_pipe_closed(void **state)
{
	struct linefile *lf;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	lf = linefile_fd(p[1], "pipe");
	assert_non_null(lf);
	assert_int_equal(linefile_write(lf, "one\n", 4), 0);
	close(p[0]);
	assert_int_equal(linefile_write(lf, "two\n", 4), -EPIPE);
	assert_int_equal(linefile_drop(lf, -ENOMEM), -ENOMEM);
	assert_int_equal(linefile_stats(lf)->written, 1);
	assert_int_equal(linefile_stats(lf)->failed, 2);
	linefile_close(lf);
	close(p[1]);
}

/* One line longer than the file may grow: nothing of it stays. */
static void test_line_over_limit(void **state)
{
	static char big[LIMIT * 2];
	struct linefile *lf;
	char err[256];
	struct stat sb;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\n';
	lf = linefile_open(path, err, sizeof(err));
	assert_non_null(lf);
	assert_int_equal(linefile_write(lf, "a\n", 2), 0);
	assert_int_equal(linefile_write(lf, big, sizeof(big)), -EFBIG);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 2);
	assert_int_equal(linefile_write(lf, "b\n", 2), 0);
	assert_int_equal(count_lines(path, 0), 2);
	linefile_close(lf);
}

/*
 * Many lines through the writer thread, handed over at odd points and in
 * full buffers, one longer than the buffer among them: all there, in order.
 */
static void test_writer_order(void **state)
{
	static char big[300];
	struct linefile *lf;
	char line[32], err[256];
	FILE *f;
	int i, n, got = 0, ok = 1;

	(void)state;
	lift_limit();
	lf = linefile_open(path, err, sizeof(err));
	assert_non_null(lf);
	assert_int_equal(linefile_buffer(lf, 256), 0);
	assert_int_equal(linefile_writer_start(lf), 0);
	for (i = 0; i < 5000; i++) {
		if (i == 2500) {
			/* longer than the buffer: alone, after what was kept before it */
			n = snprintf(big, sizeof(big), "%d ", i);
			memset(big + n, 'x', sizeof(big) - n - 1);
			big[sizeof(big) - 1] = '\n';
			assert_int_equal(linefile_write(lf, big, sizeof(big)), 0);
			continue;
		}
		n = snprintf(line, sizeof(line), "%d\n", i);
		assert_int_equal(linefile_write(lf, line, n), 0);
		if (i % 97 == 0)
			assert_int_equal(linefile_hand_off(lf), 0);
	}
	assert_int_equal(linefile_flush(lf), 0);
	assert_int_equal(linefile_stats(lf)->written, 5000);
	assert_int_equal(linefile_stats(lf)->failed, 0);
	linefile_close(lf);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fscanf(f, "%d%*[^\n]\n", &n) == 1) {
		if (n != got)
			ok = 0;
		got++;
	}
	fclose(f);
	assert_int_equal(got, 5000);
	assert_true(ok);
}

/* The writer thread on a pipe nobody reads: the failure comes back, all counted. */
static void test_writer_pipe_closed(void **state)
{
	struct linefile *lf;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	lf = linefile_fd(p[1], "pipe");
	assert_non_null(lf);
	assert_int_equal(linefile_writer_start(lf), -EINVAL);	/* no buffer, no thread */
	assert_int_equal(linefile_buffer(lf, 64), 0);
	assert_int_equal(linefile_writer_start(lf), 0);
	assert_int_equal(linefile_write(lf, "one\n", 4), 0);
	assert_int_equal(linefile_hand_off(lf), 0);
	assert_int_equal(linefile_flush(lf), 0);
	close(p[0]);
	assert_int_equal(linefile_write(lf, "two\n", 4), 0);
	assert_int_equal(linefile_write(lf, "three\n", 6), 0);
	assert_int_equal(linefile_flush(lf), -EPIPE);
	assert_int_equal(linefile_drop(lf, -ENOMEM), -ENOMEM);
	assert_int_equal(linefile_stats(lf)->written, 1);
	assert_int_equal(linefile_stats(lf)->failed, 3);
	linefile_close(lf);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_full_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_full_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_over_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_full_file_buffered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_closed_buffered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_full_file_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_pipe_closed, setup, teardown),
	};

	return cmocka_run_group_tests_name("write_line", tests, NULL, NULL);
}
