/* SPDX-License-Identifier: BSD-3-Clause */
/* Run a capture through the whole pipeline (datapath, reassembly, collector) and keep the records. */
#ifndef TLSMON_TEST_REPLAY_H
#define TLSMON_TEST_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include "model/record.h"

/* A record and copies of what it points to. */
struct replay_rec {
	struct hs_record r;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	char json[8192];	/* out_json_record() of it */
};

struct replay {
	struct replay_rec *v;
	size_t n, cap;
};

/* 0, or -1 with a message in err. */
int replay_capture(const char *path, double handshake_timeout, struct replay *out, char *err,
		   size_t errlen);
/*
 * The same pipeline, each record handed to fn as it settles (its pointers,
 * fingerprints and certificates included, valid during the call).  0 or -1.
 */
int replay_capture_each(const char *path, double handshake_timeout,
			void (*fn)(void *ctx, const struct hs_record *r), void *ctx, char *err,
			size_t errlen);
/*
 * The same pipeline fed with the events a datapath made of a capture (l, each
 * with its frame number; frame_ts[no] the capture time of frame no, for
 * no < nframes): each event takes its frame's time, and the collector ticks
 * after every frame, as replay_capture() does, so the records of a datapath
 * that behaves as the userspace one equal replay_capture()'s.  0 or -1.
 */
struct evlist;
int replay_events(const struct evlist *l, const uint64_t *frame_ts, size_t nframes,
		  double handshake_timeout, struct replay *out);
void replay_free(struct replay *rp);
/* The record of a connection (addresses as text, either orientation), or NULL. */
struct replay_rec *replay_find(struct replay *rp, const char *a, unsigned ap, const char *b,
			       unsigned bp);

#endif
