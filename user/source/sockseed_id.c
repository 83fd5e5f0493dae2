// SPDX-License-Identifier: BSD-3-Clause
/*
 * A listener's owner named from /proc/PID: comm, the executable (readlink
 * of exe), the real uid (status), the cgroup v2 path (the "0::" line of
 * cgroup) and its id (the inode of that directory, as the kernel numbers
 * cgroups).  Paths longer than the BPF side keeps keep their tail and the
 * same flags say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source/sockseed_id.h"

#define FILE_MAX 4096		/* what is read of status, cgroup, a mountinfo line */

/* At most FILE_MAX - 1 bytes of path, NUL-terminated: their length, or -errno. */
static ssize_t read_small(const char *path, char *buf)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < FILE_MAX - 1) {
		n = read(fd, buf + got, FILE_MAX - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = 0;
	return got ? got : -ENOENT;	/* an exited process's files read empty */
}

/* The number after "\nNAME:\t" in a status file, UINT32_MAX when absent. */
static uint32_t status_field(const char *status, const char *name)
{
	const char *p = status;
	size_t len = strlen(name);
	char *end;
	unsigned long v;

	while (p) {
		if (!strncmp(p, name, len) && p[len] == ':') {
			errno = 0;
			v = strtoul(p + len + 1, &end, 10);
			if (errno || end == p + len + 1 || v > UINT32_MAX - 1)
				return UINT32_MAX;
			return (uint32_t)v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return UINT32_MAX;
}

uint32_t sockseed_id_ppid(const char *proc, uint32_t pid)
{
	char path[64], *buf = malloc(FILE_MAX);
	uint32_t v = 0;

	if (!buf)
		return 0;
	snprintf(path, sizeof(path), "%s/%u/status", proc, pid);
	if (read_small(path, buf) > 0)
		v = status_field(buf, "PPid");
	free(buf);
	return v == UINT32_MAX ? 0 : v;
}

/* src (len bytes) into dst[SOCKID_PATH_MAX]; longer: its tail from a '/', 1. */
static int keep_path(char *dst, const char *src, size_t len)
{
	const char *p = src;

	if (len < SOCKID_PATH_MAX) {
		memcpy(dst, src, len);
		dst[len] = 0;
		return 0;
	}
	p = src + len - (SOCKID_PATH_MAX - 1);
	while (*p && *p != '/')
		p++;
	snprintf(dst, SOCKID_PATH_MAX, "%s", p);
	return 1;
}

/* The cgroup2 mount point of one mountinfo, prefix in front, if it can be stat()ed: 0. */
static int find_cgroup2(const char *mountinfo, const char *prefix, char *out, size_t len)
{
	char line[FILE_MAX], root[FILE_MAX], mnt[FILE_MAX], *sep;
	struct stat sb;
	int found = -1;
	FILE *f = fopen(mountinfo, "re");

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		/* the whole hierarchy only, and a mount point without escapes (\040) */
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    strcmp(root, "/") || strchr(mnt, '\\'))
			continue;
		if ((size_t)snprintf(out, len, "%s%s", prefix, strcmp(mnt, "/") ? mnt : "") < len &&
		    !stat(*out ? out : "/", &sb))
			found = 0;
	}
	fclose(f);
	return found;
}

#define ANCESTORS_MAX 64

/*
 * Ours first; else through the root of an ancestor (ip netns exec mounts
 * a /sys without cgroups, its caller still has them), then of pid 1 (may
 * be refused: not dumpable).
 */
void sockseed_id_cgroup_root(const char *proc, char *out, size_t len)
{
	char mi[64], prefix[64];
	uint32_t pid = (uint32_t)getppid();
	int i;

	snprintf(mi, sizeof(mi), "%s/self/mountinfo", proc);
	if (!find_cgroup2(mi, "", out, len))
		return;
	for (i = 0; i < ANCESTORS_MAX && pid > 1; i++) {
		snprintf(mi, sizeof(mi), "%s/%u/mountinfo", proc, pid);
		snprintf(prefix, sizeof(prefix), "%s/%u/root", proc, pid);
		if (!find_cgroup2(mi, prefix, out, len))
			return;
		pid = sockseed_id_ppid(proc, pid);
	}
	snprintf(mi, sizeof(mi), "%s/1/mountinfo", proc);
	snprintf(prefix, sizeof(prefix), "%s/1/root", proc);
	if (!find_cgroup2(mi, prefix, out, len))
		return;
	out[0] = 0;
}

/* The "0::PATH" line of /proc/PID/cgroup, and the id of that directory. */
static int read_cgroup(const char *proc, uint32_t pid, const char *cg_root, char *buf,
		       struct sockid_val *v)
{
	char path[64], *p, *end, *dir;
	struct stat sb;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/cgroup", proc, pid);
	n = read_small(path, buf);
	if (n < 0)
		return (int)n;
	p = !strncmp(buf, "0::", 3) ? buf : strstr(buf, "\n0::");
	if (!p)
		return 0;	/* no v2 hierarchy: the BPF side names "/" and its root */
	p += p == buf ? 3 : 4;
	end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	if (*p != '/')
		return 0;
	if (keep_path(v->cgroup, p, (size_t)(end - p)))
		v->flags |= SOCKID_F_CGROUP_CUT;
	*end = 0;
	if (!*cg_root || asprintf(&dir, "%s%s", cg_root, p) < 0)
		return 0;
	if (!stat(dir, &sb))
		v->cgroup_id = sb.st_ino;
	free(dir);
	return 0;
}

/* The executable, as the kernel's path walk gives it: no " (deleted)" mark. */
static void read_exe(const char *proc, uint32_t pid, char *buf, struct sockid_val *v)
{
	static const char del[] = " (deleted)";
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/exe", proc, pid);
	n = readlink(path, buf, FILE_MAX);
	if (n <= 0 || n >= FILE_MAX) {
		v->flags |= SOCKID_F_NO_EXE;	/* a kernel thread, or not readable */
		return;
	}
	if ((size_t)n > sizeof(del) - 1 && !memcmp(buf + n - (sizeof(del) - 1), del, sizeof(del) - 1))
		n -= sizeof(del) - 1;
	if (keep_path(v->exe, buf, (size_t)n))
		v->flags |= SOCKID_F_EXE_CUT;
}

int sockseed_id_read(const char *proc, uint32_t pid, const char *cg_root, struct sockid_val *v)
{
	char path[64], *buf = malloc(FILE_MAX);
	ssize_t n;
	int e;

	if (!buf)
		return -ENOMEM;
	v->pid = v->tid = pid;
	snprintf(path, sizeof(path), "%s/%u/status", proc, pid);
	n = read_small(path, buf);
	e = n < 0 ? (int)n : 0;
	if (!e) {
		v->uid = status_field(buf, "Uid");
		e = v->uid == UINT32_MAX ? -EINVAL : 0;
	}
	if (!e) {
		snprintf(path, sizeof(path), "%s/%u/comm", proc, pid);
		n = read_small(path, buf);
		e = n < 0 ? (int)n : 0;
	}
	if (!e) {
		buf[strcspn(buf, "\n")] = 0;
		snprintf(v->comm, sizeof(v->comm), "%s", buf);
		read_exe(proc, pid, buf, v);
		e = read_cgroup(proc, pid, cg_root, buf, v);
	}
	free(buf);
	return e;
}
