/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON lines: one object per settled handshake (--json, --log FILE), each
 * written whole or not at all (lib/linefile.h).
 */
#ifndef TLSMON_OUT_JSON_H
#define TLSMON_OUT_JSON_H

#include <stddef.h>
#include "lib/linefile.h"
#include "output/jbuf.h"
#include "model/record.h"

struct out_json;

/* path NULL: standard output. */
struct out_json *out_json_open(const char *path, char *err, size_t errlen);
/* A rec_sink callback. */
void out_json_write(void *ctx, const struct hs_record *r);
/* Records kept to be written size bytes at a time (0: one write each); o may be NULL. */
int out_json_buffer(struct out_json *o, size_t size);
/* The kept records out now; o may be NULL. */
void out_json_flush(struct out_json *o);
/*
 * With a buffer: a thread writes the kept records from now on
 * (linefile_writer_start); out_json_hand_off() gives it what is kept
 * without waiting.  o may be NULL.
 */
int out_json_writer_start(struct out_json *o);
void out_json_hand_off(struct out_json *o);
/* Records written, and dropped because they could not be written whole. */
const struct linefile_stats *out_json_stats(const struct out_json *o);
/* SIGHUP: reopen the file (log rotation); -errno on failure, the old file kept. */
int out_json_reopen(struct out_json *o);
void out_json_close(struct out_json *o);
/* One record as a JSON object (no newline). */
void out_json_record(struct jbuf *b, const struct hs_record *r);
/* What writes a record's object: out_json_record, or another vocabulary's (out_ecs.h). */
typedef void (*out_json_record_fn)(struct jbuf *b, const struct hs_record *r);
void out_json_set_record(struct out_json *o, out_json_record_fn fn);
/* And what writes --verify's line: out_verify_json, or another vocabulary's. */
typedef void (*out_json_verified_fn)(struct jbuf *b, const struct verify_result *res);
void out_json_set_verified(struct out_json *o, out_json_verified_fn fn);
/*
 * Parts of the native record that other vocabularies carry as they are
 * (out_ecs.c, under "tlsmon"): a failure's evidence, the certificates
 * object (nothing when none was seen), one alert, and a hello that never
 * came whole; key: the name each is written under.
 */
void out_json_evidence(struct jbuf *b, const char *key, const struct hs_record *r);
void out_json_certificates(struct jbuf *b, const char *key, const struct hs_record *r);
/* The client's ALPN protocols as a JSON array of strings, escaped. */
void out_json_alpn_list(struct jbuf *b, const char *key, const struct tls_client_hello *ch);
void out_json_alert(struct jbuf *b, const char *key, const struct rec_alert *a);
void out_json_hello_incomplete(struct jbuf *b, const struct evidence *ev);
/* QUIC's facts (README, "quic"): version, connection IDs, Version Negotiation, Retry, close. */
struct tlsmon_ev_quic_info;
void out_json_quic(struct jbuf *b, const char *key, const struct tlsmon_ev_quic_info *q);
/* The local program (README, "local"): an object, or null when there is none. */
struct local_id;
void out_json_local(struct jbuf *b, const char *key, const struct local_id *l);
/* --verify: a verification's own line, {"verified": ...}. */
void out_json_verified(struct out_json *o, const struct verify_result *res);

#endif
