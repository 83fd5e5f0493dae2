// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Which program owns a TCP socket of this host, taken in the process's own
 * context when the socket is made, so a program that exits right after its
 * handshake is still named.  Two sets, the loader takes the first the
 * kernel accepts:
 *
 * fentry/fexit (BTF trampolines):
 *   tcp_connect          the client side: connect() has picked the source
 *                        port by then (tcp_v4_connect, tcp_v6_connect).
 *   inet_csk_accept      the server side, on return, in the accepting
 *                        process.  Only its return value (the new socket) is
 *                        read, with bpf_get_func_ret(): its arguments changed
 *                        in 6.10 (struct proto_accept_arg), the return did not.
 *
 * The state tracepoint alone (kernels, or hypervisors, that refuse
 * trampolines; tp_btf still loads there):
 *   CLOSE -> SYN_SENT    in connect(), the process's context, but before the
 *                        source port is chosen: kept per socket (pending)
 *                        until the socket's next state, then keyed by its
 *                        4-tuple.
 *   -> LISTEN            the server side: the program that listens, keyed by
 *                        its address and port (remote 0).  A socket passed to
 *                        another program (systemd socket activation) names
 *                        the one that called listen().  Listeners older
 *                        than tlsmon: the same entry, made from /proc at
 *                        start (user/source/sockseed.c, both sets).
 *
 * Both: -> TCP_CLOSE stamps the entry closed, so userspace never gives it to
 * a later connection on the same 4-tuple.  All of it runs on 5.18 with BTF.
 * cgroup connect4/6 hooks see no accept(); sock_ops runs in softirq for the
 * server side, not in the accepting process.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sockid_kern.bpf.h"
#include "tlsmon_sockid.h"

#define AF_INET 2
#define AF_INET6 10
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10

/* Set by the loader: the tracepoint-only set (no trampolines). */
const volatile int tp_only = 0;

/* BPF_PROG names every argument up to the one read, and ctx, used or not */
#pragma clang diagnostic ignored "-Wunused-parameter"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Sized by the loader (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SOCKID_DEFAULT_ENTRIES);
	__type(key, struct sockid_key);
	__type(value, struct sockid_val);
} sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOCKID_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sockid_counters SEC(".maps");

/* tracepoint set: connect()'s identity until the socket has its source port */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);		/* the socket's address */
	__type(value, struct sockid_val);
} pending SEC(".maps");

/* A path is built backwards from its last component: twice its size keeps every write in bounds. */
#define PATH_MASK (SOCKID_PATH_MAX - 1)

#define IDENT_FLAGS (SOCKID_F_EXE_CUT | SOCKID_F_NO_EXE | SOCKID_F_CGROUP_CUT)

/* A process's names, walked once (struct sockid_ident_key): its next connect() costs a lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SOCKID_IDENT_ENTRIES);
	__type(key, struct sockid_ident_key);
	__type(value, struct sockid_ident);
} idents SEC(".maps");

struct scratch {
	char buf[2 * SOCKID_PATH_MAX];
	char name[SOCKID_PATH_MAX];
	struct sockid_val val;
	struct sockid_ident ident;
};

/* The value is larger than the BPF stack: built here, then copied into the map. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} sockid_scratch SEC(".maps");

static __always_inline void count(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&sockid_counters, &c);

	if (v)
		*v += 1;
}

/*
 * Put "/" and name[0..len) in front of what buf holds from *pos.  -1 when
 * it does not fit (the path keeps its tail).  The masks are for the
 * verifier: pos stays in [0, PATH_MASK], len below SOCKID_PATH_MAX.
 */
static __always_inline int push(char *buf, int *pos, const void *name, __u32 len)
{
	int p = *pos;

	if (len >= SOCKID_PATH_MAX || (int)len + 1 > p)
		return -1;
	p -= len + 1;
	buf[p & PATH_MASK] = '/';
	bpf_probe_read_kernel(buf + ((p + 1) & PATH_MASK), len & PATH_MASK, name);
	*pos = p;
	return 0;
}

/* The finished path: from pos to the NUL at PATH_MASK ("/" when nothing was pushed). */
static __always_inline void path_out(char *dst, char *buf, int pos)
{
	if (pos == PATH_MASK) {
		dst[0] = '/';
		dst[1] = 0;
		return;
	}
	bpf_probe_read_kernel(dst, SOCKID_PATH_MAX, buf + (pos & PATH_MASK));
}

/*
 * current->mm->exe_file as a path from the process's root, across mounts:
 * a bounded walk of dentries (d_path() is not a helper tracing programs
 * may call on every kernel).
 */
static __always_inline void exe_path(struct scratch *s, struct task_struct *task)
{
	struct file *f = BPF_CORE_READ(task, mm, exe_file);
	struct dentry *d, *parent, *root;
	struct vfsmount *vm;
	struct mount *m, *mp;
	int pos = PATH_MASK, i;
	__u32 len;

	if (!f) {
		s->val.flags |= SOCKID_F_NO_EXE;
		return;
	}
	d = BPF_CORE_READ(f, f_path.dentry);
	vm = BPF_CORE_READ(f, f_path.mnt);
	m = (void *)vm - bpf_core_field_offset(struct mount, mnt);
	s->buf[PATH_MASK] = 0;
	for (i = 0; i < SOCKID_WALK_MAX; i++) {
		root = BPF_CORE_READ(vm, mnt_root);
		parent = BPF_CORE_READ(d, d_parent);
		if (d == root || d == parent) {
			/* the top of a mount: on to where it is mounted */
			mp = BPF_CORE_READ(m, mnt_parent);
			if (mp == m || !mp)
				break;
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = mp;
			vm = (void *)m + bpf_core_field_offset(struct mount, mnt);
			continue;
		}
		len = BPF_CORE_READ(d, d_name.len);
		if (push(s->buf, &pos, BPF_CORE_READ(d, d_name.name), len))
			break;
		d = parent;
	}
	if (i == SOCKID_WALK_MAX || (d != BPF_CORE_READ(vm, mnt_root) &&
				     d != BPF_CORE_READ(d, d_parent))) {
		s->val.flags |= SOCKID_F_EXE_CUT;
	}
	path_out(s->val.exe, s->buf, pos);
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node___old *old = (void *)kn;

	if (bpf_core_field_exists(old->parent))
		return (void *)BPF_CORE_READ(old, parent);
	return BPF_CORE_READ(kn, __parent);
}

/* The task's cgroup v2 directory as its path from the hierarchy's root: a bounded kernfs walk. */
static __always_inline void cgroup_path(struct scratch *s, struct task_struct *task)
{
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn), *parent;
	int pos = PATH_MASK, i, n;

	s->buf[PATH_MASK] = 0;
	for (i = 0; i < SOCKID_WALK_MAX && kn; i++) {
		parent = kn_parent(kn);
		if (!parent)
			break;	/* the root: its name is not part of the path */
		n = bpf_probe_read_kernel_str(s->name, sizeof(s->name), BPF_CORE_READ(kn, name));
		if (n <= 1 || push(s->buf, &pos, s->name, n - 1))
			break;
		kn = parent;
	}
	if (kn && kn_parent(kn)) {
		s->val.flags |= SOCKID_F_CGROUP_CUT;
	}
	path_out(s->val.cgroup, s->buf, pos);
}

/* The cut counters, once per socket named, walked or cached. */
static __always_inline void count_cuts(__u8 flags)
{
	if (flags & SOCKID_F_NO_EXE)
		count(SOCKID_C_NO_EXE);
	if (flags & SOCKID_F_EXE_CUT)
		count(SOCKID_C_EXE_CUT);
	if (flags & SOCKID_F_CGROUP_CUT)
		count(SOCKID_C_CGROUP_CUT);
}

/*
 * The executable's and the cgroup's paths into s->val: from the cache when
 * this process was named before under the same executable and cgroup, else
 * walked and cached.  exe and cgroup are adjacent in both structures: one
 * copy each way.
 */
static __always_inline void names(struct scratch *s, struct task_struct *task)
{
	struct sockid_ident_key k = {
		.mm = (__u64)BPF_CORE_READ(task, mm),
		.exe = (__u64)BPF_CORE_READ(task, mm, exe_file),
		.cgroup_id = s->val.cgroup_id,
		.tgid = s->val.pid,
	};
	struct sockid_ident *c = bpf_map_lookup_elem(&idents, &k);

	if (c) {
		bpf_probe_read_kernel(s->val.exe, 2 * SOCKID_PATH_MAX, c->exe);
		s->val.flags |= c->flags & IDENT_FLAGS;
		count_cuts(s->val.flags);
		count(SOCKID_C_IDENT_CACHED);
		return;
	}
	exe_path(s, task);
	cgroup_path(s, task);
	count_cuts(s->val.flags);
	bpf_probe_read_kernel(s->ident.exe, 2 * SOCKID_PATH_MAX, s->val.exe);
	s->ident.flags = s->val.flags & IDENT_FLAGS;
	/* a full map pushes out its least recent process: the next walk refills it */
	bpf_map_update_elem(&idents, &k, &s->ident, BPF_ANY);
}

/* The 4-tuple as this host's end sees it; -1 for what is neither IPv4 nor IPv6. */
static __always_inline int sock_key(struct sockid_key *k, struct sock *sk)
{
	unsigned short family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__be32 a;

	__builtin_memset(k, 0, sizeof(*k));
	if (family == AF_INET) {
		/* IPv4-mapped, as the datapath writes addresses */
		k->laddr[10] = k->laddr[11] = 0xff;
		k->raddr[10] = k->raddr[11] = 0xff;
		a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(k->laddr + 12, &a, 4);
		a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(k->raddr + 12, &a, 4);
	} else if (family == AF_INET6) {
		/* a dual-stack socket's IPv4 peers are already IPv4-mapped here */
		bpf_core_read(k->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(k->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return -1;
	}
	k->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return 0;
}

/* The calling process's identity, into the scratch value. */
static __always_inline struct sockid_val *identify(__u8 side, __u64 cookie, struct sock *sk)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&sockid_scratch, &zero);
	if (!s)
		return NULL;
	__builtin_memset(&s->val, 0, sizeof(s->val));
	s->val.created_ns = bpf_ktime_get_boot_ns();
	s->val.cgroup_id = bpf_get_current_cgroup_id();
	s->val.cookie = cookie;
	s->val.pid = id >> 32;
	s->val.tid = (__u32)id;
	s->val.uid = (__u32)bpf_get_current_uid_gid();
	s->val.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	s->val.side = side;
	bpf_get_current_comm(s->val.comm, sizeof(s->val.comm));
	names(s, task);
	return &s->val;
}

static __always_inline void put(const struct sockid_key *k, const struct sockid_val *v)
{
	/* for the count of entries the full map pushed out (userspace: recorded - replaced - live) */
	if (bpf_map_lookup_elem(&sockets, k))
		count(SOCKID_C_REPLACED);
	if (bpf_map_update_elem(&sockets, k, v, BPF_ANY)) {
		count(SOCKID_C_UPDATE_FAIL);
		return;
	}
	count(v->side == SOCKID_SIDE_CLIENT ? SOCKID_C_CONNECTS : SOCKID_C_ACCEPTS);
}

static __always_inline void record(struct sock *sk, __u8 side, __u64 cookie)
{
	struct sockid_key k;
	struct sockid_val *v;

	if (sock_key(&k, sk))
		return;
	v = identify(side, cookie, sk);
	if (v)
		put(&k, v);
}

SEC("fentry/tcp_connect")
int BPF_PROG(sockid_connect, struct sock *sk)
{
	record(sk, SOCKID_SIDE_CLIENT, bpf_get_socket_cookie(sk));
	return 0;
}

SEC("fexit/inet_csk_accept")
int BPF_PROG(sockid_accept)
{
	__u64 ret = 0;

	if (!bpf_get_func_ret(ctx, &ret) && ret)
		record((struct sock *)ret, SOCKID_SIDE_SERVER, 0);
	return 0;
}

/* Stamp the 4-tuple's entry closed: two open TCP sockets never share one. */
static __always_inline void closed(const struct sockid_key *k)
{
	struct sockid_val *v = bpf_map_lookup_elem(&sockets, k);

	if (v && !v->closed_ns) {
		v->closed_ns = bpf_ktime_get_boot_ns();
		count(SOCKID_C_CLOSES);
	}
}

/* tracepoint set: connect() in its process, before the source port; kept per socket */
static __always_inline void syn_sent(struct sock *sk)
{
	__u64 p = (__u64)sk;
	struct sockid_val *v = identify(SOCKID_SIDE_CLIENT, 0, sk);

	if (v && bpf_map_update_elem(&pending, &p, v, BPF_ANY))
		count(SOCKID_C_UPDATE_FAIL);
}

/* tracepoint set: the socket left SYN_SENT, its 4-tuple is whole now */
static __always_inline void connected(struct sock *sk, const struct sockid_key *k)
{
	__u64 p = (__u64)sk;
	struct sockid_val *v = bpf_map_lookup_elem(&pending, &p);

	if (!v) {
		count(SOCKID_C_PENDING_MISS);
		return;
	}
	put(k, v);
	bpf_map_delete_elem(&pending, &p);
}

/* the key of a listening socket: its address and port, no remote end */
static __always_inline void listener_key(struct sockid_key *k)
{
	__builtin_memset(k->raddr, 0, sizeof(k->raddr));
	k->rport = 0;
}

/* tracepoint set: the listening program names the server side */
static __always_inline void listening(struct sock *sk, struct sockid_key *k)
{
	struct sockid_val *v;

	listener_key(k);
	v = identify(SOCKID_SIDE_SERVER, 0, sk);
	if (v) {
		v->flags |= SOCKID_F_LISTENER;
		put(k, v);
	}
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sockid_state, struct sock *sk, int oldstate, int newstate)
{
	struct sockid_key k;

	if (tp_only && newstate == TCP_SYN_SENT) {
		syn_sent(sk);
		return 0;
	}
	if (sock_key(&k, sk))
		return 0;
	if (tp_only && oldstate == TCP_SYN_SENT)
		connected(sk, &k);
	if (tp_only && newstate == TCP_LISTEN) {
		listening(sk, &k);
		return 0;
	}
	if (newstate != TCP_CLOSE)
		return 0;
	if (oldstate == TCP_LISTEN)
		listener_key(&k);
	closed(&k);
	return 0;
}
