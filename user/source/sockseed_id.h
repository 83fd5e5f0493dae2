/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A process's identity read from /proc/PID, as bpf/sockid.bpf.c takes it
 * from the task in the process's own context: for the listeners older than
 * tlsmon (sockseed.c).  Every read bounded; a process gone meanwhile is an
 * error the caller counts.
 */
#ifndef TLSMON_SOURCE_SOCKSEED_ID_H
#define TLSMON_SOURCE_SOCKSEED_ID_H

#include <stddef.h>
#include <stdint.h>
#include "tlsmon_sockid.h"

/* pid's parent (/proc/PID/status PPid), 0 when unknown. */
uint32_t sockseed_id_ppid(const char *proc, uint32_t pid);
/*
 * Where the cgroup v2 hierarchy can be stat()ed (its directories' inodes
 * are the cgroup ids): its mount in this mount namespace, else in an
 * ancestor's or pid 1's (through /proc/PID/root: ip netns exec leaves no
 * cgroup mount).  "" none.
 */
void sockseed_id_cgroup_root(const char *proc, char *out, size_t len);
/* pid, tid (= pid), uid, comm, exe, cgroup path and id into v: 0, -errno gone. */
int sockseed_id_read(const char *proc, uint32_t pid, const char *cg_root, struct sockid_val *v);

#endif
