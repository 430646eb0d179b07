/* kt-synth.c - writes a synthetic capture (realistic event mix) for command tests, demos and fuzz seeds. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

static const char usage[] =
        "usage: kt-synth [-n EVENTS] [-s STATE] [-c CHUNK_BYTES] [-l LEVEL] [--seed N] FILE\n"
        "Writes a synthetic kite capture: STATE snapshot records, then EVENTS events\n"
        "drawn from a build-and-web-service mix.  FILE may be - for stdout.\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"seed", required_argument, 0, 'S'}, {"help", no_argument, 0, 'h'}, {0}};
	unsigned long long n = 10000, nstate = 50, seed = 1;
	struct kite_writer_opts o = {.level = 3};
	int c;
	while ((c = getopt_long(argc, argv, "n:s:c:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 's': nstate = strtoull(optarg, NULL, 10); break;
		case 'c': o.chunk_bytes = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'l': o.level = atoi(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		default: fputs(usage, c == 'h' ? stdout : stderr); return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return 2;
	}
	int fd = strcmp(argv[optind], "-") ? open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC, 0600) : 1;
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	return kt_write_capture(fd, n, (uint32_t)nstate, &o, seed) ? 1 : 0;
}
