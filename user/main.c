// SPDX-License-Identifier: BSD-3-Clause
/* tlsmon: entry point. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dp_user.h"
#include "ev_json.h"
#include "log.h"
#include "pcap_src.h"

static struct env {
	const char *read_path;
	int events;
	int verbose;
} env;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tlsmon [OPTIONS]\n"
		"Watch TLS handshakes and explain the ones that fail.\n"
		"\n"
		"  -r, --read FILE     read a capture (pcap or pcapng, '-' for stdin)\n"
		"      --events        print every datapath event as a JSON line\n"
		"  -v, --verbose       more log output (repeat for debug)\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this help\n");
}

static struct jbuf out;

static int print_event(void *ctx, const void *ev, size_t size)
{
	(void)ctx;
	jb_reset(&out);
	if (ev_json(&out, ev, size))
		return 0;
	jb_raw(&out, "\n", 1);
	fwrite(out.s, 1, out.len, stdout);
	return 0;
}

static int feed(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		uint32_t wire_len)
{
	(void)no;
	(void)wire_len;
	dp_user_frame(ctx, eth, len, ts, 0, TLSMON_HOOK_PCAP);
	return 0;
}

static int run_offline(void)
{
	char err[512];
	struct pcap_src *ps = pcap_src_open(env.read_path, err, sizeof(err));
	struct dp_user *du;
	int rc;

	if (!ps) {
		pr_err("%s", err);
		return 1;
	}
	du = dp_user_new(1 << 16, print_event, NULL);
	if (!du) {
		pr_err("out of memory");
		pcap_src_close(ps);
		return 1;
	}
	rc = pcap_src_run(ps, feed, du, err, sizeof(err));
	if (rc)
		pr_warn("%s", err);
	dp_user_free(du);
	pcap_src_close(ps);
	jb_free(&out);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "events", no_argument, NULL, 'E' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:vVh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			env.read_path = optarg;
			break;
		case 'E':
			env.events = 1;
			break;
		case 'v':
			env.verbose++;
			break;
		case 'V':
			printf("tlsmon %s\n", TLSMON_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_set_level(LOG_INFO + env.verbose);
	if (env.read_path && env.events)
		return run_offline();
	fprintf(stderr, "tlsmon: only --read FILE --events is built so far\n");
	return 2;
}
