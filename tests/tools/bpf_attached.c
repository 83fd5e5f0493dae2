// SPDX-License-Identifier: BSD-3-Clause
/*
 * Print the BPF programs attached to an interface of the current network
 * namespace, one per line: "<hook> <prog id> <prog name>", hooks xdp,
 * tcx_ingress, tcx_egress, tc_ingress, tc_egress (netlink clsact filters).
 * Tests use it to prove what tlsmon leaves behind; bpftool of some
 * distributions does not know TCX links yet.
 *
 * usage: bpf_attached IFNAME      exit 0, or 2 when IFNAME does not exist
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "source/bpf_hook.h"

#define TCX_INGRESS 46
#define TCX_EGRESS 47

static void print_prog(const char *hook, __u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		printf("%s %u %s\n", hook, id, info.name);
	else
		printf("%s %u ?\n", hook, id);
	if (fd >= 0)
		close(fd);
}

static int quiet(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l;
	(void)f;
	(void)a;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int type; } tcx[] = {
		{ "tcx_ingress", TCX_INGRESS }, { "tcx_egress", TCX_EGRESS },
	};
	static const struct { const char *name; enum bpf_tc_attach_point pt; } tc[] = {
		{ "tc_ingress", BPF_TC_INGRESS }, { "tc_egress", BPF_TC_EGRESS },
	};
	unsigned int ifindex;
	__u32 id = 0, ids[64], n, flags;
	size_t i, j;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IFNAME\n", argv[0]);
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	libbpf_set_print(quiet);
	if (!bpf_xdp_query_id(ifindex, 0, &id) && id)
		print_prog("xdp", id);
	for (i = 0; i < 2; i++) {
		n = 64;
		if (bpf_prog_query(ifindex, tcx[i].type, 0, &flags, ids, &n))
			continue;	/* no TCX in this kernel */
		for (j = 0; j < n; j++)
			print_prog(tcx[i].name, ids[j]);
	}
	for (i = 0; i < 2; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = tc[i].pt);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = TLSMON_TC_HANDLE,
				    .priority = TLSMON_TC_PRIO);

		if (!bpf_tc_query(&hook, &q))
			print_prog(tc[i].name, q.prog_id);
	}
	return 0;
}
