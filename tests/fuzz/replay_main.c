// SPDX-License-Identifier: BSD-3-Clause
/*
 * A plain main() for the fuzz harnesses: runs LLVMFuzzerTestOneInput over
 * every file named on the command line and every file in the directories
 * named there (not recursive), so a corpus replays under ASan/UBSan without
 * libFuzzer.  Arguments starting with '-' are libFuzzer flags and ignored.
 * Exit status 0 when everything ran; a sanitizer report aborts.
 *
 * It also sets fuzz_replay_mode, which a harness may read (as a weak symbol)
 * to do work too slow for fuzzing but right for a replay.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sanitizer/common_interface_defs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

const int fuzz_replay_mode = 1;

static size_t nrun;
static const char *current;	/* the input being run, named when it fails */

static void name_current(void)
{
	if (current) {
		fprintf(stderr, "replay: failing input: %s\n", current);
		fflush(stderr);
	}
}

static void on_abort(int sig)
{
	name_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		k = fread(buf + n, 1, cap - n, f);
		if (!k)
			break;
		n += k;
	}
	fclose(f);
	/* an exact-size copy, so a read past the input is caught */
	{
		uint8_t *exact = malloc(n ? n : 1);

		if (!exact)
			abort();
		memcpy(exact, buf, n);
		free(buf);
		current = path;
		LLVMFuzzerTestOneInput(exact, n);
		current = NULL;
		free(exact);
	}
	nrun++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char **names = NULL, path[4096];
	size_t n = 0, i;
	int err = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(path);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);	/* the same order every run */
	for (i = 0; i < n; i++) {
		if (replay_file(names[i]))
			err = -1;
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	struct stat st;
	int i, err = 0;

	/* sanitizer reports end through the death callback, invariants in abort() */
	__sanitizer_set_death_callback(name_current);
	signal(SIGABRT, on_abort);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...   (replays every input)\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			err = 1;
		} else if (S_ISDIR(st.st_mode)) {
			err |= !!replay_dir(argv[i]);
		} else {
			err |= !!replay_file(argv[i]);
		}
	}
	printf("replay: %zu inputs\n", nrun);
	return err;
}
