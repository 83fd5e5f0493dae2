// SPDX-License-Identifier: BSD-3-Clause
#include <string.h>
#include "col_rig.h"

int col_rig_open(struct collector **col, struct evpipe *pipe, const struct collector_opts *o,
		 const struct rec_sink *sink)
{
	*col = collector_new(o);
	if (!*col)
		return -1;
	if (collector_add_sink(*col, sink) || evpipe_init(pipe, collector_event, *col, 0)) {
		collector_free(*col);
		*col = NULL;
		return -1;
	}
	return 0;
}

void col_rig_close(struct collector *col, struct evpipe *pipe)
{
	evpipe_fini(pipe);
	collector_free(col);
}

void col_rig_hdr(struct tlsmon_ev_hdr *h, int type, int dir, uint16_t cport, uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->version = TLSMON_EVENT_VERSION;
	h->type = type;
	h->dir = dir;
	h->ts_ns = ts;
	h->family = 4;
	h->caddr[10] = h->caddr[11] = 0xff;
	h->caddr[12] = 10;
	h->caddr[15] = 2;
	h->saddr[10] = h->saddr[11] = 0xff;
	h->saddr[12] = 10;
	h->saddr[15] = 1;
	h->cport = cport;
	h->sport = 443;
}

void col_rig_hello(struct tls_client_hello *ch, const char *sni)
{
	ch->legacy_version = 0x0303;
	ch->n_ciphers = 1;
	ch->ciphers[0] = 0x1301;
	ch->flags = TLS_CHF_SNI;
	ch->sni_len = strlen(sni);
	memcpy(ch->sni, sni, ch->sni_len);
}
