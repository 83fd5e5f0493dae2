// SPDX-License-Identifier: BSD-3-Clause
/*
 * The per-process cache of bpf/sockid.bpf.c (map idents), on the real
 * programs and real loopback connections: a process's second connect()
 * is named from the cache (a planted entry shows through), and the cache
 * never names a socket with stale paths: after exec() the new executable,
 * after a move the new cgroup.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "source/sockid.h"

static struct sockid *sid;
static int lfd = -1;
static uint16_t lport;
static char self_exe[PATH_MAX], self_cg[PATH_MAX], cg_root[64];

/* the cgroup v2 hierarchy: /sys/fs/cgroup, or /sys/fs/cgroup/unified (hybrid) */
static int find_cg_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char p[128];
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(p, sizeof(p), "%s/cgroup.procs", roots[i]);
		snprintf(cg_root, sizeof(cg_root), "%s/cgroup.controllers", roots[i]);
		if (!access(p, W_OK) && !access(cg_root, R_OK)) {
			snprintf(cg_root, sizeof(cg_root), "%s", roots[i]);
			return 0;
		}
	}
	return -1;
}

/* this process's cgroup v2 path, from the "0::" line of /proc/self/cgroup */
static int own_cgroup(char *out, size_t n)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			rc = strlen(line + 3) < n ? 0 : -1;
			if (!rc)
				memcpy(out, line + 3, strlen(line + 3) + 1);
		}
	fclose(f);
	return rc;
}

/* one connection to the listener; its local port (the socket is left open), or 0 */
static uint16_t connect_once(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(lport) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.sin_port);
}

/* what the programs recorded for the client socket of local port cport */
static void entry(uint16_t cport, struct sockid_val *v)
{
	struct sockid_key k;

	memset(&k, 0, sizeof(k));
	k.laddr[10] = k.laddr[11] = k.raddr[10] = k.raddr[11] = 0xff;
	k.laddr[12] = k.raddr[12] = 127;
	k.laddr[15] = k.raddr[15] = 1;
	k.lport = cport;
	k.rport = lport;
	assert_true(cport != 0);
	assert_int_equal(bpf_map_lookup_elem(sockid_map_fd(sid), &k, v), 0);
	assert_int_equal(v->side, SOCKID_SIDE_CLIENT);
}

/* the cache's entries of process tgid: how many, the last one's key */
static int idents_of(uint32_t tgid, struct sockid_ident_key *last)
{
	struct sockid_ident_key k, next;
	int fd = sockid_idents_fd(sid), n = 0, i;
	void *prev = NULL;

	for (i = 0; i < 100000 && !bpf_map_get_next_key(fd, prev, &next); i++) {
		k = next;
		prev = &k;
		if (k.tgid == tgid) {
			*last = k;
			n++;
		}
	}
	return n;
}

static void test_second_connect_cached(void **state)
{
	struct sockid_ident_key k;
	struct sockid_ident id;
	struct sockid_val v;
	uint16_t p;

	(void)state;
	entry(connect_once(), &v);
	assert_string_equal(v.exe, self_exe);
	assert_string_equal(v.cgroup, self_cg);
	assert_int_equal(v.pid, getpid());
	/* walked once, kept under this process */
	assert_int_equal(idents_of(getpid(), &k), 1);
	assert_int_equal(bpf_map_lookup_elem(sockid_idents_fd(sid), &k, &id), 0);
	assert_string_equal(id.exe, self_exe);
	assert_string_equal(id.cgroup, self_cg);
	assert_int_equal(k.cgroup_id, v.cgroup_id);

	/* a planted name shows through: the next connect reads the cache, walks nothing */
	snprintf(id.exe, sizeof(id.exe), "/tlsmon-test/planted");
	assert_int_equal(bpf_map_update_elem(sockid_idents_fd(sid), &k, &id, BPF_EXIST), 0);
	entry(connect_once(), &v);
	assert_string_equal(v.exe, "/tlsmon-test/planted");
	assert_string_equal(v.cgroup, self_cg);

	/* gone from the cache: walked again */
	assert_int_equal(bpf_map_delete_elem(sockid_idents_fd(sid), &k), 0);
	p = connect_once();
	entry(p, &v);
	assert_string_equal(v.exe, self_exe);
	assert_int_equal(idents_of(getpid(), &k), 1);
}

/*
 * A connection whose client end is a socket of tlsmon's own namespace (this
 * process's) is named after one lookup in the kernel's map: the client's
 * end is the answer whatever the server's, so the server's is not asked.
 * The listener's end is on this host too (its listening socket): only that
 * rule leaves it out.
 */
static void test_own_client_one_lookup(void **state)
{
	uint8_t lo[16] = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 };
	struct sockid_query q = { .caddr = lo, .saddr = lo, .sport = lport, .start_seen = 1 };
	struct sockid_val v;
	struct timespec ts;
	uint64_t before;

	(void)state;
	q.cport = connect_once();
	assert_true(q.cport != 0);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	q.first_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	before = sockid_stats(sid)->map_lookups;
	assert_int_equal(sockid_lookup(sid, &q, &v), 1);
	assert_int_equal(v.side, SOCKID_SIDE_CLIENT);
	assert_int_equal(v.pid, getpid());
	assert_int_equal(sockid_stats(sid)->map_lookups - before, 1);
}

/*
 * Fork a child that makes one connection and sends its local port down a
 * pipe: in the child, the pipe's write end (for its second port); in the
 * parent, -1, with the read end in *rfd and the child in *child.
 */
static int fork_connected(int *rfd, pid_t *child)
{
	uint16_t p;
	int pfd[2];

	assert_int_equal(pipe(pfd), 0);
	*child = fork();
	assert_true(*child >= 0);
	if (*child == 0) {
		close(pfd[0]);
		p = connect_once();
		if (write(pfd[1], &p, sizeof(p)) != sizeof(p))
			_exit(3);
		return pfd[1];
	}
	close(pfd[1]);
	*rfd = pfd[0];
	return -1;
}

static void read_ports(int fd, pid_t child, uint16_t p[2])
{
	size_t got = 0;
	ssize_t n = 1;
	int st = 0;

	/* the two ports come in two writes */
	while (got < 2 * sizeof(p[0]) && n > 0) {
		n = read(fd, (char *)p + got, 2 * sizeof(p[0]) - got);
		got += n > 0 ? (size_t)n : 0;
	}
	assert_int_equal(got, 2 * sizeof(p[0]));
	close(fd);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* exec() in a process the cache knows: its next socket names the new program */
static void test_exec_names_new_program(void **state)
{
	char py[PATH_MAX], port[16], fdarg[16];
	struct sockid_val v;
	uint16_t p[2];
	int rfd, wfd;
	pid_t c;

	(void)state;
	if (!realpath("/usr/bin/python3", py))
		skip();
	wfd = fork_connected(&rfd, &c);
	if (wfd >= 0) {
		snprintf(port, sizeof(port), "%u", lport);
		snprintf(fdarg, sizeof(fdarg), "%d", wfd);
		execl("/usr/bin/python3", "python3", "-c",
		      "import os, socket, struct, sys\n"
		      "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
		      "os.write(int(sys.argv[2]), struct.pack('=H', s.getsockname()[1]))\n",
		      port, fdarg, (char *)NULL);
		_exit(4);
	}
	read_ports(rfd, c, p);
	entry(p[0], &v);
	assert_string_equal(v.exe, self_exe);
	assert_int_equal(v.pid, c);
	entry(p[1], &v);
	assert_int_equal(v.pid, c);	/* the same process ... */
	assert_string_equal(v.exe, py);	/* ... another program */
	assert_string_equal(v.comm, "python3");
}

/* a process moved to another cgroup: its next socket names the new cgroup */
static void test_move_names_new_cgroup(void **state)
{
	char dir[PATH_MAX], procs[PATH_MAX + 16], rel[64];
	struct sockid_val v;
	uint16_t p[2];
	int rfd, wfd, i;
	FILE *f;
	pid_t c;

	(void)state;
	if (find_cg_root())
		skip();
	snprintf(rel, sizeof(rel), "/tlsmon-test-%d-cache", getpid());
	snprintf(dir, sizeof(dir), "%s%s", cg_root, rel);
	assert_true(!mkdir(dir, 0755) || errno == EEXIST);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	wfd = fork_connected(&rfd, &c);
	if (wfd >= 0) {
		f = fopen(procs, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
			_exit(5);
		p[1] = connect_once();
		_exit(write(wfd, &p[1], sizeof(p[1])) == sizeof(p[1]) ? 0 : 3);
	}
	read_ports(rfd, c, p);
	/* the child is gone: its cgroup can go (it may take a moment to empty) */
	for (i = 0; i < 50 && rmdir(dir); i++)
		usleep(100000);
	entry(p[0], &v);
	assert_string_equal(v.cgroup, self_cg);
	entry(p[1], &v);
	assert_string_equal(v.cgroup, rel);
	assert_string_equal(v.exe, self_exe);
}

static int setup(void **state)
{
	struct sockid_opts o = { .tp_only = 1 };
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char err[256];
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0 || own_cgroup(self_cg, sizeof(self_cg)))
		return -1;
	self_exe[n] = 0;
	if (sockid_open(&sid, &o, err, sizeof(err))) {
		fprintf(stderr, "sockid_open: %s\n", err);
		return -1;
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&a, &len))
		return -1;
	lport = ntohs(a.sin_port);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (lfd >= 0)
		close(lfd);
	sockid_close(sid);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_connect_cached),
		cmocka_unit_test(test_own_client_one_lookup),
		cmocka_unit_test(test_exec_names_new_program),
		cmocka_unit_test(test_move_names_new_cgroup),
	};

	if (geteuid() != 0) {
		printf("1..1\nok 1 - socket identity cache # SKIP needs root to load BPF programs\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
