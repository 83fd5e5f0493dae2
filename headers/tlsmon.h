/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What crosses the ring buffer from the datapath to the collector: the
 * events.  Fixed-width fields only, explicit padding, sizes asserted.
 * Bump TLSMON_EVENT_VERSION whenever a layout below changes.  The datapath's
 * own state is in tlsmon_dp_types.h, its counters in tlsmon_counters.h.
 */
#ifndef TLSMON_H
#define TLSMON_H

#include <linux/types.h>

#define TLSMON_EVENT_VERSION 5

/* Bounds of what a ClientHello event carries; more is flagged, never dropped silently. */
#define TLSMON_MAX_CIPHERS 128
#define TLSMON_MAX_EXTS 64
#define TLSMON_MAX_VERSIONS 16
#define TLSMON_MAX_GROUPS 32
#define TLSMON_MAX_KEY_SHARES 8
#define TLSMON_MAX_SIGALGS 48
#define TLSMON_MAX_ECPF 8
#define TLSMON_SNI_MAX 255
#define TLSMON_ALPN_MAX 128
#define TLSMON_SH_MAX_EXTS 32
#define TLSMON_SH_ALPN_MAX 64
#define TLSMON_BLOB_MAX 2048
#define TLSMON_PEEK_MAX 32
#define TLSMON_HELLO_MAX 4096	/* hello bytes a HELLO event carries */
#define TLSMON_QUIC_MAX 2048	/* datagram bytes a QUIC event carries */

/* The QUIC versions whose Initials the datapath ships (RFC 9000, RFC 9369). */
#define TLSMON_QUIC_V1 0x00000001u
#define TLSMON_QUIC_V2 0x6b3343cfu

/*
 * The datapath frames, the collector parses: a hello crosses the ring buffer
 * as its bytes (HELLO), and the pipe (user/pipe/evpipe.c) turns it into the
 * parsed CLIENT_HELLO or SERVER_HELLO, or a PARSE_ERROR, before anything else
 * sees it.  Reassembly makes parsed hellos too.
 */
enum tlsmon_ev_type {
	TLSMON_EV_CLIENT_HELLO = 1,	/* parsed, in userspace */
	TLSMON_EV_SERVER_HELLO = 2,	/* parsed, in userspace; also HelloRetryRequest (flag) */
	TLSMON_EV_ALERT = 3,		/* cleartext or encrypted (flag) */
	TLSMON_EV_CCS = 4,
	TLSMON_EV_HS_MSG = 5,		/* other cleartext handshake messages */
	TLSMON_EV_APPDATA = 6,		/* first application-data records per side */
	TLSMON_EV_TCP_RST = 7,
	TLSMON_EV_TCP_FIN = 8,
	TLSMON_EV_NON_TLS = 9,		/* bytes that are not TLS where a record was due */
	TLSMON_EV_BLOB = 10,		/* raw bytes for userspace reassembly */
	TLSMON_EV_PARSE_ERROR = 11,
	TLSMON_EV_FLOW_END = 12,	/* the datapath stopped tracking the flow */
	TLSMON_EV_HELLO = 13,		/* a ClientHello's or ServerHello's bytes */
	TLSMON_EV_QUIC = 14,		/* a QUIC long-header datagram's bytes */
	TLSMON_EV_PKT = 15,		/* --pcap-dir: a tracked flow's frame (dp_pkt.h) */
	TLSMON_EV_MAX,
	/* made by userspace reassembly only; refused from a datapath */
	TLSMON_EV_HS_BYTES = 32,
	TLSMON_EV_HELLO_PART = 33,	/* a ClientHello begun in reassembly, not yet whole */
};

enum tlsmon_dir {
	TLSMON_DIR_C2S = 0,	/* client to server */
	TLSMON_DIR_S2C = 1,
};

enum tlsmon_hook {
	TLSMON_HOOK_XDP = 1,
	TLSMON_HOOK_TC_INGRESS = 2,
	TLSMON_HOOK_TC_EGRESS = 3,
	TLSMON_HOOK_PCAP = 4,		/* offline: the userspace build */
};

/* Addresses are IPv6 or IPv4-mapped IPv6 (::ffff:a.b.c.d); ports in host order. */
struct tlsmon_ev_hdr {
	__u8 version;		/* TLSMON_EVENT_VERSION */
	__u8 type;		/* enum tlsmon_ev_type */
	__u8 dir;		/* enum tlsmon_dir: who sent the packet */
	__u8 hook;		/* enum tlsmon_hook */
	__u32 ifindex;
	__u64 ts_ns;		/* CLOCK_BOOTTIME, or capture time in pcap mode */
	__u8 caddr[16];		/* client: the side that sent the ClientHello */
	__u8 saddr[16];
	__u16 cport;
	__u16 sport;
	__u8 family;		/* 4 or 6 */
	__u8 ttl;		/* TTL or hop limit of this packet */
	__u16 ip_id;		/* IPv4 identification; 0 for IPv6 */
	__u32 seq;		/* TCP sequence number of the bytes this event is about */
	__u16 size;		/* size of the whole event */
	__u8 tcp_flags;
	__u8 origin;		/* 0: the datapath; TLSMON_ORIGIN_QUIC */
};
/* made by the pipe from QUIC datagrams (user/pipe/quic_track.c) */
#define TLSMON_ORIGIN_QUIC 1
_Static_assert(sizeof(struct tlsmon_ev_hdr) == 64, "tlsmon_ev_hdr layout");

/* ClientHello flags */
#define TLS_CHF_SSLV2 (1u << 0)		/* SSL 2.0 compatible CLIENT-HELLO */
#define TLS_CHF_TRUNC_CIPHERS (1u << 1)
#define TLS_CHF_TRUNC_EXTS (1u << 2)
#define TLS_CHF_TRUNC_VERSIONS (1u << 3)
#define TLS_CHF_TRUNC_GROUPS (1u << 4)
#define TLS_CHF_TRUNC_KEY_SHARES (1u << 5)
#define TLS_CHF_TRUNC_SIGALGS (1u << 6)
#define TLS_CHF_TRUNC_ECPF (1u << 7)
#define TLS_CHF_TRUNC_SNI (1u << 8)
#define TLS_CHF_TRUNC_ALPN (1u << 9)
#define TLS_CHF_DUP_EXT (1u << 10)
#define TLS_CHF_SNI (1u << 11)		/* server_name extension present */
#define TLS_CHF_ALPN (1u << 12)
#define TLS_CHF_SESSION_TICKET (1u << 13)
#define TLS_CHF_TICKET_NONEMPTY (1u << 14)
#define TLS_CHF_PSK (1u << 15)
#define TLS_CHF_EARLY_DATA (1u << 16)
#define TLS_CHF_ECH (1u << 17)		/* encrypted_client_hello or draft ESNI */
#define TLS_CHF_PADDING (1u << 18)
#define TLS_CHF_EMS (1u << 19)
#define TLS_CHF_RENEG_INFO (1u << 20)
#define TLS_CHF_STATUS_REQUEST (1u << 21)
#define TLS_CHF_SCSV_RENEG (1u << 22)	/* TLS_EMPTY_RENEGOTIATION_INFO_SCSV offered */
#define TLS_CHF_SCSV_FALLBACK (1u << 23)
#define TLS_CHF_SNI_NOT_HOST (1u << 24)	/* server_name without a host_name entry */
#define TLS_CHF_EXTS_BLOCK (1u << 25)	/* an extensions block is present */
#define TLS_CHF_POST_HS_AUTH (1u << 26)
#define TLS_CHF_TRUNC_MASK                                                         \
	(TLS_CHF_TRUNC_CIPHERS | TLS_CHF_TRUNC_EXTS | TLS_CHF_TRUNC_VERSIONS |     \
	 TLS_CHF_TRUNC_GROUPS | TLS_CHF_TRUNC_KEY_SHARES | TLS_CHF_TRUNC_SIGALGS | \
	 TLS_CHF_TRUNC_ECPF | TLS_CHF_TRUNC_SNI | TLS_CHF_TRUNC_ALPN)

/* Counts are what the wire says; arrays hold the first TLSMON_MAX_* in wire order. */
struct tls_client_hello {
	__u32 flags;			/* TLS_CHF_* */
	__u32 hs_len;			/* handshake message length */
	__u16 record_version;
	__u16 legacy_version;
	__u16 n_ciphers;
	__u16 n_exts;
	__u16 sni_len;			/* full length on the wire */
	__u16 alpn_len;			/* protocol_name_list length on the wire */
	__u16 padding_len;
	__u16 ticket_len;
	__u16 n_sslv2_only;		/* SSLv2 cipher specs with no TLS equivalent */
	__u16 pad1;
	__u8 n_versions;
	__u8 n_groups;
	__u8 n_key_shares;
	__u8 n_sigalgs;
	__u8 n_ecpf;
	__u8 n_compression;
	__u8 session_id_len;
	__u8 alpn_count;		/* protocols in the ALPN list */
	__u8 alpn0_len;			/* first protocol: length, first and last byte (JA4) */
	__u8 alpn0_first;
	__u8 alpn0_last;
	__u8 pad0;
	__u8 session_id[32];
	__u16 ciphers[TLSMON_MAX_CIPHERS];
	__u16 exts[TLSMON_MAX_EXTS];
	__u16 versions[TLSMON_MAX_VERSIONS];
	__u16 groups[TLSMON_MAX_GROUPS];
	__u16 key_shares[TLSMON_MAX_KEY_SHARES];
	__u16 sigalgs[TLSMON_MAX_SIGALGS];
	__u8 ecpf[TLSMON_MAX_ECPF];
	__u8 sni[TLSMON_SNI_MAX + 1];	/* bytes as sent, not NUL-terminated */
	__u8 alpn[TLSMON_ALPN_MAX];	/* raw protocol_name_list */
};
_Static_assert(sizeof(struct tls_client_hello) % 8 == 0, "tls_client_hello padding");

/* ServerHello flags */
#define TLS_SHF_HRR (1u << 0)
#define TLS_SHF_TRUNC_EXTS (1u << 1)
#define TLS_SHF_TRUNC_ALPN (1u << 2)
#define TLS_SHF_DUP_EXT (1u << 3)
#define TLS_SHF_SUPPORTED_VERSIONS (1u << 4)
#define TLS_SHF_KEY_SHARE (1u << 5)
#define TLS_SHF_PSK (1u << 6)
#define TLS_SHF_ALPN (1u << 7)
#define TLS_SHF_EMS (1u << 8)
#define TLS_SHF_RENEG_INFO (1u << 9)
#define TLS_SHF_SESSION_TICKET (1u << 10)
#define TLS_SHF_STATUS_REQUEST (1u << 11)
#define TLS_SHF_DRAFT_FORMAT (1u << 12)	/* pre-draft-22 TLS 1.3 layout */
#define TLS_SHF_EXTS_BLOCK (1u << 13)

struct tls_server_hello {
	__u32 flags;			/* TLS_SHF_* */
	__u32 hs_len;
	__u16 record_version;
	__u16 legacy_version;
	__u16 selected_version;		/* supported_versions, 0 when absent */
	__u16 cipher;
	__u16 key_share_group;		/* 0 when absent */
	__u16 psk_identity;
	__u16 n_exts;
	__u8 compression;
	__u8 session_id_len;
	__u8 alpn_len;			/* selected protocol length on the wire */
	__u8 pad[7];
	__u8 session_id[32];
	__u16 exts[TLSMON_SH_MAX_EXTS];
	__u8 alpn[TLSMON_SH_ALPN_MAX];
};
_Static_assert(sizeof(struct tls_server_hello) % 8 == 0, "tls_server_hello padding");

/* The transport facts the collector needs next to a hello. */
struct tlsmon_peer_info {
	__u8 synack_seen;
	__u8 synack_ttl;
	__u16 synack_ip_id;
	__u32 peer_ack;			/* ACK number of the hello packet */
};

/* CLIENT_HELLO and SERVER_HELLO: a hello parsed in userspace (never on the ring). */
struct tlsmon_ev_client_hello {
	struct tlsmon_ev_hdr h;
	struct tlsmon_peer_info peer;
	struct tls_client_hello ch;
};

struct tlsmon_ev_server_hello {
	struct tlsmon_ev_hdr h;
	struct tlsmon_peer_info peer;
	struct tls_server_hello sh;
};

/*
 * HELLO: one whole ClientHello or ServerHello message (handshake header
 * included) as sent, or a whole SSL 2.0-compatible CLIENT-HELLO record
 * (header included).  h.size is the event's size; in the kernel's ring
 * buffer the record may be longer (the datapath reserves by size class).
 *
 * --pcap-dir: when the hello's record is all the frame's payload, the frame
 * rides along instead of in a PKT event of its own: its first head_len
 * bytes (headers up to the record header, at most TLSMON_HELLO_HEAD_MAX)
 * follow the message in data, and the message is the rest of the frame.
 */
#define TLSMON_HELLO_HEAD_MAX 256
struct tlsmon_ev_hello {
	struct tlsmon_ev_hdr h;		/* h.seq: where the message starts */
	struct tlsmon_peer_info peer;
	__u16 rec_version;		/* version field of the record that carried it */
	__u16 len;			/* bytes of the message in data */
	__u8 sslv2;			/* data is an SSL 2.0 CLIENT-HELLO record */
	__u8 pad;
	__u16 head_len;			/* --pcap-dir: the frame's first bytes, after the message */
	__u8 data[TLSMON_HELLO_MAX + TLSMON_HELLO_HEAD_MAX];
};
#define TLSMON_HELLO_HDR 80	/* offsetof(struct tlsmon_ev_hello, data) */
_Static_assert(sizeof(struct tlsmon_ev_hello) ==
		       TLSMON_HELLO_HDR + TLSMON_HELLO_MAX + TLSMON_HELLO_HEAD_MAX,
	       "tlsmon_ev_hello layout");

/*
 * QUIC: a UDP datagram that starts with a long-header Initial, Retry or
 * Version Negotiation packet of a version in TLSMON_QUIC_*, as sent (the
 * first TLSMON_QUIC_MAX bytes).  The datapath cannot tell client from
 * server: h.caddr/h.cport are the sender, h.dir is C2S, and the collector
 * finds the roles (the client's Initial opens with keys from its own DCID).
 */
struct tlsmon_ev_quic {
	struct tlsmon_ev_hdr h;
	__u16 len;			/* bytes in data */
	__u16 dgram_len;		/* the datagram's length (UDP) */
	__u32 pad;
	__u8 data[TLSMON_QUIC_MAX];
};
#define TLSMON_QUIC_HDR 72	/* offsetof(struct tlsmon_ev_quic, data) */
_Static_assert(sizeof(struct tlsmon_ev_quic) == TLSMON_QUIC_HDR + TLSMON_QUIC_MAX,
	       "tlsmon_ev_quic layout");

/* Small events: ALERT, CCS, HS_MSG, APPDATA, TCP_RST, TCP_FIN, PARSE_ERROR, FLOW_END. */
#define TLSMON_SF_ENCRYPTED (1u << 0)	/* ALERT: record was ciphertext */
#define TLSMON_SF_PARTIAL (1u << 1)	/* HS_MSG: message runs past its record */
/*
 * TCP_RST, TCP_FIN: the datapath stopped tracking the flow with this packet,
 * and this one ring record says both: reason is the FLOW_END's, whose header
 * would be this one's.  The pipe splits it in two (user/pipe/evpipe.c), so
 * that nothing past it sees the flag.
 */
#define TLSMON_SF_ENDS (1u << 2)

enum tlsmon_end_reason {
	TLSMON_END_SETTLED = 1,		/* application data from both sides */
	TLSMON_END_RST = 2,
	TLSMON_END_FIN = 3,
	TLSMON_END_FATAL_ALERT = 4,
	TLSMON_END_NON_TLS = 5,
	TLSMON_END_PARSE_ERROR = 6,
	TLSMON_END_REUSED = 7,		/* a new SYN on the same addresses and ports */
	TLSMON_END_EXPIRED = 8,		/* userspace only: the sweep dropped the idle flow */
	TLSMON_END_MAX
};

struct tlsmon_ev_small {
	struct tlsmon_ev_hdr h;
	__u8 content_type;	/* record type */
	__u8 hs_type;		/* HS_MSG, PARSE_ERROR: handshake message type */
	__u8 level;		/* ALERT */
	__u8 desc;		/* ALERT */
	__u8 index;		/* APPDATA: 0-based ordinal within its direction */
	__u8 flags;		/* TLSMON_SF_* */
	__u16 rec_len;		/* record length */
	__u32 msg_len;		/* HS_MSG: handshake message length */
	__u32 reason;		/* PARSE_ERROR: enum tls_err; FLOW_END: enum tlsmon_end_reason */
};
_Static_assert(sizeof(struct tlsmon_ev_small) == 80, "tlsmon_ev_small layout");

struct tlsmon_ev_non_tls {
	struct tlsmon_ev_hdr h;
	__u16 len;		/* payload bytes in the segment */
	__u8 n;			/* bytes copied to data */
	__u8 pad[5];
	__u8 data[TLSMON_PEEK_MAX];
};
_Static_assert(sizeof(struct tlsmon_ev_non_tls) == 104, "tlsmon_ev_non_tls layout");

#define TLSMON_BLOB_RECORD 1	/* bytes of records the datapath could not see whole */
#define TLSMON_BLOB_CERT 2	/* a handshake record the datapath parsed, shipped for the
				 * certificates it carries (Certificate, CertificateRequest) */
#define TLSMON_BLOB_F_BUDGET (1u << 0)	/* the per-flow byte budget ran out here */

struct tlsmon_ev_blob {
	struct tlsmon_ev_hdr h;		/* h.seq: sequence number of data[0] */
	__u32 rec_seq;			/* where the record to reassemble starts */
	__u16 len;			/* bytes in data */
	__u8 kind;
	__u8 flags;
	struct tlsmon_peer_info peer;	/* for the hello reassembled from these bytes */
	__u8 data[TLSMON_BLOB_MAX];
};
_Static_assert(sizeof(struct tlsmon_ev_blob) == 80 + TLSMON_BLOB_MAX, "tlsmon_ev_blob layout");

/*
 * PKT (--pcap-dir): a frame of a tracked flow, its first len bytes (Ethernet
 * on): payload snapped at the configured bound, but whole (up to
 * TLSMON_PKT_MAX) when a hello or an alert record starts it.  h.dir is the
 * sender, h.seq its sequence number.
 */
#define TLSMON_PKT_MAX 4096
#define TLSMON_PKT_F_CUT (1u << 0)	/* a hello or alert frame longer than TLSMON_PKT_MAX */
#define TLSMON_PKT_F_SYN (1u << 1)	/* a SYN or SYN-ACK, of a flow not (yet) tracked */
/*
 * data ends with the record header of the one hello record that makes up the
 * rest of the payload: the frame's other frame_len - len bytes are the hello
 * message, shipped by the HELLO event of the same packet (same h.ts_ns, h.dir,
 * its h.seq = this h.seq + 5), not twice.  Userspace puts the frame together.
 */
#define TLSMON_PKT_F_HELLO (1u << 2)
struct tlsmon_ev_pkt {
	struct tlsmon_ev_hdr h;
	__u32 frame_len;		/* the frame's length on the wire */
	__u16 len;			/* bytes in data */
	__u8 flags;			/* TLSMON_PKT_F_* */
	__u8 index;			/* the flow's packets before this one */
	__u8 data[TLSMON_PKT_MAX];
};
#define TLSMON_PKT_HDR 72	/* offsetof(struct tlsmon_ev_pkt, data) */
_Static_assert(sizeof(struct tlsmon_ev_pkt) == TLSMON_PKT_HDR + TLSMON_PKT_MAX,
	       "tlsmon_ev_pkt layout");

#endif /* TLSMON_H */
