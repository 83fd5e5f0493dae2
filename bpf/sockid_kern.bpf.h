/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The few kernel structures bpf/sockid.bpf.c reads, only the fields it
 * reads: CO-RE relocates each access to the running kernel's layout (from
 * its BTF), so no vmlinux.h of one build machine is needed.  Flavours
 * (___old) cover fields renamed between 5.18 and today.
 */
#ifndef TLSMON_SOCKID_KERN_BPF_H
#define TLSMON_SOCKID_KERN_BPF_H

#include <linux/types.h>

#define __pai __attribute__((preserve_access_index))

struct qstr {
	__u32 len;
	const unsigned char *name;
} __pai;

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
} __pai;

struct vfsmount {
	struct dentry *mnt_root;
} __pai;

/* fs/mount.h: the vfsmount is embedded; its parent mount and mountpoint */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __pai;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __pai;

struct file {
	struct path f_path;
} __pai;

struct mm_struct {
	struct file *exe_file;
} __pai;

/* 6.15 renamed parent to __parent (RCU); the name stayed */
struct kernfs_node {
	struct kernfs_node *__parent;
	const char *name;
} __pai;

struct kernfs_node___old {
	struct kernfs_node___old *parent;
} __pai;

struct cgroup {
	struct kernfs_node *kn;
} __pai;

struct css_set {
	struct cgroup *dfl_cgrp;
} __pai;

struct task_struct {
	struct mm_struct *mm;
	struct css_set *cgroups;
} __pai;

struct in6_addr {
	__u8 s6_addr[16];
} __pai;

struct ns_common {
	unsigned int inum;
} __pai;

struct net {
	struct ns_common ns;
} __pai;

typedef struct {
	struct net *net;
} possible_net_t;

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	possible_net_t skc_net;
} __pai;

struct sock {
	struct sock_common __sk_common;
} __pai;

struct socket {
	struct sock *sk;
} __pai;

#endif
