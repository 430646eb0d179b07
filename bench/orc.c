/* orc.c - benchmark workload: an open/read/close loop on a small file, timed in µs per iteration. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: orc [N [PATH]]   (default 300000 iterations of /etc/hostname)
 * Prints "us_per_iter X" on stdout.  Only the loop is timed (CLOCK_MONOTONIC), so a
 * tracer's start-up and shutdown are not part of the figure.
 */

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int one(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, 64) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 300000;
	const char *path = argc > 2 ? argv[2] : "/etc/hostname";
	char buf[64];
	if (n <= 0) {
		fprintf(stderr, "orc: bad iteration count '%s'\n", argv[1]);
		return 2;
	}
	for (long i = 0; i < 1000; i++) /* warm the dentry cache and the tracer's paths */
		if (one(path, buf)) {
			fprintf(stderr, "orc: %s: %s\n", path, strerror(errno));
			return 1;
		}
	double t0 = now_us();
	for (long i = 0; i < n; i++)
		if (one(path, buf)) {
			fprintf(stderr, "orc: %s: %s\n", path, strerror(errno));
			return 1;
		}
	double t1 = now_us();
	printf("us_per_iter %.4f\n", (t1 - t0) / (double)n);
	return 0;
}
