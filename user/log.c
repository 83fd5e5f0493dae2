// SPDX-License-Identifier: BSD-3-Clause
/* Leveled logging to stderr, readable as is and in journald. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "log.h"

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

void log_msg(int level, const char *fmt, ...)
{
	/* sd-daemon(3) priorities: err 3, warning 4, info 6, debug 7 */
	static const int prio[] = { 3, 4, 6, 7 };
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > log_level)
		return;
	if (level < LOG_ERR)
		level = LOG_ERR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	if (log_journal)
		fprintf(stderr, "<%d>", prio[level]);
	else
		fprintf(stderr, "tlsmon: %s: ", tag[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}
