// SPDX-License-Identifier: BSD-3-Clause
/*
 * Turns on the kernel's BPF run-time statistics (run_cnt, run_time_ns per
 * program, as bpftool prog show reports them) for as long as it runs:
 * "ready" on stdout once they are on, then it waits for standard input to
 * close (or --max-seconds).  The statistics go off with its file descriptor,
 * whatever happens to this process.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

int main(int argc, char **argv)
{
	int secs = argc > 2 && !strcmp(argv[1], "--max-seconds") ? atoi(argv[2]) : 600;
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char buf[64];
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0) {
		fprintf(stderr, "bench_stats: cannot enable BPF statistics: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < secs; i++) {
		if (poll(&p, 1, 1000) > 0 && read(0, buf, sizeof(buf)) <= 0)
			break;
	}
	close(fd);
	return 0;
}
