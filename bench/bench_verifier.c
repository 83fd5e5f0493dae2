// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the verifier makes of a BPF object: for each of its programs, the
 * instructions the verifier processed to load it (its "processed N insns",
 * the cost and fragility of the load) and the program's size after
 * verification.  Loads the object for real, then lets go of it.
 *
 *   bench_verifier [OBJECT]   (default: .output/tlsmon.bpf.o next to the binary)
 *
 * Output, tab separated, one line per program:
 *   program  processed_insns  xlated_insns
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define LOG_LEN (16u << 20)

/* The verifier's summary line: "processed N insns (limit ...". */
static long processed(const char *log)
{
	const char *p = log, *q = NULL;

	while ((p = strstr(p, "processed ")))
		q = p++;
	return q ? strtol(q + strlen("processed "), NULL, 10) : -1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : ".output/tlsmon.bpf.o";
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	char **logs;
	int i = 0, n = 0, e;

	libbpf_set_print(quiet);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "bench_verifier: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		n++;
	logs = calloc(n ? n : 1, sizeof(*logs));
	if (!logs)
		return 1;
	bpf_object__for_each_program(prog, obj) {
		logs[i] = calloc(1, LOG_LEN);
		if (!logs[i])
			return 1;
		/* 4: the statistics only, whatever the program's size */
		bpf_program__set_log_level(prog, 4);
		bpf_program__set_log_buf(prog, logs[i], LOG_LEN);
		i++;
	}
	e = bpf_object__load(obj);
	if (e) {
		fprintf(stderr, "bench_verifier: the kernel refused %s: %s\n", path, strerror(-e));
		return 1;
	}
	i = 0;
	printf("program\tprocessed_insns\txlated_insns\n");
	bpf_object__for_each_program(prog, obj) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			info.xlated_prog_len = 0;
		printf("%s\t%ld\t%u\n", bpf_program__name(prog), processed(logs[i]),
		       info.xlated_prog_len / 8);
		free(logs[i++]);
	}
	free(logs);
	bpf_object__close(obj);
	return 0;
}
