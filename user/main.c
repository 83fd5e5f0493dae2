// SPDX-License-Identifier: BSD-3-Clause
/* tlsmon: entry point (the daemon arrives with the datapath and collector). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("tlsmon %s\n", TLSMON_VERSION);
		return 0;
	}
	fprintf(stderr, "tlsmon: the monitoring daemon is not built yet\n");
	return 2;
}
