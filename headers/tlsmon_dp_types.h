/* SPDX-License-Identifier: BSD-3-Clause */
/* Datapath configuration and scratch space, needed by both environments. */
#ifndef TLSMON_DP_TYPES_H
#define TLSMON_DP_TYPES_H

#include "tlsmon.h"
#include "tls_parse.h"
#include "net_parse.h"

/* Largest record the datapath parses itself; bigger ones go to userspace. */
#define TLSMON_SCRATCH_LEN 4096u
#define TLSMON_MAX_RECORDS_PER_SEG 32
#define TLSMON_MAX_MSGS_PER_RECORD 16
#define TLSMON_BLOB_CHUNKS 32
#define TLSMON_MAX_PORTS 8

_Static_assert(TLSMON_SCRATCH_LEN <= TLSP_MAX_LEN, "scratch larger than the parser window");

struct tlsmon_dp_cfg {
	__u16 ports[TLSMON_MAX_PORTS];	/* only these TCP ports when n_ports > 0 */
	__u8 n_ports;
	__u8 appdata_max;		/* APPDATA events per side */
	__u8 decap;			/* look inside IP-in-IP, GTP-U, Geneve, VXLAN */
	__u8 pad;
	__u32 blob_budget;		/* reassembly bytes per side and flow */
	__u32 wake_bytes;		/* wake the reader only once this much waits in the
					 * ring buffer (0: at every event); it also reads
					 * whatever is there at every poll timeout */
};

/* 64 KiB per side: a ClientHello, and a server's flight with its certificates
 * even when the Certificate is fragmented over records */
#define TLSMON_DP_CFG_DEFAULT { .appdata_max = 8, .decap = 1, .blob_budget = 65536 }

struct tlsmon_scratch {
	__u8 buf[TLSMON_SCRATCH_LEN + TLSP_SLACK];
	struct tlsmon_ev_hdr hdr;	/* header of this packet's events */
	__u32 rec_seq;			/* the record in buf: where it starts */
	__u16 rec_version;
	__u16 rec_hdr_len;		/* 5, or 2 for SSLv2 */
	struct tlsp_ws ws;		/* parser workspace */
	__u32 pkt_seq;			/* this packet: payload sequence number, */
	__u32 pkt_plen;			/* length */
	__u32 pkt_poff;			/* and offset in the frame */
	__u16 hs_left;			/* dp_hs_record: in, bytes of a message begun in an
					 * earlier record; out, bytes of the last one to come */
	__u8 hs_want;			/* in and out: that message is one userspace wants */
	__u8 pad;
	struct tlsmon_flow newflow;	/* a flow being created */
	struct tlsmon_flow_key key;	/* this packet's flow */
	struct np_meta meta;		/* this packet's headers */
	__u8 pre[8];			/* its first payload bytes */
	struct tls_record rec;		/* the record being walked */
	__u8 rh[8];			/* its header bytes */
	__u8 tmp[8];
	union {
		struct tlsmon_ev_client_hello ch;
		struct tlsmon_ev_server_hello sh;
		struct tlsmon_ev_small sm;
		struct tlsmon_ev_non_tls nt;
		struct tlsmon_ev_blob blob;
	} ev;
};

#endif /* TLSMON_DP_TYPES_H */
