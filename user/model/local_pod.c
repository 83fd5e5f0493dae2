// SPDX-License-Identifier: BSD-3-Clause
/*
 * The kubelet's pod directories, read for a pod's namespace and name (what
 * is read and why it is trusted that far: local_pod.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/clock.h"
#include "model/local_pod.h"

#define HOSTS_READ_MAX 4096	/* the pod's line comes within the first ~300 bytes */
#define NS_READ_MAX 80		/* a namespace is at most 63 bytes */
#define NAME_MAX_LEN 63		/* a DNS label, and the kubelet cuts host names there */
#define PROJECTED_SCAN_MAX 64	/* volume directories looked at per pod */
#define UID_LEN_MAX 36
#define TOKEN_VOLUME "kube-api-access-"
#define HOSTS_HEADER "# Kubernetes-managed hosts file."

struct pod_entry {
	char uid[UID_LEN_MAX + 1];
	char ns[NAME_MAX_LEN + 1];
	char name[NAME_MAX_LEN + 1];
	int found;
	uint64_t retry_ms;	/* not found or incomplete: ask again after */
	uint64_t used;
};

static struct {
	pthread_mutex_t lock;
	char root[PATH_MAX];
	struct pod_entry e[LOCAL_POD_CACHE];
	unsigned n;
	uint64_t tick;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* At most cap - 1 bytes of a regular file, NUL-terminated; its length or -errno. */
static ssize_t read_small(int dirfd, const char *rel, char *buf, size_t cap)
{
	struct stat st;
	size_t n = 0;
	ssize_t k;
	int fd;

	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	while (n < cap - 1) {
		k = read(fd, buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += k;
	}
	close(fd);
	buf[n] = 0;
	return n;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Lower-case alphanumerics and extra, 1..63 bytes, starting and ending alphanumeric. */
static int k8s_name_ok(const char *s, size_t n, const char *extra)
{
	size_t i;

	if (n == 0 || n > NAME_MAX_LEN || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !(s[i] && strchr(extra, s[i])))
			return 0;
	return 1;
}

static int is_fixed_entry(const char *addr, size_t n)
{
	return (n == 9 && !memcmp(addr, "127.0.0.1", 9)) || (n == 3 && !memcmp(addr, "::1", 3)) ||
	       (n >= 6 && !memcmp(addr, "fe00::", 6));
}

/* Split a line into at most 4 blank-separated fields; their count, 5 if more. */
static unsigned split_fields(const char *s, size_t n, const char *f[4], size_t fl[4])
{
	unsigned nf = 0;
	size_t i = 0;

	while (i < n) {
		size_t j;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		if (nf == 4)
			return 5;
		for (j = i; j < n && s[j] != ' ' && s[j] != '\t'; j++)
			;
		f[nf] = s + i;
		fl[nf++] = j - i;
		i = j;
	}
	return nf;
}

/* The pod's host name from a kubelet-written etc-hosts (layout: local_pod.h). */
static int hosts_name(const char *buf, size_t n, char *name, size_t len)
{
	const char *end = buf + n, *line = buf, *nl;
	size_t hl = strlen(HOSTS_HEADER);

	nl = memchr(line, '\n', end - line);
	if (!nl || (size_t)(nl - line) != hl || memcmp(line, HOSTS_HEADER, hl))
		return -EINVAL;
	/* only whole lines: one cut by the read cap is not used */
	for (line = nl + 1; (nl = memchr(line, '\n', end - line)); line = nl + 1) {
		const char *f[4];
		size_t fl[4];
		unsigned nf;

		if (line < nl && line[0] == '#')
			break;	/* the pod's own HostAliases follow */
		nf = split_fields(line, nl - line, f, fl);
		if (nf == 0 || is_fixed_entry(f[0], fl[0]))
			continue;
		if (nf == 3 && (fl[1] <= fl[2] || memcmp(f[1], f[2], fl[2]) || f[1][fl[2]] != '.'))
			return -EINVAL;
		if ((nf != 2 && nf != 3) || !k8s_name_ok(f[nf - 1], fl[nf - 1], "-.") ||
		    fl[nf - 1] >= len)
			return -EINVAL;
		memcpy(name, f[nf - 1], fl[nf - 1]);
		name[fl[nf - 1]] = 0;
		return 0;
	}
	return -ENOENT;
}

static void pod_name(int podfd, char *name, size_t len)
{
	char buf[HOSTS_READ_MAX];
	ssize_t n = read_small(podfd, "etc-hosts", buf, sizeof(buf));

	if (n > 0 && !memchr(buf, 0, n))
		hosts_name(buf, n, name, len);
}

static int ns_from(int projfd, const char *vol, char *ns, size_t len)
{
	char rel[NAME_MAX + 16], buf[NS_READ_MAX];
	ssize_t n;

	snprintf(rel, sizeof(rel), "%s/namespace", vol);
	n = read_small(projfd, rel, buf, sizeof(buf));
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n <= 0 || !k8s_name_ok(buf, n, "-") || (size_t)n >= len)
		return -EINVAL;
	memcpy(ns, buf, n);
	ns[n] = 0;
	return 0;
}

static void pod_namespace(int podfd, char *ns, size_t len)
{
	struct dirent *d;
	unsigned seen = 0;
	DIR *dir;
	int fd;

	fd = openat(podfd, "volumes/kubernetes.io~projected",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((d = readdir(dir)) && seen++ < PROJECTED_SCAN_MAX)
		if (!strncmp(d->d_name, TOKEN_VOLUME, strlen(TOKEN_VOLUME)) &&
		    !ns_from(dirfd(dir), d->d_name, ns, len))
			break;
	closedir(dir);
}

static int uid_safe(const char *uid)
{
	size_t n = strnlen(uid, UID_LEN_MAX + 1);

	return n > 0 && n <= UID_LEN_MAX && strspn(uid, "0123456789abcdef-") == n;
}

static void pod_read(const char *root, struct pod_entry *e)
{
	char path[PATH_MAX];
	int fd;

	e->found = 0;
	e->ns[0] = e->name[0] = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/pods/%s", root, e->uid) >= sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	e->found = 1;
	pod_name(fd, e->name, sizeof(e->name));
	pod_namespace(fd, e->ns, sizeof(e->ns));
	close(fd);
}

/* The entry for uid: cached, or a new one (the least recently used replaced). */
static struct pod_entry *pod_slot(const char *uid, int *fresh)
{
	struct pod_entry *e, *lru = NULL;
	unsigned i;

	*fresh = 0;
	for (i = 0; i < cache.n; i++) {
		e = &cache.e[i];
		if (!strcmp(e->uid, uid))
			return e;
		if (!lru || e->used < lru->used)
			lru = e;
	}
	e = cache.n < LOCAL_POD_CACHE ? &cache.e[cache.n++] : lru;
	memset(e, 0, sizeof(*e));
	snprintf(e->uid, sizeof(e->uid), "%s", uid);
	*fresh = 1;
	return e;
}

static void copy_out(char *dst, size_t len, const char *src)
{
	if (len && strlen(src) < len)
		memcpy(dst, src, strlen(src) + 1);
	else if (len)
		dst[0] = 0;
}

int local_pod_lookup(const char *kubelet_root, const char *uid, char *ns, size_t nslen,
		     char *name, size_t namelen)
{
	struct pod_entry *e;
	uint64_t now;
	int fresh, found;

	copy_out(ns, nslen, "");
	copy_out(name, namelen, "");
	if (!kubelet_root || !uid_safe(uid) || strlen(kubelet_root) >= sizeof(cache.root))
		return -ENOENT;
	now = clock_mono_ms();
	pthread_mutex_lock(&cache.lock);
	if (strcmp(cache.root, kubelet_root)) {
		snprintf(cache.root, sizeof(cache.root), "%s", kubelet_root);
		cache.n = 0;
	}
	e = pod_slot(uid, &fresh);
	e->used = ++cache.tick;
	if (fresh || ((!e->name[0] || !e->ns[0]) && now >= e->retry_ms)) {
		pod_read(kubelet_root, e);
		e->retry_ms = now + LOCAL_POD_RETRY_MS;
	}
	copy_out(ns, nslen, e->ns);
	copy_out(name, namelen, e->name);
	found = e->found;
	pthread_mutex_unlock(&cache.lock);
	return found ? 0 : -ENOENT;
}

void local_pod_forget(void)
{
	pthread_mutex_lock(&cache.lock);
	cache.n = 0;
	cache.root[0] = 0;
	pthread_mutex_unlock(&cache.lock);
}
