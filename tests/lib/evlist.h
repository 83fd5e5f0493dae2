/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The events a datapath emits, collected in order: evlist_collect() is the
 * sink given to bpf_dp_open() and dp_user_new(), with the list as its ctx.
 * Each event is copied with the frame number the caller set in cur_frame.
 */
#ifndef TLSMON_TEST_EVLIST_H
#define TLSMON_TEST_EVLIST_H

#include <stddef.h>
#include <stdint.h>

struct evlist {
	uint8_t **ev;
	size_t *size;
	uint64_t *frame;
	size_t n, cap;
	size_t max;		/* 0: unbounded; else events past max set over */
	int over;
	int neutral;		/* zero what differs between kernel and userspace runs:
				 * the header's timestamp, interface and hook */
	int raw;		/* keep events as the datapath sent them; by
				 * default HELLO events are parsed as the pipe does it
				 * (ev_hello_parse) into CLIENT_HELLO, SERVER_HELLO or
				 * PARSE_ERROR, and an RST or FIN that ended its flow
				 * is split into it and its FLOW_END (ev_end_split) */
	uint64_t cur_frame;
};

int evlist_collect(void *ctx, const void *ev, size_t size);
/* Forget the events (and over); the settings and the storage stay. */
void evlist_clear(struct evlist *l);
void evlist_free(struct evlist *l);

#endif
