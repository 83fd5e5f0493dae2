// SPDX-License-Identifier: BSD-3-Clause
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corpus.h"

static char **found;
static size_t nfound, capfound;

const char *corpus_dir(void)
{
	const char *d = getenv("TLSMON_CORPUS");

	return d && *d ? d : "../shared/corpus";
}

const char *corpus_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", corpus_dir(), rel);
	return buf;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	static const char sfx[] = ".tshark.tsv";
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || n <= sizeof(sfx) - 1 || strcmp(path + n - (sizeof(sfx) - 1), sfx))
		return 0;
	if (nfound + 2 > capfound) {
		capfound = capfound ? capfound * 2 : 64;
		found = realloc(found, capfound * sizeof(*found));
	}
	found[nfound++] = strndup(path, n - (sizeof(sfx) - 1));
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **corpus_captures(size_t *n)
{
	char **v;

	found = NULL;
	nfound = capfound = 0;
	nftw(corpus_dir(), visit, 16, FTW_PHYS);
	if (!found) {
		*n = 0;
		return calloc(1, sizeof(char *));
	}
	qsort(found, nfound, sizeof(*found), cmp);
	found[nfound] = NULL;
	v = found;
	*n = nfound;
	found = NULL;
	return v;
}

void corpus_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}
