/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small JSON writer into a growing buffer.  Every string goes through
 * json_str(), which escapes quotes, backslashes, control bytes and invalid
 * UTF-8 (as \u00XX of each byte), so wire bytes can never break the output.
 */
#ifndef TLSMON_JBUF_H
#define TLSMON_JBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jbuf {
	char *s;
	size_t len, cap;
	int need_comma;
	int oom;
};

void jbuf_init(struct jbuf *b);
void jbuf_free(struct jbuf *b);
void jbuf_reset(struct jbuf *b);
void jbuf_raw(struct jbuf *b, const char *s, size_t n);
void jbuf_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void jbuf_obj_open(struct jbuf *b);
void jbuf_obj_close(struct jbuf *b);
void jbuf_arr_open(struct jbuf *b);
void jbuf_arr_close(struct jbuf *b);
/* "key": then the value below; inside arrays pass key NULL. */
void jbuf_key(struct jbuf *b, const char *key);
void jbuf_str(struct jbuf *b, const char *key, const char *s);
void jbuf_strn(struct jbuf *b, const char *key, const void *s, size_t n);	/* bytes from the wire */
void jbuf_u64(struct jbuf *b, const char *key, uint64_t v);
void jbuf_i64(struct jbuf *b, const char *key, int64_t v);
void jbuf_dbl(struct jbuf *b, const char *key, double v);
void jbuf_bool(struct jbuf *b, const char *key, int v);
void jbuf_null(struct jbuf *b, const char *key);
void jbuf_hex16(struct jbuf *b, const char *key, uint16_t v);	/* "0x1301" */
/* n bytes as 2n lowercase hex digits and a NUL: out holds 2n + 1. */

/* Escape bytes into a JSON string body (no quotes); returns bytes written. */
#endif
