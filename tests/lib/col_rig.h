/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For tests: a collector fed through the event pipe as live and offline
 * feed it (reassembly, then the collector), with one sink; and the header of
 * an event of the test connection 10.0.0.2:CPORT -> 10.0.0.1:443.
 */
#ifndef TLSMON_TEST_COL_RIG_H
#define TLSMON_TEST_COL_RIG_H

#include <stdint.h>
#include "model/collector.h"
#include "pipe/evpipe.h"

/* 0, or -1 when the collector, its sink or the pipe could not be made (all freed). */
int col_rig_open(struct collector **col, struct evpipe *pipe, const struct collector_opts *o,
		 const struct rec_sink *sink);
void col_rig_close(struct collector *col, struct evpipe *pipe);
void col_rig_hdr(struct tlsmon_ev_hdr *h, int type, int dir, uint16_t cport, uint64_t ts);
/* A parsed ClientHello offering TLS_AES_128_GCM_SHA256, with this SNI (shorter than TLSMON_SNI_MAX). */
void col_rig_hello(struct tls_client_hello *ch, const char *sni);

#endif
