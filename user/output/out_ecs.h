/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Records in the vocabularies log pipelines index (--json-format): Elastic
 * Common Schema 8.x, nested, and OpenTelemetry semantic-convention
 * attributes, one flat object.  Both say the same facts as the native record
 * (out_json.c); what neither schema has a field for is kept under "tlsmon"
 * (ECS: one object; OTel: keys starting "tlsmon.").  Wire bytes are escaped
 * as natively; a schema field whose bytes are not valid UTF-8 gets its hex in
 * tlsmon.hex, keyed by the field's name, never a sibling of the field.
 */
#ifndef TLSMON_OUT_ECS_H
#define TLSMON_OUT_ECS_H

#include "model/record.h"
#include "output/jbuf.h"
#include "output/out_json.h"

/* The ECS release whose definitions the ecs records follow (ecs.version). */
#define OUT_ECS_VERSION "8.17.0"

enum json_format {
	JSON_FORMAT_NATIVE,
	JSON_FORMAT_ECS,
	JSON_FORMAT_OTEL,
};

/* "native", "ecs", "otel": the format, or -1. */
int out_ecs_format_parse(const char *s);
/* What writes a record, and --verify's own line, in the format. */
out_json_record_fn out_ecs_format_writer(enum json_format f);
out_json_verified_fn out_ecs_format_verified_writer(enum json_format f);

/* One record as an ECS document (no newline). */
void out_ecs_record(struct jbuf *b, const struct hs_record *r);
/* One record as flat OpenTelemetry attributes (no newline). */
void out_ecs_otel_record(struct jbuf *b, const struct hs_record *r);
/* --verify's line: the native {"verified": ...} under tlsmon, with when and where. */
void out_ecs_verified(struct jbuf *b, const struct verify_result *res);
void out_ecs_otel_verified(struct jbuf *b, const struct verify_result *res);

#endif
