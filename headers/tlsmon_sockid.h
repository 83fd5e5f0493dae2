/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which program owns a socket of this host: what bpf/sockid.bpf.c records
 * when a TCP socket connects or is accepted, keyed by the connection's
 * 4-tuple as the local end sees it, read by user/source/sockid.c.
 */
#ifndef TLSMON_SOCKID_TYPES_H
#define TLSMON_SOCKID_TYPES_H

#include <linux/types.h>

#define SOCKID_COMM_MAX 16
#define SOCKID_PATH_MAX 256		/* user/model/local_id.h: LOCAL_PATH_MAX */
#ifndef SOCKID_WALK_MAX
#define SOCKID_WALK_MAX 24		/* path components walked, exe and cgroup */
#endif
#define SOCKID_DEFAULT_ENTRIES 16384	/* sockets remembered (LRU) */
#define SOCKID_IDENT_ENTRIES 4096	/* processes whose paths are kept (LRU) */

/* Addresses as in the datapath's events: IPv6 or IPv4-mapped; ports in host order. */
struct sockid_key {
	__u8 laddr[16];		/* this host's end */
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
};
_Static_assert(sizeof(struct sockid_key) == 36, "sockid_key layout");

#define SOCKID_SIDE_CLIENT 0	/* connect(): enum side */
#define SOCKID_SIDE_SERVER 1	/* accept() */

#define SOCKID_F_EXE_CUT (1u << 0)	/* deeper or longer than kept: the path's tail only */
#define SOCKID_F_NO_EXE (1u << 1)	/* no executable (a kernel thread) */
#define SOCKID_F_CGROUP_CUT (1u << 2)
#define SOCKID_F_LISTENER (1u << 3)	/* the listening socket's program: key's remote end 0 */
#define SOCKID_F_SEEDED (1u << 4)	/* a listener older than tlsmon, named from /proc at start */

struct sockid_val {
	__u64 created_ns;	/* CLOCK_BOOTTIME: connect() or accept() */
	__u64 closed_ns;	/* when the socket reached TCP_CLOSE; 0 open */
	__u64 cgroup_id;	/* cgroup v2 */
	__u64 cookie;		/* socket cookie; 0 unknown (accept) */
	__u32 pid;		/* thread group id */
	__u32 tid;
	__u32 uid;
	__u32 netns;		/* the socket's network namespace (its inode number) */
	__u8 side;		/* SOCKID_SIDE_* */
	__u8 flags;		/* SOCKID_F_* */
	__u8 pad[6];
	char comm[SOCKID_COMM_MAX];
	char exe[SOCKID_PATH_MAX];
	char cgroup[SOCKID_PATH_MAX];
};
_Static_assert(sizeof(struct sockid_val) == 584, "sockid_val layout");

/*
 * A process's names, walked once (map idents): its second connect() costs
 * a lookup.  The key changes with what the names come from: exec() gives
 * the process a new address space and executable file, a move a new
 * cgroup; the thread group id keeps two processes apart even if the kernel
 * reuses the addresses of a dead one's structures.
 */
struct sockid_ident_key {
	__u64 mm;		/* the address space (struct mm_struct *) */
	__u64 exe;		/* its executable (struct file *) */
	__u64 cgroup_id;	/* cgroup v2 */
	__u32 tgid;
	__u32 pad;
};

/* What the walks found: sockid_val's exe and cgroup, the flags they set. */
struct sockid_ident {
	char exe[SOCKID_PATH_MAX];
	char cgroup[SOCKID_PATH_MAX];
	__u8 flags;		/* SOCKID_F_EXE_CUT, NO_EXE, CGROUP_CUT */
	__u8 pad[7];
};

/* The program's per-CPU counters (map sockid_counters). */
enum sockid_counter {
	SOCKID_C_CONNECTS,	/* client sockets recorded */
	SOCKID_C_ACCEPTS,	/* server sockets recorded */
	SOCKID_C_UPDATE_FAIL,	/* the map refused the entry: socket not recorded */
	SOCKID_C_EXE_CUT,	/* executable path cut (depth or length) */
	SOCKID_C_NO_EXE,	/* no executable to name (kernel thread) */
	SOCKID_C_CGROUP_CUT,	/* cgroup path cut */
	SOCKID_C_CLOSES,	/* recorded sockets seen reaching TCP_CLOSE */
	SOCKID_C_REPLACED,	/* of those recorded, over an entry of the same 4-tuple */
	SOCKID_C_PENDING_MISS,	/* tracepoint set: a socket left SYN_SENT with no connect()
				 * identity kept (the pending map was full, or the connect
				 * came before tlsmon) */
	SOCKID_C_IDENT_CACHED,	/* sockets named from the per-process cache, no path walk */
	SOCKID_C_MAX
};

#endif /* TLSMON_SOCKID_TYPES_H */
