/* SPDX-License-Identifier: BSD-3-Clause */
/* Messages built piece by piece: a test's findings, a list as tshark prints it. */
#ifndef TLSMON_TEST_BUFCAT_H
#define TLSMON_TEST_BUFCAT_H

#include <stddef.h>

/* Append printf output to the string in buf (len bytes), cut to fit. */
void bufcat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
