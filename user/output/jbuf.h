/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small JSON writer into a growing buffer.  Every string is escaped so
 * wire bytes can never break the output or act on whoever reads it: quotes,
 * backslashes, control bytes, C1 controls (U+0080-U+009F), bidirectional
 * controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069) and U+2028/9 as
 * \uXXXX; valid UTF-8 otherwise as is.  A byte that is not part of valid
 * UTF-8 is written \ufffd, and the key gets a sibling "KEY_hex" holding the
 * bytes in hex, so a value without "_hex" is exactly its wire bytes, and one
 * with it is read from there (0xff and "\u00ff" no longer look alike).
 */
#ifndef TLSMON_JBUF_H
#define TLSMON_JBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
void jbuf_keyn(struct jbuf *b, const char *key, size_t n);
/* inline: a literal key's length is known where it is written */
static inline void jbuf_key(struct jbuf *b, const char *key)
{
	jbuf_keyn(b, key, key ? strlen(key) : 0);
}
/*
 * The writers below take a key ("key": first; NULL inside arrays) and a
 * value.  Inline wrappers: a literal key's length is known where it is
 * written, so only the value's part is a call.
 */
#define JBUF_KN(key) ((key) ? strlen(key) : 0)

void jbuf_str_kn(struct jbuf *b, const char *key, size_t kn, const char *s);
/* s NUL-terminated (NULL: null), escaped as jbuf_strn() does. */
static inline void jbuf_str(struct jbuf *b, const char *key, const char *s)
{
	jbuf_str_kn(b, key, JBUF_KN(key), s);
}
void jbuf_strn_kn(struct jbuf *b, const char *key, size_t kn, const void *s, size_t n);
/* Bytes from the wire; not valid UTF-8 and key set: "KEY_hex" follows. */
static inline void jbuf_strn(struct jbuf *b, const char *key, const void *s, size_t n)
{
	jbuf_strn_kn(b, key, JBUF_KN(key), s, n);
}
void jbuf_strn_only_kn(struct jbuf *b, const char *key, size_t kn, const void *s, size_t n);
/*
 * Wire bytes, escaped as jbuf_strn() does, but no "KEY_hex" sibling: for a
 * schema that has no room for one, the caller keeps the hex elsewhere.
 */
static inline void jbuf_strn_only(struct jbuf *b, const char *key, const void *s, size_t n)
{
	jbuf_strn_only_kn(b, key, JBUF_KN(key), s, n);
}
struct jbuf_bytes {
	const void *p;
	size_t n;
};
void jbuf_strv_kn(struct jbuf *b, const char *key, size_t kn, const struct jbuf_bytes *v,
		  size_t n);
/* An array of wire strings; when any is not valid UTF-8, "KEY_hex": all of them in hex. */
static inline void jbuf_strv(struct jbuf *b, const char *key, const struct jbuf_bytes *v,
			     size_t n)
{
	jbuf_strv_kn(b, key, JBUF_KN(key), v, n);
}
/* 1 when s is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
int jbuf_utf8_ok(const void *s, size_t n);

/* The values alone, after jbuf_key(). */
void jbuf_val_hex(struct jbuf *b, const void *s, size_t n);
void jbuf_val_u64(struct jbuf *b, uint64_t v);
void jbuf_val_i64(struct jbuf *b, int64_t v);
void jbuf_val_dbl(struct jbuf *b, double v);
void jbuf_val_bool(struct jbuf *b, int v);
void jbuf_val_null(struct jbuf *b);
void jbuf_val_hex16(struct jbuf *b, uint16_t v);
void jbuf_val_ms_of_ns(struct jbuf *b, uint64_t ns);

/* n bytes as a string of 2n lowercase hex digits. */
static inline void jbuf_hex(struct jbuf *b, const char *key, const void *s, size_t n)
{
	jbuf_key(b, key);
	jbuf_val_hex(b, s, n);
}
static inline void jbuf_u64(struct jbuf *b, const char *key, uint64_t v)
{
	jbuf_key(b, key);
	jbuf_val_u64(b, v);
}
static inline void jbuf_i64(struct jbuf *b, const char *key, int64_t v)
{
	jbuf_key(b, key);
	jbuf_val_i64(b, v);
}
static inline void jbuf_dbl(struct jbuf *b, const char *key, double v)
{
	jbuf_key(b, key);
	jbuf_val_dbl(b, v);
}
static inline void jbuf_bool(struct jbuf *b, const char *key, int v)
{
	jbuf_key(b, key);
	jbuf_val_bool(b, v);
}
static inline void jbuf_null(struct jbuf *b, const char *key)
{
	jbuf_key(b, key);
	jbuf_val_null(b);
}
/* "0x1301" */
static inline void jbuf_hex16(struct jbuf *b, const char *key, uint16_t v)
{
	jbuf_key(b, key);
	jbuf_val_hex16(b, v);
}
/* ns as milliseconds, six decimals: what jbuf_dbl(ns / 1e6) writes, without printf. */
static inline void jbuf_ms_of_ns(struct jbuf *b, const char *key, uint64_t ns)
{
	jbuf_key(b, key);
	jbuf_val_ms_of_ns(b, ns);
}
#endif
