/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath's own types, for both environments and for the loader that
 * reads its maps (user/source/bpf_dp.c): the frame a hook hands over, flow
 * state, configuration and scratch space.
 */
#ifndef TLSMON_DP_TYPES_H
#define TLSMON_DP_TYPES_H

#include "tlsmon.h"
#include "tlsmon_counters.h"
#include "tls_record.h"
#include "net_parse.h"

/*
 * Largest handshake record the datapath walks itself (its messages reported,
 * its hellos shipped whole); bigger ones go to userspace reassembly.
 */
#define TLSMON_HS_RECORD_MAX 4096u
#define TLSMON_MAX_RECORDS_PER_SEG 32
#define TLSMON_MAX_MSGS_PER_RECORD 16
#define TLSMON_BLOB_CHUNKS 32
#define TLSMON_MAX_PORTS 8

_Static_assert(TLSMON_HS_RECORD_MAX - TLS_RECORD_HDR_LEN <= TLSMON_HELLO_MAX,
	       "a hello of a walked record fits a HELLO event");

/* A frame, as a hook hands it to dp_handle(). */
struct dp_pkt {
	void *ctx;		/* BPF: the program's context, for the helpers */
	const void *data;	/* the frame's linear part */
	const void *data_end;
	__u32 ifindex;
	__u8 hook;		/* enum tlsmon_hook */
};

/* Flow tracking.  The key is the same whichever way a packet goes. */
struct tlsmon_flow_key {
	__u8 a[16];
	__u8 b[16];
	__u16 pa;
	__u16 pb;
	__u8 family;
	__u8 pad[3];
} __attribute__((aligned(8)));	/* compared 8 bytes at a time (dp_key_eq) */
_Static_assert(sizeof(struct tlsmon_flow_key) == 40, "tlsmon_flow_key layout");

#define TLSMON_DS_SYNCED (1u << 0)	/* next_seq is known */
#define TLSMON_DS_ENCRYPTED (1u << 1)	/* ChangeCipherSpec sent: records are ciphertext */
#define TLSMON_DS_BLOB (1u << 2)	/* shipping bytes up to blob_end for reassembly */
#define TLSMON_DS_BUDGET (1u << 3)	/* reassembly budget exhausted */
#define TLSMON_DS_LOST (1u << 4)	/* record boundary lost */
#define TLSMON_DS_SEEN (1u << 5)	/* a record was seen from this side */
#define TLSMON_DS_BLOB_CERT (1u << 6)	/* the reassembly window is TLSMON_BLOB_CERT */
#define TLSMON_DS_HS_WANT (1u << 7)	/* the message going on (hs_left) is one userspace wants */

struct tlsmon_dir_state {
	__u32 next_seq;		/* sequence number of the next record header */
	__u32 blob_start;	/* reassembly window [blob_start, blob_end) */
	__u32 blob_end;
	__u32 blob_bytes;	/* bytes shipped so far */
	__u32 blob_next;	/* [blob_start, blob_next) shipped without a gap */
	__u8 flags;		/* TLSMON_DS_* */
	__u8 app_records;	/* application-data records seen (saturates) */
	__u8 ttl;		/* TTL of the first packet seen from this side */
	__u8 part_n;		/* bytes of a record header cut by a segment end */
	__u8 part[4];
	__u16 ip_id;		/* IP ID of the latest packet from this side */
	__u16 hs_left;		/* bytes of a handshake message that go on in the next
				 * record (a message fragmented over records) */
	/*
	 * Sequence space skipped when the walk found a record boundary again
	 * after a gap: [hole_start, hole_end), hole_start its next record
	 * boundary.  A retransmission that fills it is walked up to hole_end.
	 * Empty when equal.
	 */
	__u32 hole_start;
	__u32 hole_end;
};

#define TLSMON_FS_CH_SEEN (1u << 0)
#define TLSMON_FS_SH_SEEN (1u << 1)
#define TLSMON_FS_TLS13 (1u << 2)
#define TLSMON_FS_HRR (1u << 3)

struct tlsmon_flow {
	__u64 created_ns;
	__u64 last_ns;
	__u8 client_is_a;	/* the client is key.a */
	__u8 state;		/* TLSMON_FS_* */
	__u8 s2c_after_c2s;	/* server records after the client's first ciphertext */
	__u8 pkts;		/* --pcap-dir: frames sent (dp_pkt.h), saturates */
	__u32 hint;		/* hint slot this flow holds a reference on */
	struct tlsmon_peer_info peer;
	struct tlsmon_dir_state d[2];
};
_Static_assert(sizeof(struct tlsmon_flow) == 112, "tlsmon_flow layout");

/*
 * The flow table: an array of sets of TLSMON_FLOW_WAYS slots, the set chosen
 * by the flow's hash (dp_flow.h).  A slot is free while its tag is 0, being
 * written while it is TLSMON_TAG_BUSY; a flow's tag holds its hash (high
 * half, checked before the key) and an odd instance number, so that ending a flow (an atomic compare-and-swap of the
 * tag to 0) ends only the flow that was looked up.  A new flow in a full
 * set takes the slot of the set's least recently active flow, counted.
 * Userspace maps the array to sweep idle flows (user/source/bpf_dp.c).
 */
#define TLSMON_FLOW_WAYS 4
#define TLSMON_TAG_BUSY 1ull	/* a flow is being written into the slot */

struct tlsmon_flow_slot {
	__u64 tag;
	struct tlsmon_flow_key key;
	struct tlsmon_flow flow;
};
_Static_assert(sizeof(struct tlsmon_flow_slot) == 160, "tlsmon_flow_slot layout");

/* SYN-ACKs are remembered per hash slot, before any flow exists. */
struct tlsmon_synack {
	__u32 tag;
	__u8 ttl;
	__u8 pad;
	__u16 ip_id;
};

/*
 * QUIC: long-header datagrams sent per connection (by addresses and ports,
 * which a connection's Initials share), counted in a direct-mapped array;
 * a slot idle past TLSMON_QUIC_IDLE_NS starts over.
 */
struct tlsmon_quic_slot {
	__u64 last_ns;
	__u32 tag;		/* the 4-tuple's hash | 1; 0: free */
	__u8 n;			/* datagrams sent */
	__u8 pad[3];
};
#define TLSMON_QUIC_SLOTS (1u << 12)
#define TLSMON_QUIC_PER_CONN 8
#define TLSMON_QUIC_IDLE_NS (30ull * 1000000000ull)

/* What the pre-filter (dp_prefilter.h) says of a frame. */
#define DP_PRE_FULL 0		/* the full path */
#define DP_PRE_DONE 1		/* nothing more to do */
#define DP_PRE_QUIC 2		/* a QUIC long-header datagram: dp_quic() */

#define TLSMON_HINT_SLOTS (1u << 16)
#define TLSMON_SYNACK_SLOTS (1u << 14)

struct tlsmon_dp_cfg {
	__u16 ports[TLSMON_MAX_PORTS];	/* only these TCP ports when n_ports > 0 */
	__u8 n_ports;
	__u8 appdata_max;		/* APPDATA events per side */
	__u8 decap;			/* look inside IP-in-IP, GTP-U, Geneve, VXLAN */
	__u8 pkt_max;			/* --pcap-dir: frames sent per flow; 0: none (dp_pkt.h) */
	__u32 blob_budget;		/* reassembly bytes per side and flow */
	__u32 wake_bytes;		/* wake the reader only once this much waits in the
					 * ring buffer (0: at every event); it also reads
					 * whatever is there at every poll timeout */
	__u32 flow_set_mask;		/* sets in the flow table, less one (a power of
					 * two less one); set by the loader */
	__u32 pkt_snap;			/* --pcap-dir: payload bytes of a frame sent */
	__u32 pad2;
};
_Static_assert(sizeof(struct tlsmon_dp_cfg) == 40, "tlsmon_dp_cfg layout (BPF rodata)");

/* The flow table's sets for at most max_flows flows: a power of two, at least one. */
static inline __u32 tlsmon_flow_sets(__u32 max_flows)
{
	__u32 sets = 1;

	while (sets < (1u << 26) && sets * TLSMON_FLOW_WAYS < max_flows)
		sets <<= 1;
	return sets;
}

/* 64 KiB per side: a ClientHello, and a server's flight with its certificates
 * even when the Certificate is fragmented over records */
#define TLSMON_DP_CFG_DEFAULT                                                           \
	{ .appdata_max = 8, .decap = 1, .blob_budget = 65536,                           \
	  .flow_set_mask = 65536 / TLSMON_FLOW_WAYS - 1 }

/* Ethernet, IPv4 with options (or IPv6), UDP, and the QUIC bytes the pre-filter read */
#define DP_QUIC_HDRS_MAX (14 + 60 + 8 + 8)

struct tlsmon_scratch {
	struct tlsmon_ev_hdr hdr;	/* header of this packet's events */
	/* the handshake record being walked (dp_hs_walk) */
	__u32 rec_seq;			/* where it starts */
	__u32 rec_poff;			/* and where that is in the frame (its header may have
					 * come in the previous segment: then only offsets past
					 * the header are read) */
	__u32 rec_total;		/* its length, header included */
	__u16 rec_version;
	__u16 rec_hdr_len;		/* 5, or 2 for SSLv2 */
	/* the hello being shipped (dp_hello_ship): offset in the record, length */
	__u32 msg_off;
	__u32 msg_len;
	__u8 msg_type;
	__u8 blob_contig;		/* dp_blob_ship: the bytes follow those shipped */
	__u8 walk_want;			/* dp_hs_walk: a message userspace wants was seen */
	__u8 pkt_defer;			/* --pcap-dir: this frame goes with its hello (dp_pkt.h) */
	__u32 walk_off;			/* dp_hs_walk: the next message's offset in the record */
	__u32 blob_lo;			/* dp_blob_ship: the segment's bytes still to ship */
	__u32 blob_hi;
	__u32 pkt_seq;			/* this packet: payload sequence number, */
	__u32 pkt_plen;			/* length */
	__u32 pkt_poff;			/* and offset in the frame; */
	__u32 pkt_flen;			/* the frame's length (dp_frame_len) */
	__u16 hs_left;			/* dp_hs_walk: in, bytes of a message begun in an
					 * earlier record; out, bytes of the last one to come */
	__u8 hs_want;			/* in and out: that message is one userspace wants */
	__u8 in_hole;			/* walking a retransmission into a hole: no resync */
	struct tlsmon_flow_key key;	/* this packet's flow */
	__u32 hash;			/* and its hash (dp_flow_hash) */
	struct np_meta meta;		/* this packet's headers */
	__u8 pre[8];			/* its first payload bytes */
	struct tls_record rec;		/* the record being walked */
	__u8 rh[8];			/* its header bytes */
	__u8 tmp[40];			/* a ServerHello's first bytes, a message header */
	__u8 qh[DP_QUIC_HDRS_MAX];	/* a QUIC datagram's headers (dp_quic.h) */
	union {
		struct tlsmon_ev_small sm;
		struct tlsmon_ev_non_tls nt;
		struct tlsmon_ev_blob blob;
	} ev;
};

#endif /* TLSMON_DP_TYPES_H */
