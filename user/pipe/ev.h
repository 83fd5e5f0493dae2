/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datapath events as the pipe sees them: what takes them (one sink type for
 * every stage that hands events on), and whether one can be read at all.
 */
#ifndef TLSMON_EV_H
#define TLSMON_EV_H

#include <stddef.h>
#include <stdint.h>
#include "tlsmon_dp_types.h"
#include "tls_parse.h"

/*
 * Takes one event of size bytes, valid during the call.  The kernel's ring
 * buffer, the userspace datapath, the pipe and the reassembler all hand
 * events on through one; returns <0 when the event was lost.
 */
typedef int (*ev_sink)(void *ctx, const void *ev, size_t size);

/* Checks an event's header against its size: 0 when it can be read. */
int ev_check(const void *ev, size_t size);
/*
 * The FLOW_END (reason TLSMON_END_EXPIRED) of a flow a datapath's sweep
 * removed as idle, into e: it ends nothing the datapath would have said, so
 * reassembly and the collector let go of what they hold for the flow.
 */
void ev_flow_expired(struct tlsmon_ev_small *e, const struct tlsmon_flow_key *k,
		     const struct tlsmon_flow *f);
/* What a HELLO event's bytes become. */
union ev_parsed {
	struct tlsmon_ev_hdr h;
	struct tlsmon_ev_client_hello ch;
	struct tlsmon_ev_server_hello sh;
	struct tlsmon_ev_small sm;	/* PARSE_ERROR */
};

/*
 * A TCP_RST or TCP_FIN (ev_check()ed) that ended its flow too
 * (TLSMON_SF_ENDS), as the two events it stands for: the RST or FIN without
 * the flag into out[0], its FLOW_END into out[1].  0 (out untouched) when
 * ev is not such an event.
 */
int ev_end_split(const void *ev, struct tlsmon_ev_small out[2]);
/*
 * The collector's half of the datapath: parse a HELLO event (ev_check()ed)
 * with the shared parser into the CLIENT_HELLO or SERVER_HELLO the kernel
 * once made itself, or a PARSE_ERROR that says why not.  Returns the size of
 * the event in out.
 */
size_t ev_hello_parse(const struct tlsmon_ev_hello *e, union ev_parsed *out, struct tlsp_ws *ws);
/* "client_hello", ...; "unknown" for a type no datapath sends. */
const char *ev_type_name(int type);

#endif
