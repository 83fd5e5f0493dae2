/* SPDX-License-Identifier: BSD-3-Clause */
/* Finding the captures of the external corpus (TLSMON_CORPUS). */
#ifndef TLSMON_TEST_CORPUS_H
#define TLSMON_TEST_CORPUS_H

#include <stddef.h>

/* The corpus directory: $TLSMON_CORPUS, else ../shared/corpus. */
const char *corpus_dir(void);

/*
 * Every capture under the corpus that has a tshark oracle
 * (<capture>.tshark.tsv), sorted; NULL-terminated, free with corpus_free().
 */
char **corpus_captures(size_t *n);
void corpus_free(char **v);

/* "<dir>/<rel>" in a static buffer. */
const char *corpus_path(const char *rel);

#endif
