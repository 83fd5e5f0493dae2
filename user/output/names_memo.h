/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A list of 16-bit code points as a JSON array of their names, written once
 * per distinct list: most records of a capture offer one of a few lists, and
 * naming thirty ciphers one string at a time was a large part of a record.
 */
#ifndef TLSMON_NAMES_MEMO_H
#define TLSMON_NAMES_MEMO_H

#include <stdint.h>
#include "output/jbuf.h"
#include "tlsmon.h"

/* A name for v: a constant, or written into buf (the lib/tls_names.h form). */
typedef const char *(*names_memo_fn)(uint16_t v, char *buf, size_t len);

/*
 * The value of a key just written: ["name", ...] for v[0..min(n, max)),
 * GREASE values left out when skip_grease; exactly what jbuf_str() of each
 * name inside jbuf_arr_open()/jbuf_arr_close() writes.
 */
void names_memo_array(struct jbuf *b, const __u16 *v, unsigned n, unsigned max,
		      names_memo_fn name, int skip_grease);

struct names_memo_stats {
	unsigned long long hits, misses;
};
/* The calling thread's memo: what it did so far, and freeing it. */
const struct names_memo_stats *names_memo_stats(void);
void names_memo_free(void);

#endif
