/* SPDX-License-Identifier: BSD-3-Clause */
/* Finding the captures of the external corpus (TLSMON_CORPUS). */
#ifndef TLSMON_TEST_CORPUS_H
#define TLSMON_TEST_CORPUS_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * The TCP payload of frame FRAME (1-based) of the corpus capture REL: its
 * first TLS record (whole 0) or all of it (whole 1), copied into buf (cap
 * bytes).  Returns its length, or -1 with a message in err when the capture
 * cannot be read or that frame has no such payload that fits.
 */
long corpus_tcp_payload(const char *rel, uint64_t frame, int whole, uint8_t *buf, size_t cap,
			char *err, size_t errlen);

#endif
