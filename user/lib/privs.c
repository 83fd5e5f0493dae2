// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/privs.h"

/* glibc has no wrappers; libcap would be a dependency for two syscalls */
static int cap_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &h, d);
}

static int cap_set(const struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capset, &h, d);
}

int privs_has_cap(int cap)
{
	struct __user_cap_data_struct d[2];

	if (cap < 0 || cap >= 64 || cap_get(d))
		return 0;
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

int privs_bpf_capable(void)
{
	return privs_has_cap(CAP_BPF) || privs_has_cap(CAP_SYS_ADMIN);
}

int privs_any_cap(void)
{
	struct __user_cap_data_struct d[2];

	if (cap_get(d))
		return 1;	/* unknown: assume there is something to drop */
	return d[0].permitted || d[1].permitted || d[0].effective || d[1].effective;
}

static int lookup_user(const char *user, struct privs_target *t, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096], *end;
	unsigned long v;
	int e;

	e = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (!res) {
		/* a number works too, for users the database does not list */
		errno = 0;
		v = strtoul(user, &end, 10);
		if (*user && !*end && !errno && v < (uid_t)-1) {
			t->uid = v;
			t->gid = v;
			t->ngroups = 0;
			snprintf(t->name, sizeof(t->name), "%lu", v);
			return 0;
		}
		snprintf(err, errlen, "--user: no user '%s'%s%s (name an existing user, e.g. %s)",
			 user, e ? ": " : "", e ? strerror(e) : "", PRIVS_DEFAULT_USER);
		return -ENOENT;
	}
	t->uid = pw.pw_uid;
	t->gid = pw.pw_gid;
	snprintf(t->name, sizeof(t->name), "%s", pw.pw_name);
	t->ngroups = PRIVS_MAX_GROUPS;
	if (getgrouplist(pw.pw_name, pw.pw_gid, t->groups, &t->ngroups) < 0) {
		snprintf(err, errlen, "--user %s: in more than %d groups", user, PRIVS_MAX_GROUPS);
		return -E2BIG;
	}
	return 0;
}

int privs_resolve(const char *user, struct privs_target *t, char *err, size_t errlen)
{
	struct passwd *pw;
	int e;

	memset(t, 0, sizeof(*t));
	if (!user) {
		t->uid = geteuid();
		t->gid = getegid();
		pw = getpwuid(t->uid);
		if (pw)
			snprintf(t->name, sizeof(t->name), "%s", pw->pw_name);
		else
			snprintf(t->name, sizeof(t->name), "%u", (unsigned)t->uid);
		return 0;
	}
	e = lookup_user(user, t, err, errlen);
	if (e)
		return e;
	t->change_user = t->uid != geteuid() || t->gid != getegid();
	if (t->change_user && geteuid() != 0 && !privs_has_cap(CAP_SETUID)) {
		snprintf(err, errlen, "--user %s: running as uid %u without CAP_SETUID, tlsmon "
			 "cannot become another user; leave --user out to stay uid %u",
			 user, (unsigned)geteuid(), (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

/*
 * The bounding set limits what any later execve could gain.  Emptying it
 * needs CAP_SETPCAP: a root start has it; a start under systemd's User= with
 * AmbientCapabilities= has not, and there CapabilityBoundingSet= has
 * already cut it down.  no_new_privs covers the rest.
 */
static int drop_bounding(char *err, size_t errlen)
{
	int c, n = last_cap();

	if (!privs_has_cap(CAP_SETPCAP))
		return 0;
	for (c = 0; c <= n; c++) {
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL) {
			snprintf(err, errlen, "cannot drop capability %d from the bounding set: %s", c,
				 strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int switch_user(const struct privs_target *t, char *err, size_t errlen)
{
	if (setgroups(t->ngroups, t->groups)) {
		snprintf(err, errlen, "setgroups: %s", strerror(errno));
		return -errno;
	}
	if (setresgid(t->gid, t->gid, t->gid)) {
		snprintf(err, errlen, "setresgid(%u): %s", (unsigned)t->gid, strerror(errno));
		return -errno;
	}
	if (setresuid(t->uid, t->uid, t->uid)) {
		snprintf(err, errlen, "setresuid(%u): %s", (unsigned)t->uid, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Trust nothing: read back what the kernel now says about us. */
static int verify(const struct privs_target *t, char *err, size_t errlen)
{
	struct __user_cap_data_struct d[2];
	uid_t r, e, s;
	gid_t gr, ge, gs;
	int i;

	if (cap_get(d)) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -errno;
	}
	for (i = 0; i < 2; i++) {
		if (d[i].effective || d[i].permitted || d[i].inheritable) {
			snprintf(err, errlen, "capabilities remain after dropping them");
			return -EPERM;
		}
	}
	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs) || r != t->uid || e != t->uid ||
	    s != t->uid || gr != t->gid || ge != t->gid || gs != t->gid) {
		snprintf(err, errlen, "user or group ids did not change to %u:%u", (unsigned)t->uid,
			 (unsigned)t->gid);
		return -EPERM;
	}
	if (t->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "could become root again after dropping privileges");
		return -EPERM;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, errlen, "no_new_privs did not stick");
		return -EPERM;
	}
	return 0;
}

int privs_drop(const struct privs_target *t, char *err, size_t errlen)
{
	struct __user_cap_data_struct none[2] = {};
	int e;

	e = drop_bounding(err, errlen);
	if (e)
		return e;
	/* uid 0 without capabilities: an execve must not give them back */
	if (t->uid == 0 && privs_has_cap(CAP_SETPCAP) &&
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0)) {
		snprintf(err, errlen, "cannot set the noroot securebit: %s", strerror(errno));
		return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(errno));
		return -errno;
	}
	if (t->change_user) {
		e = switch_user(t, err, errlen);
		if (e)
			return e;
	}
	if (cap_set(none)) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -errno;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	/* no core dumps of wire bytes, and no ptrace or pidfd_getfd of our BPF fds */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
		snprintf(err, errlen, "cannot clear the dumpable flag: %s", strerror(errno));
		return -errno;
	}
	return verify(t, err, errlen);
}
