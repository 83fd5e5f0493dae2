// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/source/sockseed.c: the /proc/net/tcp{,6} line parser on the
 * kernel's own lines and hostile ones (short, bad hex, wrong widths, huge
 * numbers, overlong lines); and the whole walk over a fake /proc tree made
 * in a temporary directory, into a real BPF hash map (skipped where this
 * user may not create one): nginx's master named rather than its worker,
 * an address listened in two other namespaces left unnamed, tlsmon's own
 * namespace winning one, an entry already there kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "source/sockseed.h"

/* as the kernel writes them (little-endian host) */
#define V4_LISTEN "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 " \
	"00000000     0        0 1268 1 000000001cfce4c5 100 0 0 10 0\n"
#define V4_ESTAB "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 " \
	"00000000     0        0 4242 1 000000001cfce4c5 20 4 30 10 -1\n"
#define V6_LISTEN "   0: 00000000000000000000000000000000:01BB " \
	"00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000" \
	"     0        0 99 1 0000000000000000 100 0 0 10 0\n"
#define V6_LOOP "   1: 00000000000000000000000001000000:0050 " \
	"00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000" \
	"     0        0 100 1 0000000000000000 100 0 0 10 0\n"

static void test_v4_listen(void **state)
{
	struct sockid_key k;
	uint64_t ino = 0;
	const uint8_t want[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };

	(void)state;
	assert_int_equal(sockseed_parse_line(V4_LISTEN, 0, &k, &ino), 1);
	assert_memory_equal(k.laddr, want, 16);
	assert_int_equal(k.lport, 8080);
	assert_int_equal(k.rport, 0);
	assert_int_equal(ino, 1268);
	assert_int_equal(sockseed_parse_line(V4_ESTAB, 0, &k, &ino), 0);
}

static void test_v6_listen(void **state)
{
	struct sockid_key k;
	uint64_t ino = 0;
	const uint8_t any[16] = { 0 }, loop[16] = { [15] = 1 };

	(void)state;
	assert_int_equal(sockseed_parse_line(V6_LISTEN, 1, &k, &ino), 1);
	assert_memory_equal(k.laddr, any, 16);
	assert_int_equal(k.lport, 443);
	assert_int_equal(ino, 99);
	assert_int_equal(sockseed_parse_line(V6_LOOP, 1, &k, &ino), 1);
	assert_memory_equal(k.laddr, loop, 16);
	assert_int_equal(k.lport, 80);
	/* each family's lines are only the other's garbage */
	assert_int_equal(sockseed_parse_line(V6_LISTEN, 0, &k, &ino), -EINVAL);
	assert_int_equal(sockseed_parse_line(V4_LISTEN, 1, &k, &ino), -EINVAL);
}

static void test_hostile(void **state)
{
	static const char *bad[] = {
		"",
		"\n",
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
		/* short: no inode */
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0\n",
		"   0: 0100007F:1F90\n",
		/* bad hex in the address, the port, the state */
		"   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		"   0: 0100007F:1F9Z 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		"   0: 0100007F:1F90 00000000:0000 0X 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		/* widths: a short address, a long port, a 3-digit state, no colon */
		"   0: 100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		"   0: 0100007F:01F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		"   0: 0100007F:1F90 00000000:0000 00A 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		"   0: 0100007F-1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		"   0 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1268\n",
		/* the inode: past 64 bits, a sign, not a number */
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 18446744073709551616\n",
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 -1\n",
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 0x10\n",
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 123456789012345678901234\n",
	};
	struct sockid_key k;
	uint64_t ino;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sockseed_parse_line(bad[i], 0, &k, &ino) != -EINVAL)
			fail_msg("line %zu parsed: %s", i, bad[i]);
	}
	/* the largest inode still is one; inode 0 is no socket */
	assert_int_equal(sockseed_parse_line("   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 "
					     "18446744073709551615\n", 0, &k, &ino), 1);
	assert_true(ino == UINT64_MAX);
	assert_int_equal(sockseed_parse_line("   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 0\n",
					     0, &k, &ino), 0);
}

/* A huge line: every byte flipped in turn never reads past it nor crashes. */
static void test_huge_and_flipped(void **state)
{
	size_t n = 1 << 16, i, len = strlen(V4_LISTEN);
	char *line = malloc(n + 1), flip[sizeof(V4_LISTEN)];
	struct sockid_key k;
	uint64_t ino;

	(void)state;
	assert_non_null(line);
	memset(line, 'A', n);
	line[n] = 0;
	assert_int_equal(sockseed_parse_line(line, 0, &k, &ino), -EINVAL);
	memset(line, ' ', n);
	assert_int_equal(sockseed_parse_line(line, 1, &k, &ino), -EINVAL);
	free(line);
	for (i = 0; i < len; i++) {
		memcpy(flip, V4_LISTEN, len + 1);
		flip[i] ^= 0x5a;
		(void)sockseed_parse_line(flip, 0, &k, &ino);
		flip[i] = 0;
		(void)sockseed_parse_line(flip, 0, &k, &ino);
	}
}

/* ---- the walk, over a fake /proc ---- */

static char root[64];

static void put_file(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void put_dir(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void put_link(const char *rel, const char *target)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static uint32_t ino_of(const char *rel)
{
	char p[256];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(stat(p, &sb), 0);
	return (uint32_t)sb.st_ino;
}

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define LISTEN4(port_hex, ino) "   0: 00000000:" port_hex " 00000000:0000 0A 00000000:00000000 " \
	"00:00000000 00000000     0        0 " ino " 1 0 100 0 0 10 0\n"

#define TABLE_A HDR LISTEN4("0050", "1001") LISTEN4("01BB", "1002") LISTEN4("20FB", "1003") \
	LISTEN4("0019", "1006")

/* pid in namespace file ns (a file: its inode is the namespace), holding the sockets */
static void proc(const char *pid, const char *ppid, const char *comm, const char *ns,
		 const char *tcp, const char *socks)
{
	char rel[128], st[128], *s, *save = NULL, *dup = strdup(socks);
	int fd = 3;

	put_dir(pid);
	snprintf(rel, sizeof(rel), "%s/ns", pid);
	put_dir(rel);
	snprintf(rel, sizeof(rel), "%s/ns/net", pid);
	snprintf(st, sizeof(st), "../../%s", ns);
	put_link(rel, st);
	snprintf(rel, sizeof(rel), "%s/net", pid);
	put_dir(rel);
	snprintf(rel, sizeof(rel), "%s/net/tcp", pid);
	put_file(rel, tcp);
	snprintf(rel, sizeof(rel), "%s/status", pid);
	snprintf(st, sizeof(st), "Name:\t%s\nPPid:\t%s\nUid:\t33\t33\t33\t33\n", comm, ppid);
	put_file(rel, st);
	snprintf(rel, sizeof(rel), "%s/comm", pid);
	snprintf(st, sizeof(st), "%s\n", comm);
	put_file(rel, st);
	snprintf(rel, sizeof(rel), "%s/exe", pid);
	snprintf(st, sizeof(st), "/usr/sbin/%s", comm);
	put_link(rel, st);
	snprintf(rel, sizeof(rel), "%s/cgroup", pid);
	snprintf(st, sizeof(st), "1:name=systemd:/x\n0::/system.slice/%s.service\n", comm);
	put_file(rel, st);
	snprintf(rel, sizeof(rel), "%s/fd", pid);
	put_dir(rel);
	for (s = strtok_r(dup, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		snprintf(rel, sizeof(rel), "%s/fd/%d", pid, fd++);
		snprintf(st, sizeof(st), "socket:[%s]", s);
		put_link(rel, st);
	}
	free(dup);
}

static int lookup(int fd, uint16_t port, struct sockid_val *v)
{
	struct sockid_key k = { .laddr = { [10] = 0xff, [11] = 0xff }, .lport = port };

	return bpf_map_lookup_elem(fd, &k, v);
}

static void test_walk(void **state)
{
	struct sockseed_stats st;
	struct sockid_val v, pre = { .pid = 7, .flags = SOCKID_F_LISTENER };
	struct sockid_key k = { .laddr = { [10] = 0xff, [11] = 0xff }, .lport = 25 };
	char cmd[128];
	int fd;

	(void)state;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(struct sockid_key),
			    sizeof(struct sockid_val), 64, NULL);
	if (fd < 0)
		skip();
	snprintf(root, sizeof(root), "/tmp/tlsmon-sockseed-XXXXXX");
	assert_non_null(mkdtemp(root));
	put_file("netA", "");
	put_file("netB", "");
	put_file("netC", "");
	put_dir("self");
	put_file("self/mountinfo", "");
	/*
	 * nginx: a worker (pid 20, listed first) and its master (pid 300);
	 * 443 in namespaces A and B (no own): unnamed; 8443 in A and C, C
	 * tlsmon's own: C's; 25 already in the map: kept.
	 */
	proc("20", "300", "nginx", "netA", TABLE_A, "1001,1002,1003");
	proc("300", "1", "nginx", "netA", TABLE_A, "1001,1002,1003,1006");
	proc("400", "1", "sshd", "netB", HDR LISTEN4("01BB", "1004"), "1004");
	proc("500", "1", "caddy", "netC", HDR LISTEN4("20FB", "1005"), "1005");
	assert_int_equal(bpf_map_update_elem(fd, &k, &pre, BPF_NOEXIST), 0);

	assert_int_equal(sockseed_run(fd, root, ino_of("netC"), &st), 0);
	assert_int_equal(st.seeded, 2);
	assert_int_equal(st.present, 1);
	assert_int_equal(st.ambiguous, 1);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(lookup(fd, 80, &v), 0);
	assert_int_equal(v.pid, 300);
	assert_int_equal(v.tid, 300);
	assert_int_equal(v.uid, 33);
	assert_string_equal(v.comm, "nginx");
	assert_string_equal(v.exe, "/usr/sbin/nginx");
	assert_string_equal(v.cgroup, "/system.slice/nginx.service");
	assert_int_equal(v.netns, ino_of("netA"));
	assert_int_equal(v.side, SOCKID_SIDE_SERVER);
	assert_int_equal(v.flags, SOCKID_F_LISTENER | SOCKID_F_SEEDED);
	assert_true(v.created_ns > 0 && !v.closed_ns);
	assert_true(lookup(fd, 443, &v) < 0 && errno == ENOENT);
	assert_int_equal(lookup(fd, 8443, &v), 0);
	assert_int_equal(v.pid, 500);
	assert_int_equal(lookup(fd, 25, &v), 0);
	assert_int_equal(v.pid, 7);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_listen),
		cmocka_unit_test(test_v6_listen),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_huge_and_flipped),
		cmocka_unit_test(test_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
