/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Giving up privilege once the programs are loaded and attached: tlsmon
 * reads attacker-controlled bytes, so after setup it runs as an ordinary
 * user with no capability at all, and cannot get any back.
 */
#ifndef TLSMON_PRIVS_H
#define TLSMON_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

#define PRIVS_DEFAULT_USER "nobody"
#define PRIVS_MAX_GROUPS 64

struct privs_target {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVS_MAX_GROUPS];	/* supplementary groups, from the group database */
	int ngroups;
	int change_user;	/* 0: keep the user we run as, only shed capabilities */
};

/*
 * Who to become: user (a name or a number), or NULL for the user we already
 * are (shedding only capabilities).  Resolved early, while the user and group
 * databases are readable and before anything is attached.  0, or -errno with
 * a message (-ENOENT: no such user).
 */
int privs_resolve(const char *user, struct privs_target *t, char *err, size_t errlen);
/*
 * Switch to t (groups, gid, uid), empty every capability set (effective,
 * permitted, inheritable, ambient, and the bounding set where we may), set
 * no_new_privs and clear the dumpable flag, then check it all took.  On
 * failure the process is in an unknown state: the caller must exit.
 */
int privs_drop(const struct privs_target *t, char *err, size_t errlen);
/* Whether cap is in our effective set. */
int privs_has_cap(int cap);
/* Whether we may load BPF programs (CAP_BPF, or CAP_SYS_ADMIN before 5.8). */
int privs_bpf_capable(void);
/* Whether any capability is in our permitted set. */
int privs_any_cap(void);

#endif
