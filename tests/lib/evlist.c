// SPDX-License-Identifier: BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "tlsmon.h"
#include "evlist.h"
#include "pipe/ev.h"

static void add(struct evlist *l, const void *ev, size_t size)
{
	struct tlsmon_ev_hdr *h;

	if (l->max && l->n == l->max) {
		l->over = 1;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		uint8_t **ev2 = realloc(l->ev, cap * sizeof(*l->ev));
		size_t *size2;
		uint64_t *frame2;

		if (!ev2)
			abort();
		l->ev = ev2;
		size2 = realloc(l->size, cap * sizeof(*l->size));
		if (!size2)
			abort();
		l->size = size2;
		frame2 = realloc(l->frame, cap * sizeof(*l->frame));
		if (!frame2)
			abort();
		l->frame = frame2;
		l->cap = cap;
	}
	l->ev[l->n] = malloc(size);
	if (!l->ev[l->n])
		abort();
	memcpy(l->ev[l->n], ev, size);
	h = (struct tlsmon_ev_hdr *)l->ev[l->n];
	if (l->neutral && size >= sizeof(*h)) {
		h->ts_ns = 0;
		h->ifindex = 0;
		h->hook = 0;
	}
	l->size[l->n] = size;
	l->frame[l->n] = l->cur_frame;
	l->n++;
}

int evlist_collect(void *ctx, const void *ev, size_t size)
{
	struct evlist *l = ctx;
	const struct tlsmon_ev_hdr *h = ev;
	static union ev_parsed parsed;
	static struct tlsp_ws ws;
	struct tlsmon_ev_small two[2];

	if (!l->raw && !ev_check(ev, size)) {
		if (h->type == TLSMON_EV_HELLO) {
			size = ev_hello_parse(ev, &parsed, &ws);
			ev = &parsed;
		} else if (ev_end_split(ev, two)) {
			add(l, &two[0], sizeof(two[0]));
			ev = &two[1];
			size = sizeof(two[1]);
		}
	}
	add(l, ev, size);
	return 0;
}

void evlist_clear(struct evlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->ev[i]);
	l->n = 0;
	l->over = 0;
}

void evlist_free(struct evlist *l)
{
	evlist_clear(l);
	free(l->ev);
	free(l->size);
	free(l->frame);
	l->ev = NULL;
	l->size = NULL;
	l->frame = NULL;
	l->cap = 0;
}
