// SPDX-License-Identifier: BSD-3-Clause
/*
 * The listeners that exist when tlsmon starts, from /proc: each network
 * namespace's /proc/PID/net/tcp and tcp6 read once (a listening socket's
 * inode, address and port), then every process's descriptors (who holds
 * that inode).  Several processes hold one listener (nginx's master and
 * workers, a socket inherited across fork): the owner is a holder whose
 * parent is not also one, the lowest pid of those — the process that
 * opened it, as listen() would have named it.  Its identity comes from
 * /proc/PID (sockseed_id.c) as the BPF side takes it from the task.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "source/sockseed.h"
#include "source/sockseed_id.h"

#define HOLDERS 8		/* holders of one listener kept to choose from */
#define TCP_LISTEN 0x0a

struct listener {
	uint64_t inode;
	struct sockid_key key;
	uint32_t netns;
	uint32_t pid[HOLDERS], ppid[HOLDERS];
	int holders;
	int seeded;
	uint64_t created_ns;
};

struct netns {
	uint32_t ino;
	uint32_t pid;		/* a process in it: whose /proc/PID/net is read */
};

struct walk {
	const char *proc;
	struct listener *l;
	size_t n;
	struct netns ns[SOCKSEED_MAX_NETNS];
	size_t nns;
	struct sockseed_stats *st;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly len hex digits at s into *v (len <= 8). */
static int hex32(const char *s, size_t len, uint32_t *v)
{
	size_t i;
	int h;

	*v = 0;
	for (i = 0; i < len; i++) {
		h = hexval(s[i]);
		if (h < 0)
			return -1;
		*v = *v << 4 | (uint32_t)h;
	}
	return 0;
}

/*
 * "ADDR:PORT" as the kernel prints it: the address as 32-bit words in the
 * host's order (%08X each), the port %04X.  len is the token's length.
 */
static int parse_end(const char *s, size_t len, int v6, uint8_t addr[16], uint16_t *port)
{
	size_t words = v6 ? 4 : 1, i;
	uint32_t w;

	if (len != words * 8 + 5 || s[words * 8] != ':')
		return -1;
	memset(addr, 0, 16);
	if (!v6)
		addr[10] = addr[11] = 0xff;
	for (i = 0; i < words; i++) {
		if (hex32(s + i * 8, 8, &w))
			return -1;
		memcpy(addr + (v6 ? i * 4 : 12), &w, 4);
	}
	if (hex32(s + words * 8 + 1, 4, &w))
		return -1;
	*port = (uint16_t)w;
	return 0;
}

/* A decimal token into *v, refusing overflow. */
static int parse_dec(const char *s, size_t len, uint64_t *v)
{
	size_t i;

	if (!len || len > 20)
		return -1;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || *v > (UINT64_MAX - (s[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode */
#define TOKENS 10

int sockseed_parse_line(const char *line, int v6, struct sockid_key *k, uint64_t *inode)
{
	const char *tok[TOKENS];
	size_t len[TOKENS], n = 0;
	const char *p = line;
	uint8_t raddr[16];
	uint16_t rport;
	uint32_t st;

	while (n < TOKENS) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		tok[n] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		len[n] = (size_t)(p - tok[n]);
		n++;
	}
	if (n < TOKENS || len[0] < 2 || tok[0][len[0] - 1] != ':' || len[3] != 2 ||
	    hex32(tok[3], 2, &st))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	if (parse_end(tok[1], len[1], v6, k->laddr, &k->lport) ||
	    parse_end(tok[2], len[2], v6, raddr, &rport) || parse_dec(tok[9], len[9], inode))
		return -EINVAL;
	return st == TCP_LISTEN && *inode ? 1 : 0;
}

static void add_listener(struct walk *w, const struct sockid_key *k, uint64_t inode, uint32_t ns)
{
	struct listener *l;

	if (w->n == SOCKSEED_MAX_LISTENERS) {
		w->st->skipped++;
		return;
	}
	l = &w->l[w->n++];
	memset(l, 0, sizeof(*l));
	l->inode = inode;
	l->key = *k;
	l->netns = ns;
}

/* The listening sockets of pid's network namespace, from /proc/PID/net/tcp{,6}. */
static void read_table(struct walk *w, uint32_t pid, uint32_t ns, int v6)
{
	char path[64], line[512];
	struct sockid_key k;
	uint64_t inode, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/net/tcp%s", w->proc, pid, v6 ? "6" : "");
	f = fopen(path, "re");
	if (!f)
		return;		/* no IPv6, or the process is gone */
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			/* longer than the kernel writes: the rest of it is not a line */
			w->st->malformed++;
			while (fgets(line, sizeof(line), f) && !strchr(line, '\n'))
				;
			continue;
		}
		if (n++ == 0)
			continue;	/* the header */
		if (n > SOCKSEED_MAX_LINES) {
			w->st->skipped++;
			break;
		}
		switch (sockseed_parse_line(line, v6, &k, &inode)) {
		case 1:
			add_listener(w, &k, inode, ns);
			break;
		case 0:
			break;
		default:
			w->st->malformed++;
		}
	}
	fclose(f);
}

/* A /proc entry's pid, 0 for what is not a process. */
static uint32_t pid_of(const char *name)
{
	uint64_t v;

	if (parse_dec(name, strlen(name), &v) || !v || v > 4194304)
		return 0;
	return (uint32_t)v;
}

/* Each network namespace once: its tables, read through the first process seen in it. */
static void walk_netns(struct walk *w, uint32_t pid)
{
	char path[64];
	struct stat sb;
	size_t i;

	snprintf(path, sizeof(path), "%s/%u/ns/net", w->proc, pid);
	if (stat(path, &sb)) {
		w->st->unreadable++;
		return;
	}
	for (i = 0; i < w->nns; i++)
		if (w->ns[i].ino == (uint32_t)sb.st_ino)
			return;
	if (w->nns == SOCKSEED_MAX_NETNS) {
		w->st->skipped++;
		return;
	}
	w->ns[w->nns].ino = (uint32_t)sb.st_ino;
	w->ns[w->nns++].pid = pid;
	read_table(w, pid, (uint32_t)sb.st_ino, 0);
	read_table(w, pid, (uint32_t)sb.st_ino, 1);
}

static int by_inode(const void *a, const void *b)
{
	const struct listener *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* "socket:[N]" -> N, 0 for anything else. */
static uint64_t socket_inode(const char *link, size_t len)
{
	uint64_t v;

	if (len < 10 || memcmp(link, "socket:[", 8) || link[len - 1] != ']' ||
	    parse_dec(link + 8, len - 9, &v))
		return 0;
	return v;
}

static void add_holder(struct walk *w, struct listener *l, uint32_t pid, uint32_t *ppid)
{
	int i;

	for (i = 0; i < l->holders; i++)
		if (l->pid[i] == pid)
			return;		/* the same socket twice (dup) */
	if (l->holders == HOLDERS) {
		w->st->skipped++;
		return;
	}
	if (*ppid == UINT32_MAX)
		*ppid = sockseed_id_ppid(w->proc, pid);
	l->pid[l->holders] = pid;
	l->ppid[l->holders++] = *ppid;
}

/* pid's descriptors: the listeners it holds. */
static void walk_fds(struct walk *w, uint32_t pid)
{
	uint32_t ppid = UINT32_MAX, nfd = 0;
	struct listener key, *l;
	char path[64], link[64];
	struct dirent *de;
	ssize_t len;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%u/fd", w->proc, pid);
	d = opendir(path);
	if (!d) {
		w->st->unreadable++;
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (nfd++ == SOCKSEED_MAX_FDS) {
			w->st->skipped++;
			break;
		}
		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link));
		if (len <= 0 || (size_t)len >= sizeof(link))
			continue;
		key.inode = socket_inode(link, (size_t)len);
		if (!key.inode)
			continue;
		l = bsearch(&key, w->l, w->n, sizeof(*l), by_inode);
		if (l)
			add_holder(w, l, pid, &ppid);
	}
	closedir(d);
}

/* Every process of proc, once per pass: pass 0 the namespaces, 1 the descriptors. */
static int walk_procs(struct walk *w, int pass)
{
	struct dirent *de;
	uint32_t pid, n = 0;
	DIR *d;

	d = opendir(w->proc);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid = pid_of(de->d_name);
		if (!pid)
			continue;
		if (n++ == SOCKSEED_MAX_PROCS) {
			w->st->skipped++;
			break;
		}
		if (pass == 0)
			walk_netns(w, pid);
		else
			walk_fds(w, pid);
	}
	closedir(d);
	return 0;
}

/* The holder that opened it: whose parent does not hold it too; the lowest such pid. */
static uint32_t owner(const struct listener *l)
{
	uint32_t best = 0;
	int i, j, inherited;

	for (i = 0; i < l->holders; i++) {
		inherited = 0;
		for (j = 0; j < l->holders; j++)
			inherited |= l->ppid[i] == l->pid[j];
		if (!inherited && (!best || l->pid[i] < best))
			best = l->pid[i];
	}
	return best;
}

static int by_key(const void *a, const void *b)
{
	const struct listener *x = a, *y = b;
	int c = memcmp(&x->key, &y->key, sizeof(x->key));

	if (c)
		return c;
	return x->netns < y->netns ? -1 : x->netns > y->netns;
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put(struct walk *w, int map_fd, struct listener *l, const char *cg_root)
{
	struct sockid_val v;
	uint32_t pid = owner(l);

	if (!pid)
		return;		/* held by no process readable here */
	memset(&v, 0, sizeof(v));
	if (sockseed_id_read(w->proc, pid, cg_root, &v)) {
		w->st->unreadable++;
		return;		/* gone since */
	}
	/* before any connection it may serve: the stale rules see an open listener */
	v.created_ns = l->created_ns = boottime_ns();
	v.netns = l->netns;
	v.side = SOCKID_SIDE_SERVER;
	v.flags |= SOCKID_F_LISTENER | SOCKID_F_SEEDED;
	if (!bpf_map_update_elem(map_fd, &l->key, &v, BPF_NOEXIST)) {
		l->seeded = 1;
		w->st->seeded++;
	} else if (errno == EEXIST) {
		w->st->present++;
	} else {
		w->st->failed++;
	}
}

/*
 * One entry per address and port, as the key has no namespace: where
 * several namespaces listen on it, tlsmon's own (the one its interfaces
 * deliver to), else none rather than a guess.  Within one namespace
 * (SO_REUSEPORT) the first, sorted: each is the same key's listener.
 */
static void seed(struct walk *w, int map_fd, uint32_t own_netns, const char *cg_root)
{
	size_t i, j, k, pick;

	qsort(w->l, w->n, sizeof(*w->l), by_key);
	for (i = 0; i < w->n; i = j) {
		pick = i;
		for (j = i + 1; j < w->n && !memcmp(&w->l[j].key, &w->l[i].key, sizeof(w->l[i].key)); j++)
			if (w->l[j].netns == own_netns && w->l[pick].netns != own_netns)
				pick = j;
		for (k = i; k < j; k++)
			if (w->l[k].netns != w->l[pick].netns)
				break;
		if (k < j && w->l[pick].netns != own_netns) {
			w->st->ambiguous++;
			continue;
		}
		put(w, map_fd, &w->l[pick], cg_root);
	}
}

/*
 * A listener closed between its table's reading and its entry: the
 * tracepoint found no entry to stamp.  Read the tables again; what is no
 * longer listed is stamped closed here, if the entry is still the seeded one.
 */
static void recheck(struct walk *w, int map_fd)
{
	struct listener *old = w->l;
	size_t n = w->n, i, nns = w->nns;
	struct sockid_val v;

	w->l = calloc(SOCKSEED_MAX_LISTENERS, sizeof(*w->l));
	if (!w->l) {
		w->l = old;
		return;
	}
	w->n = 0;
	for (i = 0; i < nns; i++) {
		read_table(w, w->ns[i].pid, w->ns[i].ino, 0);
		read_table(w, w->ns[i].pid, w->ns[i].ino, 1);
	}
	qsort(w->l, w->n, sizeof(*w->l), by_inode);
	for (i = 0; i < n; i++) {
		if (!old[i].seeded || bsearch(&old[i], w->l, w->n, sizeof(*w->l), by_inode))
			continue;
		if (bpf_map_lookup_elem(map_fd, &old[i].key, &v) || !(v.flags & SOCKID_F_SEEDED) ||
		    v.created_ns != old[i].created_ns || v.closed_ns)
			continue;
		v.closed_ns = boottime_ns();
		if (!bpf_map_update_elem(map_fd, &old[i].key, &v, BPF_EXIST))
			w->st->vanished++;
	}
	free(w->l);
	w->l = old;
	w->n = n;
}

int sockseed_run(int map_fd, const char *proc, uint32_t own_netns, struct sockseed_stats *st)
{
	struct walk *w;
	char cg_root[256];
	int e;

	memset(st, 0, sizeof(*st));
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->proc = proc;
	w->st = st;
	w->l = calloc(SOCKSEED_MAX_LISTENERS, sizeof(*w->l));
	e = w->l ? walk_procs(w, 0) : -ENOMEM;
	if (e)
		goto cleanup;
	qsort(w->l, w->n, sizeof(*w->l), by_inode);
	e = walk_procs(w, 1);
	if (e)
		goto cleanup;
	sockseed_id_cgroup_root(proc, cg_root, sizeof(cg_root));
	seed(w, map_fd, own_netns, cg_root);
	recheck(w, map_fd);
cleanup:
	free(w->l);
	free(w);
	return e;
}
