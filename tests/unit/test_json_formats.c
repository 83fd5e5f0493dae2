// SPDX-License-Identifier: BSD-3-Clause
/*
 * --json-format ecs and otel (user/output/out_ecs.c), over every record of
 * the corpus (replayed through the whole pipeline):
 *
 *  - every field of an ecs record is an ECS 8.17.0 field of the type ECS
 *    defines (the table below, from ECS 8.17.0's generated/csv/fields.csv),
 *    or sits under "tlsmon"; every key of an otel record is an attribute of
 *    OpenTelemetry semantic conventions v1.44.0 (model/{tls,server,client,
 *    network,error}/registry.yaml) of its type, the record's timestamp, or
 *    starts "tlsmon."; otel records are flat (no object outside tlsmon.*);
 *  - the same handshake says the same facts in native, ecs and otel: each
 *    fact is compared as the JSON text written, so escaping must agree too;
 *  - --verify's own line: the native result under tlsmon, in an envelope
 *    of schema fields (when, the server's address);
 *  - a hostile SNI (controls, bidirectional overrides, bytes that are not
 *    UTF-8) comes out escaped exactly as natively, and its hex goes to
 *    tlsmon.hex, never beside a schema field.
 *
 * A small JSON reader here flattens a record into paths ("tls.client.ja3")
 * with each value's JSON type and text.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "bufcat.h"
#include "corpus.h"
#include "replay.h"
#include "output/out_ecs.h"
#include "output/out_json.h"
#include "model/verify.h"

/* ---- a JSON reader that flattens ---- */

enum jt { J_STR, J_INT, J_NUM, J_BOOL, J_NULL, J_ARR, J_OBJ };

struct jent {
	char path[256];
	enum jt t;
	const char *raw;	/* the value's JSON text */
	size_t len;
	int in_array;		/* an element, or inside one */
	int elems_str;		/* J_ARR: every element a string */
	int top;		/* a key of the outermost object */
};

struct jdoc {
	struct jent *e;
	size_t n, cap;
	const char *p, *end;
	int bad;
};

static void jd_ws(struct jdoc *d)
{
	while (d->p < d->end && isspace((unsigned char)*d->p))
		d->p++;
}

static struct jent *jd_add(struct jdoc *d, const char *path, int in_array, int top)
{
	struct jent *e;

	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->e = realloc(d->e, d->cap * sizeof(*d->e));
		assert_non_null(d->e);
	}
	e = &d->e[d->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->in_array = in_array;
	e->top = top;
	return e;
}

static int jd_string(struct jdoc *d)
{
	if (d->p >= d->end || *d->p != '"')
		return -1;
	for (d->p++; d->p < d->end && *d->p != '"'; d->p++)
		if (*d->p == '\\')
			d->p++;
	if (d->p >= d->end)
		return -1;
	d->p++;
	return 0;
}

static int jd_value(struct jdoc *d, const char *path, int in_array, int top);

static int jd_object(struct jdoc *d, const char *path, int in_array)
{
	char sub[256], key[200];
	const char *k;

	d->p++;
	jd_ws(d);
	if (d->p < d->end && *d->p == '}') {
		d->p++;
		return 0;
	}
	for (;;) {
		jd_ws(d);
		k = d->p;
		if (jd_string(d))
			return -1;
		snprintf(key, sizeof(key), "%.*s", (int)(d->p - k - 2), k + 1);
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
		jd_ws(d);
		if (d->p >= d->end || *d->p++ != ':')
			return -1;
		if (jd_value(d, sub, in_array, !*path))
			return -1;
		jd_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		if (d->p < d->end && *d->p == '}') {
			d->p++;
			return 0;
		}
		return -1;
	}
}

static int jd_value(struct jdoc *d, const char *path, int in_array, int top)
{
	struct jent *e;
	size_t at;
	const char *s;
	char sub[300];
	int i = 0;

	jd_ws(d);
	if (d->p >= d->end)
		return -1;
	at = d->n;
	e = jd_add(d, path, in_array, top);
	s = d->p;
	switch (*d->p) {
	case '{':
		e->t = J_OBJ;
		if (jd_object(d, path, in_array))
			return -1;
		break;
	case '[':
		e->t = J_ARR;
		d->e[at].elems_str = 1;
		d->p++;
		jd_ws(d);
		if (d->p < d->end && *d->p == ']') {
			d->p++;
			break;
		}
		for (;; i++) {
			size_t el = d->n;

			snprintf(sub, sizeof(sub), "%s[%d]", path, i);
			if (jd_value(d, sub, 1, 0))
				return -1;
			if (d->e[el].t != J_STR)
				d->e[at].elems_str = 0;
			jd_ws(d);
			if (d->p < d->end && *d->p == ',') {
				d->p++;
				continue;
			}
			if (d->p < d->end && *d->p == ']') {
				d->p++;
				break;
			}
			return -1;
		}
		break;
	case '"':
		e->t = J_STR;
		if (jd_string(d))
			return -1;
		break;
	case 't':
	case 'f':
	case 'n':
		d->e[at].t = *d->p == 'n' ? J_NULL : J_BOOL;
		while (d->p < d->end && isalpha((unsigned char)*d->p))
			d->p++;
		break;
	default:
		d->e[at].t = J_INT;
		while (d->p < d->end && strchr("-+0123456789.eE", *d->p)) {
			if (strchr(".eE", *d->p))
				d->e[at].t = J_NUM;
			d->p++;
		}
		if (d->p == s)
			return -1;
	}
	d->e[at].raw = s;
	d->e[at].len = d->p - s;
	return 0;
}

static void jd_parse(struct jdoc *d, const char *s)
{
	memset(d, 0, sizeof(*d));
	d->p = s;
	d->end = s + strlen(s);
	d->bad = jd_value(d, "", 0, 0) || (jd_ws(d), d->p != d->end);
}

static void jd_free(struct jdoc *d)
{
	free(d->e);
}

static const struct jent *jd_get(const struct jdoc *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].path, path))
			return &d->e[i];
	return NULL;
}

/* ---- the schemas' definitions of the fields tlsmon writes ---- */

struct field {
	const char *name;
	const char *type;	/* as the schema names it */
	int array;		/* ECS "Normalization: array"; OTel string[] */
};

/* ECS 8.17.0, generated/csv/fields.csv: Field, Type (and Normalization "array"). */
static const struct field ecs_fields[] = {
	{ "@timestamp", "date" },
	{ "ecs.version", "keyword" },
	{ "event.kind", "keyword" },
	{ "event.category", "keyword", 1 },
	{ "event.type", "keyword", 1 },
	{ "event.action", "keyword" },
	{ "event.dataset", "keyword" },
	{ "event.module", "keyword" },
	{ "event.outcome", "keyword" },
	{ "event.duration", "long" },
	{ "source.ip", "ip" },
	{ "source.port", "long" },
	{ "destination.ip", "ip" },
	{ "destination.port", "long" },
	{ "destination.domain", "keyword" },
	{ "network.transport", "keyword" },
	{ "network.type", "keyword" },
	{ "network.protocol", "keyword" },
	{ "observer.ingress.interface.name", "keyword" },
	{ "error.type", "keyword" },
	{ "tls.version", "keyword" },
	{ "tls.version_protocol", "keyword" },
	{ "tls.cipher", "keyword" },
	{ "tls.curve", "keyword" },
	{ "tls.resumed", "boolean" },
	{ "tls.established", "boolean" },
	{ "tls.next_protocol", "keyword" },
	{ "tls.client.server_name", "keyword" },
	{ "tls.client.ja3", "keyword" },
	{ "tls.client.supported_ciphers", "keyword", 1 },
	{ "tls.client.subject", "keyword" },
	{ "tls.client.issuer", "keyword" },
	{ "tls.client.not_before", "date" },
	{ "tls.client.not_after", "date" },
	{ "tls.client.hash.sha256", "keyword" },
	{ "tls.client.hash.sha1", "keyword" },
	{ "tls.server.ja3s", "keyword" },
	{ "tls.server.subject", "keyword" },
	{ "tls.server.issuer", "keyword" },
	{ "tls.server.not_before", "date" },
	{ "tls.server.not_after", "date" },
	{ "tls.server.hash.sha256", "keyword" },
	{ "tls.server.hash.sha1", "keyword" },
};

/*
 * OpenTelemetry semantic conventions v1.44.0, model/<ns>/registry.yaml: id,
 * type.  "enum" is a type of members, their values strings.
 */
static const struct field otel_fields[] = {
	/* not an attribute: the log record's Timestamp, parsed by the collector */
	{ "timestamp", "timestamp" },
	{ "server.address", "string" },
	{ "server.port", "int" },
	{ "client.address", "string" },
	{ "client.port", "int" },
	{ "network.transport", "enum" },
	{ "network.type", "enum" },
	{ "network.interface.name", "string" },
	{ "error.type", "enum" },
	{ "tls.protocol.name", "enum" },
	{ "tls.protocol.version", "string" },
	{ "tls.cipher", "string" },
	{ "tls.curve", "string" },
	{ "tls.established", "boolean" },
	{ "tls.resumed", "boolean" },
	{ "tls.next_protocol", "string" },
	{ "tls.client.ja3", "string" },
	{ "tls.client.supported_ciphers", "string[]", 1 },
	{ "tls.client.subject", "string" },
	{ "tls.client.issuer", "string" },
	{ "tls.client.not_before", "string" },
	{ "tls.client.not_after", "string" },
	{ "tls.client.hash.sha256", "string" },
	{ "tls.client.hash.sha1", "string" },
	{ "tls.server.ja3s", "string" },
	{ "tls.server.subject", "string" },
	{ "tls.server.issuer", "string" },
	{ "tls.server.not_before", "string" },
	{ "tls.server.not_after", "string" },
	{ "tls.server.hash.sha256", "string" },
	{ "tls.server.hash.sha1", "string" },
};

static const struct field *field_find(const struct field *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

/* The string value without quotes (no escapes expected where this is used). */
static void unq(const struct jent *e, char *out, size_t len)
{
	snprintf(out, len, "%.*s", e->len >= 2 ? (int)e->len - 2 : 0, e->raw + 1);
}

/* ISO 8601 UTC as tlsmon writes it: seconds, a fraction, Z. */
static int is_date(const char *s)
{
	struct tm tm;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!p || *p++ != '.' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return !strcmp(p, "Z");
}

static int is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int upper_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
			return 0;
	return i == n;
}

/* A value against its definition's type; NULL or what is wrong. */
static const char *type_ok(const struct field *f, const struct jent *e)
{
	char v[512];

	if (f->array)
		return e->t == J_ARR && e->elems_str ? NULL : "not an array of strings";
	if (e->t == J_ARR)
		return "an array where the definition has one value";
	if (!strcmp(f->type, "long") || !strcmp(f->type, "int"))
		return e->t == J_INT && e->raw[0] != '-' ? NULL : "not a whole number";
	if (!strcmp(f->type, "boolean"))
		return e->t == J_BOOL ? NULL : "not a boolean";
	if (e->t != J_STR)
		return "not a string";
	unq(e, v, sizeof(v));
	if (!strcmp(f->type, "date") || !strcmp(f->type, "timestamp"))
		return is_date(v) ? NULL : "not an ISO 8601 date";
	if (!strcmp(f->type, "ip"))
		return is_ip(v) ? NULL : "not an IP address";
	/* ECS and OTel: hashes "formatted as an uppercase hash" */
	if (strstr(f->name, "hash.sha256"))
		return upper_hex(v, 64) ? NULL : "not 64 uppercase hex digits";
	if (strstr(f->name, "hash.sha1"))
		return upper_hex(v, 40) ? NULL : "not 40 uppercase hex digits";
	return NULL;
}

/* Allowed values the definitions list (ECS categorization, OTel enums). */
static const char *value_ok(const char *name, const struct jent *e)
{
	static const struct { const char *name, *allowed; } vals[] = {
		{ "event.kind", "|event|" },
		{ "event.outcome", "|success|failure|unknown|" },
		{ "event.category[", "|network|" },
		/* ECS 8.17.0 schemas/event.yml: expected_event_types of category network */
		{ "event.type[", "|access|allowed|connection|denied|end|info|protocol|start|" },
		/* ECS: the IANA name (QUIC: udp); OTel's enum has quic */
		{ "network.transport", "|tcp|udp|quic|" },
		{ "network.type", "|ipv4|ipv6|" },
		{ "tls.version_protocol", "|tls|ssl|" },
		{ "tls.protocol.name", "|tls|ssl|" },
		{ "tls.version", "|2|3|1.0|1.1|1.2|1.3|" },
		{ "tls.protocol.version", "|2|3|1.0|1.1|1.2|1.3|" },
	};
	char v[80], bar[84];
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		size_t k = strlen(vals[i].name);

		/* a name ending in '[' stands for every element of that array */
		if (vals[i].name[k - 1] == '[' ? strncmp(vals[i].name, name, k) : strcmp(vals[i].name, name))
			continue;
		unq(e, v, sizeof(v));
		snprintf(bar, sizeof(bar), "|%s|", v);
		return strstr(vals[i].allowed, bar) ? NULL : "a value the definition does not allow";
	}
	return NULL;
}

/*
 * Every field of doc against the table: ecs (nested, tlsmon.* free) or otel
 * (flat).  Problems appended to msg; returns how many.
 */
static int check_schema(const struct jdoc *d, int otel, char *msg, size_t len)
{
	const struct field *t = otel ? otel_fields : ecs_fields;
	size_t n = otel ? sizeof(otel_fields) / sizeof(otel_fields[0])
			: sizeof(ecs_fields) / sizeof(ecs_fields[0]);
	const struct field *f;
	const char *why;
	int bad = 0;
	size_t i;

	if (d->bad || !d->n || d->e[0].t != J_OBJ) {
		bufcat(msg, len, "  not one JSON object\n");
		return 1;
	}
	for (i = 1; i < d->n; i++) {
		const struct jent *e = &d->e[i];

		if (!strncmp(e->path, "tlsmon.", 7) || !strcmp(e->path, "tlsmon"))
			continue;
		if (strchr(e->path, '[')) {
			why = value_ok(e->path, e);
			if (why && (bad += 1))
				bufcat(msg, len, "  %s: %s\n", e->path, why);
			continue;
		}
		if (otel && !e->top) {
			bad++;
			bufcat(msg, len, "  %s: inside an object (otel records are flat)\n",
			       e->path);
			continue;
		}
		if (e->t == J_OBJ && !otel)
			continue;
		f = field_find(t, n, e->path);
		why = !f ? "no such field in the schema" : type_ok(f, e);
		if (!why)
			why = value_ok(e->path, e);
		if (why) {
			bad++;
			bufcat(msg, len, "  %s: %s (%.*s)\n", e->path, why, (int)(e->len > 60 ? 60 : e->len),
			       e->raw);
		}
	}
	return bad;
}

/* ---- the same facts in the three formats ---- */

struct ctx {
	const char *capture;
	size_t records, failed, sni_checked;
	char msg[8192];
};

static void mismatch(struct ctx *c, const struct hs_record *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->failed++;
	bufcat(c->msg, sizeof(c->msg), "  %s record %llu: %s\n", c->capture,
	       (unsigned long long)r->id, line);
}

static int same_raw(const struct jent *a, const struct jent *b)
{
	if (!a || !b)
		return !a && !b;
	return a->len == b->len && !memcmp(a->raw, b->raw, a->len);
}

/* The value at path pa in a equals (as JSON text) the one at pb in b; a null in a: pb absent. */
static void same(struct ctx *c, const struct hs_record *r, const struct jdoc *a, const char *pa,
		 const struct jdoc *b, const char *pb)
{
	const struct jent *x = jd_get(a, pa), *y = jd_get(b, pb);

	if (x && x->t == J_NULL)
		x = NULL;
	if (!same_raw(x, y))
		mismatch(c, r, "%s %.*s, %s %.*s", pa, x ? (int)x->len : 6, x ? x->raw : "absent",
			 pb, y ? (int)y->len : 6, y ? y->raw : "absent");
}

static void same_str(struct ctx *c, const struct hs_record *r, const struct jdoc *b,
		     const char *path, const char *want)
{
	const struct jent *y = jd_get(b, path);
	char v[512] = "";

	if (y)
		unq(y, v, sizeof(v));
	if (!want ? !!y : (!y || strcmp(v, want)))
		mismatch(c, r, "%s: want %s, got %s", path, want ? want : "absent", y ? v : "absent");
}

static void same_bool(struct ctx *c, const struct hs_record *r, const struct jdoc *b,
		      const char *path, int want)
{
	const struct jent *y = jd_get(b, path);

	if (!y || y->t != J_BOOL || (y->raw[0] == 't') != !!want)
		mismatch(c, r, "%s: want %s", path, want ? "true" : "false");
}

static void write_fmt(struct jbuf *b, out_json_record_fn fn, const struct hs_record *r)
{
	jbuf_init(b);
	fn(b, r);
	jbuf_raw(b, "", 1);
	assert_false(b->oom);
}

/* "TLSv1.3" -> "tls" "1.3"; "SSLv3" -> "ssl" "3"; NULL for names with no number (drafts). */
static int split_version(const char *native, char *name, char *ver)
{
	const char *v = strchr(native, 'v');
	size_t i;

	if (!v || strchr(v, '-') || (strncmp(native, "TLS", 3) && strncmp(native, "SSL", 3)))
		return 0;
	for (i = 0; native + i < v; i++)
		name[i] = tolower((unsigned char)native[i]);
	name[i] = 0;
	strcpy(ver, v + 1);
	return 1;
}

static void facts(struct ctx *c, const struct hs_record *r, const struct jdoc *n,
		  const struct jdoc *e, const struct jdoc *o)
{
	const struct jent *x, *y;
	char v[80], pname[16], pver[16];

	same(c, r, n, "ts", e, "@timestamp");
	same(c, r, n, "ts", o, "timestamp");
	same(c, r, n, "id", e, "tlsmon.id");
	same(c, r, n, "id", o, "tlsmon.id");
	same(c, r, n, "interface", e, "observer.ingress.interface.name");
	same(c, r, n, "interface", o, "network.interface.name");
	same(c, r, n, "client", e, "source.ip");
	same(c, r, n, "client", o, "client.address");
	same(c, r, n, "client_port", e, "source.port");
	same(c, r, n, "client_port", o, "client.port");
	same(c, r, n, "server", e, "destination.ip");
	same(c, r, n, "server", o, "tlsmon.server.ip");
	same(c, r, n, "server_port", e, "destination.port");
	same(c, r, n, "server_port", o, "server.port");
	/* the SNI: the name asked for; OTel's server.address falls back to the address */
	same(c, r, n, "sni", e, "destination.domain");
	same(c, r, n, "sni", e, "tls.client.server_name");
	x = jd_get(n, "sni");
	same(c, r, n, x && x->t != J_NULL ? "sni" : "server", o, "server.address");
	same(c, r, n, "cipher", e, "tls.cipher");
	same(c, r, n, "cipher", o, "tls.cipher");
	same(c, r, n, "group", e, "tls.curve");
	same(c, r, n, "group", o, "tls.curve");
	same(c, r, n, "alpn", e, "tls.next_protocol");
	same(c, r, n, "alpn", o, "tls.next_protocol");
	same(c, r, n, "resumed", e, "tls.resumed");
	same(c, r, n, "resumed", o, "tls.resumed");
	same(c, r, n, "ja3", e, "tls.client.ja3");
	same(c, r, n, "ja3", o, "tls.client.ja3");
	same(c, r, n, "ja3s", e, "tls.server.ja3s");
	same(c, r, n, "ja3s", o, "tls.server.ja3s");
	same(c, r, n, "ja4", e, "tlsmon.ja4");
	same(c, r, n, "ja4", o, "tlsmon.ja4");
	same(c, r, n, "ja4_retry", e, "tlsmon.ja4_retry");
	same(c, r, n, "ja4_r_retry", o, "tlsmon.ja4_r_retry");
	same(c, r, n, "client_hello_cut", e, "tlsmon.client_hello_cut");
	same(c, r, n, "client_hello_cut", o, "tlsmon.client_hello_cut");
	same(c, r, n, "alpn_offered", e, "tlsmon.alpn_offered");
	same(c, r, n, "alpn_offered_count", o, "tlsmon.alpn_offered_count");
	same(c, r, n, "versions_offered", e, "tlsmon.versions_offered");
	same(c, r, n, "ciphers_offered", e, "tls.client.supported_ciphers");
	same(c, r, n, "ciphers_offered", o, "tls.client.supported_ciphers");
	same(c, r, n, "reason", e, "error.type");
	same(c, r, n, "reason", o, "error.type");
	same(c, r, n, "evidence", e, "tlsmon.evidence");
	same(c, r, n, "evidence", o, "tlsmon.evidence");
	same(c, r, n, "certificates", e, "tlsmon.certificates");
	same(c, r, n, "certificates", o, "tlsmon.certificates");
	same(c, r, n, "alerts", e, "tlsmon.alerts");
	same(c, r, n, "history", o, "tlsmon.history");
	same(c, r, n, "kind", e, "tlsmon.kind");
	same(c, r, n, "mutual_tls", o, "tlsmon.mutual_tls");
	same(c, r, n, "latency_ms.server_hello", e, "tlsmon.latency_ms.server_hello");
	same(c, r, n, "latency_ms.server_hello", o, "tlsmon.latency_ms.server_hello");

	/* outcome: established, failed or unknown */
	x = jd_get(n, "outcome");
	assert_non_null(x);
	unq(x, v, sizeof(v));
	same_bool(c, r, e, "tls.established", !strcmp(v, "established"));
	same_bool(c, r, o, "tls.established", !strcmp(v, "established"));
	same_str(c, r, e, "event.outcome", !strcmp(v, "established") ? "success"
					  : !strcmp(v, "failed") ? "failure" : "unknown");
	same(c, r, n, "outcome", o, "tlsmon.outcome");

	/* the version: "TLSv1.3" is tls + "1.3" */
	x = jd_get(n, "version");
	if (x && x->t == J_STR) {
		unq(x, v, sizeof(v));
		if (split_version(v, pname, pver)) {
			same_str(c, r, e, "tls.version_protocol", pname);
			same_str(c, r, e, "tls.version", pver);
			same_str(c, r, o, "tls.protocol.name", pname);
			same_str(c, r, o, "tls.protocol.version", pver);
		} else {
			same(c, r, n, "version", e, "tlsmon.version");
			same(c, r, n, "version", o, "tlsmon.version");
		}
	} else {
		same_str(c, r, e, "tls.version", NULL);
		same_str(c, r, o, "tls.protocol.version", NULL);
	}

	/* the duration: the native settled latency (ms, 3 decimals), in ns */
	x = jd_get(n, "latency_ms.settled");
	y = jd_get(e, "event.duration");
	if (!x != !y || (x && fabs(strtod(x->raw, NULL) * 1e6 - strtod(y->raw, NULL)) > 1000))
		mismatch(c, r, "latency_ms.settled %.*s, event.duration %.*s", x ? (int)x->len : 1,
			 x ? x->raw : "-", y ? (int)y->len : 1, y ? y->raw : "-");
	same(c, r, e, "event.duration", o, "tlsmon.duration_ns");

	/* the server's leaf certificate: the native sha256 in uppercase */
	x = jd_get(n, "certificates.server.chain[0].sha256");
	y = jd_get(e, "tls.server.hash.sha256");
	if (x && r->certs[SIDE_SERVER] && r->certs[SIDE_SERVER]->leaf) {
		char up[80];
		size_t i;

		unq(x, up, sizeof(up));
		for (i = 0; up[i]; i++)
			up[i] = toupper((unsigned char)up[i]);
		same_str(c, r, e, "tls.server.hash.sha256", up);
		same_str(c, r, o, "tls.server.hash.sha256", up);
		same(c, r, n, "certificates.server.chain[0].subject", e, "tls.server.subject");
		same(c, r, n, "certificates.server.chain[0].issuer", o, "tls.server.issuer");
	} else if (y) {
		mismatch(c, r, "tls.server.hash.sha256 without a leaf certificate");
	}
}

/* Every _hex key outside tlsmon: a schema field with a sibling the schema does not have. */
static void no_hex_siblings(struct ctx *c, const struct hs_record *r, const struct jdoc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strncmp(d->e[i].path, "tlsmon", 6) && strstr(d->e[i].path, "_hex"))
			mismatch(c, r, "%s outside tlsmon", d->e[i].path);
}

static void check_three(struct ctx *c, const struct hs_record *r)
{
	struct jbuf bn, be, bo;
	struct jdoc n, e, o;
	char msg[2048] = "";

	write_fmt(&bn, out_json_record, r);
	write_fmt(&be, out_ecs_record, r);
	write_fmt(&bo, out_ecs_otel_record, r);
	jd_parse(&n, bn.s);
	jd_parse(&e, be.s);
	jd_parse(&o, bo.s);
	assert_false(n.bad);
	if (check_schema(&e, 0, msg, sizeof(msg)))
		mismatch(c, r, "ecs:\n%s", msg);
	msg[0] = 0;
	if (check_schema(&o, 1, msg, sizeof(msg)))
		mismatch(c, r, "otel:\n%s", msg);
	if (!e.bad && !o.bad) {
		facts(c, r, &n, &e, &o);
		no_hex_siblings(c, r, &e);
		no_hex_siblings(c, r, &o);
		/* a name that is not UTF-8: its bytes in hex, as native's sni_hex */
		if (jd_get(&n, "sni_hex")) {
			same(c, r, &n, "sni_hex", &e, "tlsmon.hex.tls.client.server_name");
			same(c, r, &n, "sni_hex", &e, "tlsmon.hex.destination.domain");
			same(c, r, &n, "sni_hex", &o, "tlsmon.hex.server.address");
		}
	}
	jd_free(&n);
	jd_free(&e);
	jd_free(&o);
	jbuf_free(&bn);
	jbuf_free(&be);
	jbuf_free(&bo);
}

/* Names a client could send (output/jbuf.h's list of what must be escaped). */
#define NAME(s) { s, sizeof(s) - 1 }
static const struct { const char *s; size_t n; } hostile[] = {
	NAME("q\"uote\\back"), NAME("nl\nFAIL"), NAME("c1\xc2\x85nel"), NAME("rlo\xe2\x80\xaegnp.exe"),
	NAME("ls\xe2\x80\xa8ps\xe2\x80\xa9"), NAME("\xff"), NAME("a\xff" "b\xc3\xbf"),
	NAME("\xed\xa0\x80"), NAME("nul\x00z"),
};

static void each(void *ctx, const struct hs_record *r)
{
	struct ctx *c = ctx;
	struct tls_client_hello *ch;
	struct hs_record h;
	size_t i;

	c->records++;
	check_three(c, r);
	if (!r->ch || !(r->ch->flags & TLS_CHF_SNI) || (r->ch->flags & TLS_CHF_SNI_NOT_HOST))
		return;
	/* the same handshake with a hostile name: escaped alike in all three */
	ch = malloc(sizeof(*ch));
	assert_non_null(ch);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		*ch = *r->ch;
		h = *r;
		h.ch = ch;
		memcpy(ch->sni, hostile[i].s, hostile[i].n);
		ch->sni_len = hostile[i].n;
		ch->flags &= ~TLS_CHF_TRUNC_SNI;
		check_three(c, &h);
		c->sni_checked++;
	}
	free(ch);
}

static void test_corpus(void **state)
{
	struct ctx c = { 0 };
	char **caps, err[512];
	size_t n, i;

	(void)state;
	caps = corpus_captures(&n);
	if (!caps || !n) {
		corpus_free(caps);
		fail_msg("no captures under %s (set TLSMON_CORPUS)", corpus_dir());
	}
	for (i = 0; i < n; i++) {
		c.capture = caps[i] + strlen(corpus_dir()) + 1;
		if (replay_capture_each(caps[i], 10, each, &c, err, sizeof(err)))
			fail_msg("%s: %s", caps[i], err);
	}
	printf("# %zu captures, %zu records in three formats, %zu with hostile names\n", n,
	       c.records, c.sni_checked);
	corpus_free(caps);
	assert_true(c.records > 100);
	if (c.failed)
		fail_msg("%zu mismatches:\n%s", c.failed, c.msg);
}

/* The checks themselves: a field of the wrong type or not in the schema is caught. */
static void test_checker_catches(void **state)
{
	static const struct { int otel; const char *doc; } bad[] = {
		{ 0, "{\"source\":{\"port\":\"443\"}}" },
		{ 0, "{\"source\":{\"ip\":\"not-an-ip\"}}" },
		{ 0, "{\"tls\":{\"sni\":\"a\"}}" },
		{ 0, "{\"tls\":{\"client\":{\"server_name_hex\":\"ff\"}}}" },
		{ 0, "{\"tls\":{\"server\":{\"hash\":{\"sha256\":\"ab\"}}}}" },
		{ 0, "{\"event\":{\"category\":\"network\"}}" },
		{ 0, "{\"event\":{\"category\":[\"network\"],\"type\":[\"protocol\",\"tls\"]}}" },
		{ 0, "{\"tls\":{\"version\":\"TLSv1.3\"}}" },
		{ 0, "{\"@timestamp\":\"yesterday\"}" },
		{ 0, "{\"tls\":{\"established\":\"true\"}}" },
		{ 1, "{\"tls\":{\"cipher\":\"x\"}}" },
		{ 1, "{\"server.port\":443.5}" },
		{ 1, "{\"tls.client.server_name\":\"a\"}" },
		{ 1, "{\"tls.protocol.name\":\"TLS\"}" },
	};
	static const struct { int otel; const char *doc; } good[] = {
		{ 0, "{\"source\":{\"port\":443},\"tlsmon\":{\"x\":{\"y\":1}}}" },
		{ 1, "{\"server.port\":443,\"tlsmon.x\":{\"y\":[1]}}" },
	};
	char msg[1024];
	struct jdoc d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = 0;
		jd_parse(&d, bad[i].doc);
		if (!check_schema(&d, bad[i].otel, msg, sizeof(msg)))
			fail_msg("accepted %s", bad[i].doc);
		jd_free(&d);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		msg[0] = 0;
		jd_parse(&d, good[i].doc);
		if (check_schema(&d, good[i].otel, msg, sizeof(msg)))
			fail_msg("refused %s:\n%s", good[i].doc, msg);
		jd_free(&d);
	}
}

/* --verify's own line: in ecs and otel, the native result under tlsmon, the envelope in schema. */
static void test_verified_lines(void **state)
{
	static const char hostile_sni[] = "x\"\\\x1b[31m\n\xff\x01.test";
	struct verify_result res;
	struct jbuf bn, be, bo;
	struct jdoc n, e, o;
	char msg[2048] = "";
	char *s;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.t.family = AF_INET;
	res.t.addr[10] = res.t.addr[11] = 0xff;
	res.t.addr[12] = 10;
	res.t.addr[15] = 7;
	res.t.port = 443;
	strcpy(res.t.sni, hostile_sni);
	strcpy(res.t.reason_label, "no_shared_cipher");
	res.cause = REASON_NO_SHARED_CIPHER;
	res.start_ns = 1700000000000000000ull;
	res.end_ns = res.start_ns + 250000000;
	jbuf_init(&bn);
	jbuf_init(&be);
	jbuf_init(&bo);
	out_ecs_format_verified_writer(JSON_FORMAT_NATIVE)(&bn, &res);
	out_ecs_format_verified_writer(JSON_FORMAT_ECS)(&be, &res);
	out_ecs_format_verified_writer(JSON_FORMAT_OTEL)(&bo, &res);
	jbuf_raw(&bn, "", 1);
	jbuf_raw(&be, "", 1);
	jbuf_raw(&bo, "", 1);
	jd_parse(&n, bn.s);
	jd_parse(&e, be.s);
	jd_parse(&o, bo.s);
	assert_false(n.bad);
	if (check_schema(&e, 0, msg, sizeof(msg)) + check_schema(&o, 1, msg, sizeof(msg)))
		fail_msg("%s\n%s\n%s", be.s, bo.s, msg);
	assert_true(same_raw(jd_get(&n, "verified"), jd_get(&e, "tlsmon.verified")));
	assert_true(same_raw(jd_get(&n, "verified"), jd_get(&o, "tlsmon.verified")));
	assert_true(same_raw(jd_get(&n, "verified.sni_hex"), jd_get(&e, "tlsmon.verified.sni_hex")));
	assert_true(same_raw(jd_get(&e, "destination.ip"), jd_get(&o, "server.address")));
	s = strstr(be.s, "\"destination\":{\"ip\":\"10.0.0.7\",\"port\":443}");
	assert_non_null(s);
	assert_non_null(strstr(be.s, "\"@timestamp\":\"2023-11-14T22:13:20.250000Z\""));
	assert_non_null(strstr(be.s, "\"duration\":250000000"));
	assert_null(jd_get(&o, "verified"));
	jd_free(&n);
	jd_free(&e);
	jd_free(&o);
	jbuf_free(&bn);
	jbuf_free(&be);
	jbuf_free(&bo);
}

static void test_format_names(void **state)
{
	(void)state;
	assert_int_equal(out_ecs_format_parse("native"), JSON_FORMAT_NATIVE);
	assert_int_equal(out_ecs_format_parse("ecs"), JSON_FORMAT_ECS);
	assert_int_equal(out_ecs_format_parse("otel"), JSON_FORMAT_OTEL);
	assert_int_equal(out_ecs_format_parse("ECS"), -1);
	assert_int_equal(out_ecs_format_parse(""), -1);
	assert_ptr_equal(out_ecs_format_writer(JSON_FORMAT_NATIVE), out_json_record);
	assert_ptr_equal(out_ecs_format_writer(JSON_FORMAT_ECS), out_ecs_record);
	assert_ptr_equal(out_ecs_format_writer(JSON_FORMAT_OTEL), out_ecs_otel_record);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_checker_catches),
		cmocka_unit_test(test_verified_lines),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
