// SPDX-License-Identifier: BSD-3-Clause
/*
 * Count the flows in the flow table of a running tlsmon, from the kernel's
 * side: the "flows" map among the BPF maps process PID holds, its slots with
 * a tag (headers/tlsmon_dp_types.h).  Tests use it to check the sweep and the
 * flows' ends against what tlsmon itself reports.
 *
 * usage: bpf_flows PID     prints the count; exit 1 when no such map is found
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "tlsmon_dp_types.h"

/* The map_id of the fdinfo file path, 0 when it is not a BPF map. */
static __u32 map_id_of(const char *path)
{
	char line[256];
	__u32 id = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "map_id: %u", &id) == 1)
			break;
	fclose(f);
	return id;
}

int main(int argc, char **argv)
{
	struct bpf_map_info info;
	__u32 len, id, n = 0, i;
	struct tlsmon_flow_slot *slots;
	struct dirent *d;
	char path[512];
	size_t bytes;
	DIR *dir;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: bpf_flows PID\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/fdinfo", argv[1]);
	dir = opendir(path);
	if (!dir) {
		perror(path);
		return 1;
	}
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", argv[1], d->d_name);
		id = map_id_of(path);
		if (!id)
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || strcmp(info.name, "flows") ||
		    info.value_size != sizeof(*slots)) {
			close(fd);
			continue;
		}
		bytes = (size_t)info.max_entries * sizeof(*slots);
		slots = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
		if (slots == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (i = 0; i < info.max_entries; i++)
			n += __atomic_load_n(&slots[i].tag, __ATOMIC_RELAXED) != 0;
		printf("%u\n", n);
		return 0;
	}
	fprintf(stderr, "bpf_flows: process %s holds no flow table\n", argv[1]);
	return 1;
}
