// SPDX-License-Identifier: BSD-3-Clause
/*
 * Sends the Ethernet frames of captures out of an interface, one after the
 * other, as they are (AF_PACKET): the live half of the differential test.
 *
 *   pcap_send IFNAME FILE...
 *
 * Captures of another link type are skipped, and so is a frame the
 * interface refuses (larger than its MTU); the last line of output counts
 * them: "sent N frames; skipped F files, M frames".
 */
#include <errno.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct sockaddr_ll to = { .sll_family = AF_PACKET };
	struct pcap_pkthdr *h;
	const unsigned char *b;
	unsigned long sent = 0, refused = 0, files = 0;
	int fd, i, r;
	pcap_t *p;

	if (argc < 3) {
		fprintf(stderr, "usage: pcap_send IFNAME FILE...\n");
		return 2;
	}
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!to.sll_ifindex) {
		fprintf(stderr, "pcap_send: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	to.sll_halen = 6;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("pcap_send: socket");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		p = pcap_open_offline(argv[i], err);
		if (!p) {
			fprintf(stderr, "pcap_send: %s\n", err);
			return 1;
		}
		if (pcap_datalink(p) != DLT_EN10MB) {
			files++;
			pcap_close(p);
			continue;
		}
		while ((r = pcap_next_ex(p, &h, &b)) == 1) {
			if (h->caplen < 14 || h->caplen != h->len) {
				refused++;	/* cut by the capture: not the frame that was sent */
				continue;
			}
			if (sendto(fd, b, h->caplen, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
				refused++;
				continue;
			}
			sent++;
			/* a breath now and then: the receiver's backlog is bounded */
			if (!(sent % 64))
				nanosleep(&(struct timespec){ 0, 200000 }, NULL);
		}
		if (r == PCAP_ERROR)
			fprintf(stderr, "pcap_send: %s: %s\n", argv[i], pcap_geterr(p));
		pcap_close(p);
	}
	close(fd);
	printf("sent %lu frames; skipped %lu files, %lu frames\n", sent, files, refused);
	return 0;
}
