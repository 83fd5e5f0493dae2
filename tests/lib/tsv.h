/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading the oracle files of the corpus: tab-separated, with a header row. */
#ifndef TLSMON_TEST_TSV_H
#define TLSMON_TEST_TSV_H

#include <stddef.h>

struct tsv {
	size_t ncols, nrows;
	char **cols;	/* header names */
	char ***rows;	/* rows[i][j], "" for a missing cell */
};

/*
 * Load path.  The header is the first line that is not a '#' comment, or
 * Zeek's "#fields" line.  Zeek's "-" and "(empty)" stay as they are.
 */
struct tsv *tsv_load(const char *path);
void tsv_free(struct tsv *t);
/* Column index of the first of the given names (a NULL-terminated list), or -1. */
int tsv_col(const struct tsv *t, ...);
const char *tsv_get(const struct tsv *t, size_t row, int col);

#endif
