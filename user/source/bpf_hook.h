/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the datapath's programs run: XDP on ingress (or TC), TC on egress,
 * per interface, each behind a lock so two tlsmon never watch one
 * interface.  XDP and TCX links go away with this process; the netlink TC
 * filters of kernels before TCX are removed at detach, or by the next run.
 */
#ifndef TLSMON_BPF_HOOK_H
#define TLSMON_BPF_HOOK_H

#include <stddef.h>
#include "source/ifaces.h"

/* The netlink TC filter of kernels without TCX links: tlsmon's fixed handle and priority,
 * so a later run finds a crashed run's. */
#define TLSMON_TC_HANDLE 0x7153
#define TLSMON_TC_PRIO 0xc153

enum xdp_mode {
	XDP_MODE_AUTO = 0,	/* native, falling back to generic */
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

struct bpf_hook_opts {
	enum xdp_mode xdp_mode;
	int tc_ingress;		/* TC on ingress instead of XDP */
	int tc_netlink;		/* netlink TC filters even where TCX links exist */
	const char *lock_dir;	/* per-interface locks; NULL: $RUNTIME_DIRECTORY or /run/tlsmon */
};

/* The loaded programs' file descriptors (bpf_dp_hook_progs). */
struct bpf_hook_progs {
	int xdp, tc_egress, tc_ingress;
};

struct bpf_hooks;

/*
 * Attach to the interfaces: *out on success; on failure nothing stays
 * attached and err says what to do.  0 or -errno.
 */
int bpf_hook_attach(struct bpf_hooks **out, const struct bpf_hook_opts *o,
		    const struct bpf_hook_progs *progs, const struct iface *ifs, size_t n,
		    char *err, size_t errlen);
/*
 * Before root gives way to a user who may not write the lock directory
 * (/run/tlsmon is root's): a process that stays behind to remove the lock
 * files once this one has exited, clean or killed.  It keeps uid 0 with no
 * capability, no_new_privs, and nothing open but a pipe whose other end
 * tlsmon holds; each file it removes only while holding its lock.  0 or
 * -errno (the files then stay, harmless: the next tlsmon takes them over).
 */
int bpf_hook_lock_reaper(struct bpf_hooks *h);
/* Where the ingress program of interface i ended up: "native", "generic", or "tc". */
const char *bpf_hook_mode(const struct bpf_hooks *h, size_t i);
/* Detach everything and free (NULL is fine). */
void bpf_hook_detach(struct bpf_hooks *h);
/* Remove TC filters a killed tlsmon left on an interface; returns how many. */
int bpf_hook_remove_stale_tc(unsigned int ifindex);

#endif
