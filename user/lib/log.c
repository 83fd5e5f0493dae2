// SPDX-License-Identifier: BSD-3-Clause
/* Leveled logging to stderr, readable as is and in journald. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/esc.h"
#include "lib/log.h"

static int log_level = LOG_INFO;
static int log_journal;

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_set_journal(int on)
{
	log_journal = on;
}

int log_detect_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* systemd.exec(5): stderr is the journal if its device and inode match */
	log_journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
		      !isatty(STDERR_FILENO) && !fstat(STDERR_FILENO, &st) &&
		      (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	return log_journal;
}

/*
 * One message, one or more lines, each with its prefix.  Messages may quote
 * names from the outside (interfaces, paths, libbpf's text): they go through
 * esc_term(), as wire strings do, so no byte can end a line early or reach
 * the terminal as a control sequence.
 */
static void put_line(const char *prefix, const char *s, size_t n)
{
	char out[4 * 512 + 1];
	size_t k;

	fputs(prefix, stderr);
	for (; n; s += k, n -= k) {
		k = n < 512 ? n : 512;
		fputs(esc_term(out, sizeof(out), s, k), stderr);
	}
	fputc('\n', stderr);
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	/* sd-daemon(3) priorities: err 3, warning 4, info 6, debug 7 */
	static const int prio[] = { 3, 4, 6, 7 };
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	char small[1024], *msg = small, prefix[32], *p, *nl;
	va_list aq;
	int n;

	if (level > log_level)
		return;
	if (level < LOG_ERR)
		level = LOG_ERR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && vasprintf(&msg, fmt, aq) < 0)
		msg = small;	/* out of memory: the message cut short */
	va_end(aq);
	if (n < 0)
		return;
	if (log_journal)
		snprintf(prefix, sizeof(prefix), "<%d>", prio[level]);
	else
		snprintf(prefix, sizeof(prefix), "tlsmon: %s: ", tag[level]);
	p = msg;
	/*
	 * a message's lines together, whichever thread logs at the same time
	 * (and not inside a batch of records: lib/linefile.c)
	 */
	flockfile(stderr);
	do {
		nl = strchr(p, '\n');
		/* a trailing newline ends the message, it does not start an empty line */
		if (nl && !nl[1]) {
			put_line(prefix, p, nl - p);
			break;
		}
		put_line(prefix, p, nl ? (size_t)(nl - p) : strlen(p));
		p = nl + 1;
	} while (nl);
	funlockfile(stderr);
	if (msg != small)
		free(msg);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
