/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLSMON_LOG_H
#define TLSMON_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(int level);
int log_get_level(void);
/* Prefix lines with "<N>" (sd-daemon priorities) for journald. */
void log_set_journal(int on);
/* Turn the prefix on when stderr is the journal's stream (JOURNAL_STREAM); returns it. */
int log_detect_journal(void);
/* A line per line of the message, "tlsmon: LEVEL: " or "<N>" first; control bytes escaped. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
