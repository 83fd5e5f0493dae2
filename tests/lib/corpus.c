// SPDX-License-Identifier: BSD-3-Clause
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corpus.h"
#include "net_parse.h"
#include "source/pcap_src.h"

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

struct grab {
	uint64_t want;
	int whole;
	uint8_t *buf;
	size_t cap;
	long n;
};

static int grab_frame(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		      uint32_t wire_len)
{
	struct grab *g = ctx;
	struct np_meta m;
	const uint8_t *p;
	uint32_t rl;

	(void)ts;
	(void)wire_len;
	if (no != g->want)
		return 0;
	if (np_parse_eth(eth, eth + len, len, &m) != NP_TCP || m.plen < 5 ||
	    m.poff + m.plen > len)
		return 1;
	p = eth + m.poff;
	rl = g->whole ? m.plen : 5u + ((p[3] << 8) | p[4]);
	if (rl <= m.plen && rl <= g->cap) {
		memcpy(g->buf, p, rl);
		g->n = rl;
	}
	return 1;
}

long corpus_tcp_payload(const char *rel, uint64_t frame, int whole, uint8_t *buf, size_t cap,
			char *err, size_t errlen)
{
	struct grab g = { .want = frame, .whole = whole, .buf = buf, .cap = cap, .n = -1 };
	struct pcap_src *ps;

	ps = pcap_src_open(corpus_path(rel), err, errlen);
	if (!ps)
		return -1;
	pcap_src_run(ps, grab_frame, &g, err, errlen);
	pcap_src_close(ps);
	if (g.n < 0)
		snprintf(err, errlen, "%s frame %llu: no whole TLS %s", rel,
			 (unsigned long long)frame, whole ? "payload" : "record");
	return g.n;
}
