// SPDX-License-Identifier: BSD-3-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tsv.h"

static char **split(char *line, size_t *n)
{
	size_t cap = 16, k = 0;
	char **v = malloc(cap * sizeof(*v)), *p = line, *tab;

	for (;;) {
		if (k == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		tab = strchr(p, '\t');
		if (tab)
			*tab = 0;
		v[k++] = strdup(p);
		if (!tab)
			break;
		p = tab + 1;
	}
	*n = k;
	return v;
}

struct tsv *tsv_load(const char *path)
{
	FILE *f = fopen(path, "r");
	struct tsv *t;
	char *line = NULL;
	size_t cap = 0, n, rcap = 64, i;
	ssize_t len;

	if (!f)
		return NULL;
	t = calloc(1, sizeof(*t));
	t->rows = malloc(rcap * sizeof(*t->rows));
	while ((len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!t->cols) {
			if (!strncmp(line, "#fields\t", 8)) {
				t->cols = split(line + 8, &t->ncols);
				continue;
			}
			if (line[0] == '#' || !len)
				continue;
			t->cols = split(line, &t->ncols);
			continue;
		}
		if (line[0] == '#' || !len)
			continue;
		if (t->nrows == rcap)
			t->rows = realloc(t->rows, (rcap *= 2) * sizeof(*t->rows));
		{
			char **cells = split(line, &n);

			if (n < t->ncols) {
				cells = realloc(cells, t->ncols * sizeof(*cells));
				for (i = n; i < t->ncols; i++)
					cells[i] = strdup("");
			}
			t->rows[t->nrows++] = cells;
		}
	}
	free(line);
	fclose(f);
	if (!t->cols) {
		tsv_free(t);
		return NULL;
	}
	return t;
}

void tsv_free(struct tsv *t)
{
	size_t i, j;

	if (!t)
		return;
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncols; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	for (j = 0; j < t->ncols; j++)
		free(t->cols[j]);
	free(t->cols);
	free(t->rows);
	free(t);
}

int tsv_col(const struct tsv *t, ...)
{
	va_list ap;
	const char *name;
	size_t j;

	va_start(ap, t);
	while ((name = va_arg(ap, const char *))) {
		for (j = 0; j < t->ncols; j++) {
			if (!strcmp(t->cols[j], name)) {
				va_end(ap);
				return (int)j;
			}
		}
	}
	va_end(ap);
	return -1;
}

const char *tsv_get(const struct tsv *t, size_t row, int col)
{
	if (col < 0 || row >= t->nrows || (size_t)col >= t->ncols)
		return "";
	return t->rows[row][col];
}
