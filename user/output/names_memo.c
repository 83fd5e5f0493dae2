// SPDX-License-Identifier: BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "lib/str.h"
#include "output/names_memo.h"
#include "tls_proto.h"

/*
 * Direct mapped by a hash of (name function, GREASE flag, the values); a
 * hit compares all of it.  A table per thread, allocated on first use; an
 * entry's key and text in one allocation, made on a miss.
 */
#define SLOTS 64
#define LIST_MAX 256		/* longer lists are written directly */

struct entry {
	uint64_t hash;
	names_memo_fn name;
	int skip_grease;
	unsigned n;		/* values; the text follows them in mem */
	size_t text_len;
	__u16 *mem;		/* NULL: empty */
};

static __thread struct {
	struct entry *slot;
	int tried;
	struct jbuf tmp;
	struct names_memo_stats st;
} nm;

static void write_direct(struct jbuf *b, const __u16 *v, unsigned n, names_memo_fn name,
			 int skip_grease)
{
	char buf[40];
	unsigned i;

	jbuf_arr_open(b);
	for (i = 0; i < n; i++)
		if (!skip_grease || !TLS_IS_GREASE(v[i]))
			jbuf_str(b, NULL, name(v[i], buf, sizeof(buf)));
	jbuf_arr_close(b);
}

void names_memo_array(struct jbuf *b, const __u16 *v, unsigned n, unsigned max,
		      names_memo_fn name, int skip_grease)
{
	struct entry *e;
	uint64_t h;
	__u16 *m;

	if (n > max)
		n = max;
	if (!nm.tried) {
		nm.tried = 1;
		nm.slot = calloc(SLOTS, sizeof(*nm.slot));
	}
	if (!nm.slot || n > LIST_MAX) {
		write_direct(b, v, n, name, skip_grease);
		return;
	}
	h = str_hash64(v, (size_t)n * 2, (uintptr_t)name ^ (unsigned)skip_grease);
	e = &nm.slot[h % SLOTS];
	if (e->mem && e->hash == h && e->name == name && e->skip_grease == skip_grease &&
	    e->n == n && !memcmp(e->mem, v, (size_t)n * 2)) {
		nm.st.hits++;
		jbuf_raw(b, (const char *)(e->mem + n), e->text_len);
		b->need_comma = 1;	/* as after jbuf_arr_close() */
		return;
	}
	nm.st.misses++;
	/* written alone first, then kept and copied out */
	jbuf_reset(&nm.tmp);
	write_direct(&nm.tmp, v, n, name, skip_grease);
	if (nm.tmp.oom) {
		write_direct(b, v, n, name, skip_grease);
		return;
	}
	m = realloc(e->mem, (size_t)n * 2 + nm.tmp.len);
	if (!m) {
		free(e->mem);
		e->mem = NULL;
		write_direct(b, v, n, name, skip_grease);
		return;
	}
	memcpy(m, v, (size_t)n * 2);
	memcpy(m + n, nm.tmp.s, nm.tmp.len);
	e->mem = m;
	e->hash = h;
	e->name = name;
	e->skip_grease = skip_grease;
	e->n = n;
	e->text_len = nm.tmp.len;
	jbuf_raw(b, nm.tmp.s, nm.tmp.len);
	b->need_comma = 1;
}

const struct names_memo_stats *names_memo_stats(void)
{
	return &nm.st;
}

void names_memo_free(void)
{
	unsigned i;

	if (nm.slot)
		for (i = 0; i < SLOTS; i++)
			free(nm.slot[i].mem);
	free(nm.slot);
	nm.slot = NULL;
	nm.tried = 0;
	jbuf_free(&nm.tmp);
}
