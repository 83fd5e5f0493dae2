/* SPDX-License-Identifier: BSD-3-Clause */
/* Datapath events as JSON objects (tlsmon --events), one per event. */
#ifndef TLSMON_EV_JSON_H
#define TLSMON_EV_JSON_H

#include <stddef.h>
#include "output/jbuf.h"

/* Appends one JSON object; returns -1 when the event is malformed. */
int ev_json(struct jbuf *b, const void *ev, size_t size);

#endif
