/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the outputs must keep whatever the wire held, for the fuzz harnesses
 * (header-only: the fuzz build links no test library).  Each returns NULL,
 * or what is wrong.
 *
 *  - a record's JSON line (out_json_record) and an event's (ev_json, the
 *    --events output) are one valid JSON object each (json_check.h);
 *  - a record's text line and its evidence in words (out_text_line,
 *    diag_explain: the terminal, syslog) are printable ASCII, NUL-terminated
 *    inside their buffer.
 */
#ifndef TLSMON_TEST_OUT_CHECK_H
#define TLSMON_TEST_OUT_CHECK_H

#include <stddef.h>
#include <string.h>
#include "model/diag.h"
#include "output/ev_json.h"
#include "json_check.h"
#include "output/out_ecs.h"
#include "output/out_json.h"
#include "output/out_text.h"

#define OC_TEXT_MAX 2048	/* out_text_record's line */

static inline const char *oc_json(const struct jbuf *b)
{
	if (b->oom)
		return "JSON buffer out of memory";
	if (!b->len || b->s[0] != '{')
		return "not a JSON object";
	return jc_check(b->s, b->len);
}

static inline const char *oc_json_record(struct jbuf *b, const struct hs_record *r)
{
	jbuf_reset(b);
	out_json_record(b, r);
	return oc_json(b);
}

/* The same record in another vocabulary (--json-format ecs, otel). */
static inline const char *oc_json_record_as(struct jbuf *b, out_json_record_fn fn,
					    const struct hs_record *r)
{
	jbuf_reset(b);
	fn(b, r);
	return oc_json(b);
}

/* An event ev_json() accepts is written as valid JSON. */
static inline const char *oc_json_event(struct jbuf *b, const void *ev, size_t size)
{
	jbuf_reset(b);
	if (ev_json(b, ev, size))
		return b->len ? "refused event left output behind" : NULL;
	return oc_json(b);
}

static inline const char *oc_printable(const char *s, size_t cap)
{
	const char *end = memchr(s, 0, cap);
	const char *p;

	if (!end)
		return "text not NUL-terminated in its buffer";
	for (p = s; p < end; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return "text holds a byte outside printable ASCII";
	return NULL;
}

static inline const char *oc_text_record(const struct hs_record *r)
{
	char line[OC_TEXT_MAX];
	const char *bad;

	memset(line, 0x5a, sizeof(line));
	out_text_line(r, line, sizeof(line));
	bad = oc_printable(line, sizeof(line));
	if (bad)
		return bad;
	memset(line, 0x5a, sizeof(line));
	diag_explain(r, line, sizeof(line), esc_term);
	return oc_printable(line, sizeof(line));
}

#endif
